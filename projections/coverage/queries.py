"""Coverage for the dashboard: the cells of the coverage read model, added up per group."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.coverage.tables import coverage_cells
from projections.querying import shown

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
    async with engine.connect() as conn:
        statement = cells_statement(crisis=crisis_id is not None)
        cells = await conn.execute(statement, {} if crisis_id is None else {"crisis_id": crisis_id})
        return totals(cells, by_state=by_state, by_sector=by_sector)


def cells_statement(*, crisis: bool) -> Select:  # type: ignore[type-arg]
    """The cells ``totals`` adds up: of the crisis bound as ``crisis_id``, or of every crisis."""
    c = coverage_cells.c
    query = select(c.member_state, c.sector, c.requests, *(c[name] for name in SUMS), c.places)
    if crisis:
        query = query.where(c.crisis_id == bindparam("crisis_id", type_=c.crisis_id.type))
    return query


def totals(cells: Iterable[Sequence[Any]], *, by_state: bool, by_sector: bool) -> list[CoverageRow]:
    """The cells (as ``cells_statement`` selects them) added up per group, in the groups' order."""
    totals: dict[tuple[str | None, str | None], list[Any]] = {}
    for state, sector, requests, *sums, places in cells:
        key = (state if by_state else None, sector if by_sector else None)
        entry = totals.setdefault(key, [0, Decimal(0), Decimal(0), Decimal(0), 0, 0, 0])
        entry[0] += requests
        for index, name in enumerate(SUMS):
            entry[1 + index] += sums[index]
            longest = max((int(p) for p in places.get(name, {})), default=0)
            entry[4 + index] = max(entry[4 + index], longest)
    return [
        CoverageRow(
            state,
            sector,
            values[0],
            *(shown(total, decimals) for total, decimals in zip(values[1:4], values[4:], strict=True)),
        )
        for (state, sector), values in sorted(totals.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or ""))
    ]
