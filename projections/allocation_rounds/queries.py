"""Reads of the ``allocation_rounds`` read model: the rounds run, newest first, paged by position."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.allocation_rounds.tables import allocation_rounds

_a = allocation_rounds.c


@dataclass(frozen=True)
class RoundRow:
    id: UUID
    crisis_id: UUID | None
    ran_at: datetime
    ran_by: str
    method: str
    need_count: int
    offer_count: int
    proposal_count: int
    skipped_count: int
    min_state_coverage: float
    weighted_coverage: float
    greedy_min_state_coverage: float
    greedy_weighted_coverage: float
    position: int


_COLUMNS = [_a[f.name] for f in fields(RoundRow)]


async def list_rounds(
    engine: AsyncEngine, *, crisis_ids: Sequence[UUID], first: int, after: int | None
) -> tuple[list[RoundRow], bool, int]:
    """Newest first, of these crises (any, if none named); ``after`` is a round's position.
    Rows, has-next, total."""
    where = [_a.crisis_id.in_(crisis_ids)] if crisis_ids else []
    query = select(*_COLUMNS).where(*where).order_by(_a.position.desc()).limit(first + 1)
    if after is not None:
        query = query.where(_a.position < after)
    async with engine.connect() as conn:
        rows = [RoundRow(*row) for row in await conn.execute(query)]
        total = int(await conn.scalar(select(func.count()).select_from(allocation_rounds).where(*where)) or 0)
    return rows[:first], len(rows) > first, total
