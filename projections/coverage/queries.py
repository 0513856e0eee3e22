"""Coverage for the dashboard: the cells of the coverage read model, added up per group."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.coverage.tables import coverage_cells

SUMS = ("requested", "committed", "delivered")


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
    """Requested, committed and delivered per group of live requests (cancelled ones left out),
    committed and delivered counted up to what each request asks for.

    Quantities are summed per unit-free group, as OCHA's coverage dashboards do per cluster. Each
    sum shows as many decimal places as its longest term, as adding the terms one by one would.
    """
    c = coverage_cells.c
    query = select(c.member_state, c.sector, c.requests, *(c[name] for name in SUMS), c.places)
    if crisis_id is not None:
        query = query.where(c.crisis_id == crisis_id)
    totals: dict[tuple[str | None, str | None], list[Any]] = {}
    async with engine.connect() as conn:
        for row in await conn.execute(query):
            key = (row.member_state if by_state else None, row.sector if by_sector else None)
            entry = totals.setdefault(key, [0, Decimal(0), Decimal(0), Decimal(0), 0, 0, 0])
            entry[0] += row.requests
            for index, name in enumerate(SUMS):
                entry[1 + index] += getattr(row, name)
                longest = max((int(p) for p in row.places.get(name, {})), default=0)
                entry[4 + index] = max(entry[4 + index], longest)
    return [
        CoverageRow(
            state,
            sector,
            values[0],
            *(_shown(total, decimals) for total, decimals in zip(values[1:4], values[4:], strict=True)),
        )
        for (state, sector), values in sorted(totals.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or ""))
    ]


def _shown(total: Decimal, decimals: int) -> Decimal:
    """Exactly ``total``, written with ``decimals`` places (every term has at most that many)."""
    return total.quantize(Decimal(1).scaleb(-decimals))
