"""Funding flows added up per group of source, FTS status, year, receiving member state, sector and
crisis: the cells of the receiver flow totals read model, added up."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import null, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.receiver_flow_totals.tables import receiver_flow_totals

SUMS = ("usd_amount", "usd_paid")
#: What the cells can be grouped by, in the order a total's key gives them.
GROUPS = ("source", "status", "year", "member_state", "sector", "crisis")
_COLUMNS = ("source_id", "status", "year", "member_state", "sector", "crisis_id")
Key = tuple[UUID | None, str | None, int | None, str | None, str | None, UUID | None]


@dataclass(frozen=True)
class ReceiverFlowTotalRow:
    source_id: UUID | None
    status: str | None
    year: int | None
    member_state: str | None
    sector: str | None
    crisis_id: UUID | None
    flows: int
    usd_amount: Decimal
    usd_paid: Decimal


async def receiver_flow_totals_by(
    engine: AsyncEngine, groups: frozenset[str], *, year: int | None
) -> list[ReceiverFlowTotalRow]:
    """Live flows (cancelled pledges left out) of ``year`` (or every year) added up per group of
    ``groups`` (a subset of GROUPS), in the order of the groups' values written out (none as
    "None"), as adding the flows up one by one gives them. Each sum shows as many decimal places as
    its longest term."""
    c = receiver_flow_totals.c
    # Only the columns grouped by are read (a null stands for the others): decoding a cell's ids is
    # much of reading it.
    wanted = [c[name] if group in groups else null() for name, group in zip(_COLUMNS, GROUPS, strict=True)]
    query = select(*wanted, c.flows, c.usd_amount, c.usd_paid, c.places)
    if year is not None:
        query = query.where(c.year == year)
    totals: dict[Key, list[Any]] = {}
    async with engine.connect() as conn:
        for source, status, year_of, state, sector, crisis, flows, usd, paid, held in await conn.execute(
            query
        ):
            key: Key = (source, status, year_of, state, sector, crisis)
            entry = totals.get(key)
            if entry is None:
                entry = totals[key] = [0, Decimal(0), Decimal(0), 0, 0]
            entry[0] += flows
            entry[1] += usd
            entry[2] += paid
            for index, name in enumerate(SUMS):
                longest = max((int(p) for p in held.get(name, {})), default=0)
                entry[3 + index] = max(entry[3 + index], longest)
    ordered = sorted(totals.items(), key=lambda kv: tuple(str(k) for k in kv[0]))
    return [
        ReceiverFlowTotalRow(*key, flows, _shown(usd_amount, usd_places), _shown(usd_paid, paid_places))
        for key, (flows, usd_amount, usd_paid, usd_places, paid_places) in ordered
    ]


def _shown(total: Decimal, decimals: int) -> Decimal:
    """Exactly ``total``, written with ``decimals`` places (every term has at most that many)."""
    return total.quantize(Decimal(1).scaleb(-decimals))
