"""Reading the ``crises`` read model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.crises.tables import crises
from projections.querying import by_ids


@dataclass(frozen=True)
class CrisisRow:
    id: UUID
    name: str
    affected_states: str
    start_date: date
    phase: str
    opened_at: datetime
    updated_at: datetime
    opened_position: int


async def crises_by_id(engine: AsyncEngine, ids: Sequence[UUID]) -> dict[UUID, CrisisRow]:
    return await by_ids(engine, crises, CrisisRow, ids)


async def list_crises(engine: AsyncEngine, *, include_closed: bool) -> list[CrisisRow]:
    columns = [crises.c[name] for name in CrisisRow.__dataclass_fields__]
    query = select(*columns).order_by(crises.c.opened_position.desc())
    if not include_closed:
        query = query.where(crises.c.phase != "closed")
    async with engine.connect() as conn:
        return [CrisisRow(*row) for row in await conn.execute(query)]
