"""Reading the ``matches`` read model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.assistance_requests.tables import assistance_requests
from projections.matches.tables import matches
from projections.querying import by_ids

_r = assistance_requests.c


@dataclass(frozen=True)
class MatchRow:
    id: UUID
    crisis_id: UUID
    request_id: UUID
    offer_id: UUID
    quantity: Decimal
    unit: str
    status: str
    over_cover: bool
    dispatched: Decimal | None
    received: Decimal | None
    reason: str | None
    proposed_by: str
    proposed_at: datetime
    updated_at: datetime
    proposed_position: int


@dataclass(frozen=True)
class MatchFilter:
    crisis_ids: tuple[UUID, ...] = ()
    request_ids: tuple[UUID, ...] = ()
    offer_ids: tuple[UUID, ...] = ()
    statuses: tuple[str, ...] = ()
    requesting_states: tuple[str, ...] = ()  # the member states whose requests they serve


async def matches_by_id(engine: AsyncEngine, ids: Sequence[UUID]) -> dict[UUID, MatchRow]:
    return await by_ids(engine, matches, MatchRow, ids)


async def list_matches(
    engine: AsyncEngine, where: MatchFilter, *, first: int, after: int | None
) -> tuple[list[MatchRow], bool, int]:
    m = matches.c
    conditions: list[Any] = []
    for column, values in (
        (m.crisis_id, where.crisis_ids),
        (m.request_id, where.request_ids),
        (m.offer_id, where.offer_ids),
        (m.status, where.statuses),
    ):
        if values:
            conditions.append(column.in_(values))
    source: Any = matches
    if where.requesting_states:
        # A join on the request's key, not ``request_id IN (the state's requests)``: that list is
        # built whole (12,000 ids for one state at demo scale 10) before a match is read, where
        # the join reads the matches of the status newest first (ix_matches_status_position) and
        # looks each one's request up. A request's id is its key: the rows are the same.
        source = matches.join(assistance_requests, _r.id == m.request_id)
        conditions.append(_r.member_state.in_(where.requesting_states))
    columns = [m[name] for name in MatchRow.__dataclass_fields__]
    query = (
        select(*columns)
        .select_from(source)
        .where(*conditions)
        .order_by(m.proposed_position.desc())
        .limit(first + 1)
    )
    if after is not None:
        query = query.where(m.proposed_position < after)
    count = select(func.count()).select_from(source).where(*conditions)
    async with engine.connect() as conn:
        rows = [MatchRow(*row) for row in await conn.execute(query)]
        total = int(await conn.scalar(count) or 0)
    return rows[:first], len(rows) > first, total
