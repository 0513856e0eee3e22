"""Reading the ``offers`` read model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.offers.tables import offers
from projections.querying import by_ids


@dataclass(frozen=True)
class OfferRow:
    id: UUID
    crisis_id: UUID
    organisation_id: UUID | None
    offering_state: str | None
    sector: str
    item: str
    quantity: Decimal
    allocated: Decimal
    unit: str
    available_from: date
    available_until: date
    serves: str
    delivery_mode: str
    standby_capacity: str | None
    description: str
    withdrawn: bool
    posted_at: datetime
    updated_at: datetime
    posted_position: int


@dataclass(frozen=True)
class OfferFilter:
    crisis_ids: tuple[UUID, ...] = ()
    sectors: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    organisation_ids: tuple[UUID, ...] = ()
    serving: str | None = None  # a member state the offer can serve
    available_on: date | None = None  # open for matching on this day: not withdrawn, not expired


async def offers_by_id(engine: AsyncEngine, ids: Sequence[UUID]) -> dict[UUID, OfferRow]:
    return await by_ids(engine, offers, OfferRow, ids)


async def list_offers(
    engine: AsyncEngine, where: OfferFilter, *, first: int, after: int | None
) -> tuple[list[OfferRow], bool, int]:
    """Newest first; ``after`` is the posted position of the last row seen."""
    o = offers.c
    conditions: list[Any] = []
    if where.crisis_ids:
        conditions.append(o.crisis_id.in_(where.crisis_ids))
    if where.sectors:
        conditions.append(o.sector.in_(where.sectors))
    if where.items:
        conditions.append(o.item.in_(where.items))
    if where.organisation_ids:
        conditions.append(o.organisation_id.in_(where.organisation_ids))
    if where.serving:
        conditions.append(o.serves.contains(where.serving, autoescape=True))
    if where.available_on is not None:
        conditions += [~o.withdrawn, o.available_until >= where.available_on]
    columns = [o[name] for name in OfferRow.__dataclass_fields__]
    query = select(*columns).where(*conditions).order_by(o.posted_position.desc()).limit(first + 1)
    if after is not None:
        query = query.where(o.posted_position < after)
    count = select(func.count()).select_from(offers).where(*conditions)
    async with engine.connect() as conn:
        rows = [OfferRow(*row) for row in await conn.execute(query)]
        total = int(await conn.scalar(count) or 0)
    return rows[:first], len(rows) > first, total
