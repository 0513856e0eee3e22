"""Funding flows added up for the dashboard: the cells of the flow totals read model, added up per
group of source, FTS status, year and crisis."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.flow_totals.tables import flow_totals
from projections.querying import SumCells

SUMS = ("usd_amount", "usd_paid")
#: What the cells can be grouped by.
GROUPS = frozenset({"source", "status", "year", "crisis"})


@dataclass(frozen=True)
class FlowTotalRow:
    source_id: UUID | None
    status: str | None
    year: int | None
    crisis_id: UUID | None
    flows: int
    usd_amount: Decimal
    usd_paid: Decimal


async def flow_totals_by(
    engine: AsyncEngine, groups: frozenset[str], *, year: int | None
) -> list[FlowTotalRow]:
    """Live flows (cancelled pledges left out) of ``year`` (or every year) added up per group of
    ``groups`` (a subset of GROUPS), in the order of the groups' values written out (none as
    "None"). Each sum shows as many decimal places as its longest term, as adding the terms one by
    one would."""
    by_year = year is not None

    def key_of(cell: Sequence[Any]) -> tuple[Any, ...]:
        source_id, status, year_of, crisis_id = cell[:4]
        return (
            source_id if "source" in groups else None,
            status if "status" in groups else None,
            year_of if "year" in groups else None,
            crisis_id if "crisis" in groups else None,
        )

    totals = await _cells.added_up(engine, by_year, {"year": year} if by_year else {}, key_of)
    ordered = sorted(totals.items(), key=lambda kv: _order(kv[0]))
    return [FlowTotalRow(*key, *added) for key, added in ordered]


def _cells_statement(by_year: Hashable) -> Select[Any]:
    c = flow_totals.c
    query = select(c.source_id, c.status, c.year, c.crisis_id, c.flows, *(c[name] for name in SUMS), c.places)
    return query.where(c.year == bindparam("year", type_=c.year.type)) if by_year else query


#: Every cell, or a year's: the dashboard reads them all on each refresh.
_cells = SumCells(_cells_statement, SUMS)


def _order(key: tuple[Any, ...]) -> tuple[str, ...]:
    """The order flows added up one by one were given in: each group's value written out, with the
    member state and sector (never grouped here) as None between the year and the crisis."""
    source, status, year, crisis = key
    return tuple(str(k) for k in (source, status, year, None, None, crisis))
