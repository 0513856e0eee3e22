"""Coverage: what is requested, committed and delivered per state and sector, read from the
``assistance_requests`` read model."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.assistance_requests.tables import assistance_requests


@dataclass(frozen=True)
class CoverageRow:
    member_state: str | None
    sector: str | None
    requests: int
    requested: Decimal
    committed: Decimal
    delivered: Decimal

    @property
    def gap(self) -> Decimal:
        return max(self.requested - self.committed, Decimal(0))


async def coverage(
    engine: AsyncEngine, crisis_id: UUID | None, *, by_state: bool, by_sector: bool
) -> list[CoverageRow]:
    """Requested, committed and delivered per group of live requests (cancelled ones left out).

    Quantities are summed per unit-free group, as OCHA's coverage dashboards do per cluster;
    summed in Python with Decimal, since SQLite would add the stored decimals as floats.
    """
    r = assistance_requests.c
    query = select(r.member_state, r.sector, r.quantity, r.committed, r.delivered).where(
        r.status != "cancelled"
    )
    if crisis_id is not None:
        query = query.where(r.crisis_id == crisis_id)
    totals: dict[tuple[str | None, str | None], list[Any]] = {}
    async with engine.connect() as conn:
        for row in await conn.execute(query):
            key = (row.member_state if by_state else None, row.sector if by_sector else None)
            entry = totals.setdefault(key, [0, Decimal(0), Decimal(0), Decimal(0)])
            entry[0] += 1
            entry[1] += row.quantity
            entry[2] += min(row.committed, row.quantity)
            entry[3] += min(row.delivered, row.quantity)
    return [
        CoverageRow(state, sector, *values)
        for (state, sector), values in sorted(totals.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or ""))
    ]
