"""Reading the ``safe_havens`` read model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.querying import by_ids
from projections.safe_havens.tables import safe_havens


@dataclass(frozen=True)
class SafeHavenRow:
    id: UUID
    crisis_id: UUID
    member_state: str
    name: str
    admin1: str
    admin_code: str
    latitude: Decimal
    longitude: Decimal
    capacity_day: int
    capacity_night: int
    occupancy: int
    reserved: int
    services: str
    status: str
    designated_position: int


async def safe_havens_by_id(engine: AsyncEngine, ids: Sequence[UUID]) -> dict[UUID, SafeHavenRow]:
    return await by_ids(engine, safe_havens, SafeHavenRow, ids)


async def list_safe_havens(
    engine: AsyncEngine,
    *,
    crisis_ids: Sequence[UUID] = (),
    member_states: Sequence[str] = (),
    statuses: Sequence[str] = (),
) -> list[SafeHavenRow]:
    h = safe_havens.c
    conditions: list[Any] = []
    for column, values in ((h.crisis_id, crisis_ids), (h.member_state, member_states), (h.status, statuses)):
        if values:
            conditions.append(column.in_(list(values)))
    columns = [h[name] for name in SafeHavenRow.__dataclass_fields__]
    async with engine.connect() as conn:
        query = select(*columns).where(*conditions).order_by(h.designated_position)
        return [SafeHavenRow(*row) for row in await conn.execute(query)]
