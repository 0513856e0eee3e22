"""Funding flows added up for the dashboard: the cells of the flow totals read model, added up per
group of source, FTS status, year and crisis."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.flow_totals.tables import flow_totals

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
    c = flow_totals.c
    query = select(c.source_id, c.status, c.year, c.crisis_id, c.flows, *(c[name] for name in SUMS), c.places)
    if year is not None:
        query = query.where(c.year == year)
    totals: dict[tuple[Any, ...], list[Any]] = {}
    async with engine.connect() as conn:
        for row in await conn.execute(query):
            key = (
                row.source_id if "source" in groups else None,
                row.status if "status" in groups else None,
                row.year if "year" in groups else None,
                row.crisis_id if "crisis" in groups else None,
            )
            entry = totals.setdefault(key, [0, Decimal(0), Decimal(0), 0, 0])
            entry[0] += row.flows
            for index, name in enumerate(SUMS):
                entry[1 + index] += getattr(row, name)
                longest = max((int(p) for p in row.places.get(name, {})), default=0)
                entry[3 + index] = max(entry[3 + index], longest)
    ordered = sorted(totals.items(), key=lambda kv: _order(kv[0]))
    return [
        FlowTotalRow(
            source,
            status,
            year,
            crisis,
            flows,
            _shown(usd_amount, usd_places),
            _shown(usd_paid, paid_places),
        )
        for (source, status, year, crisis), (flows, usd_amount, usd_paid, usd_places, paid_places) in ordered
    ]


def _order(key: tuple[Any, ...]) -> tuple[str, ...]:
    """The order flows added up one by one were given in: each group's value written out, with the
    member state and sector (never grouped here) as None between the year and the crisis."""
    source, status, year, crisis = key
    return tuple(str(k) for k in (source, status, year, None, None, crisis))


def _shown(total: Decimal, decimals: int) -> Decimal:
    """Exactly ``total``, written with ``decimals`` places (every term has at most that many)."""
    return total.quantize(Decimal(1).scaleb(-decimals))
