"""Funding flows added up per group of source, FTS status, year, receiving member state, sector and
crisis: the cells of the receiver flow totals read model, added up."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Select, bindparam, null, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.querying import SumCells
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
    by_year = year is not None
    totals = await _cells.added_up(
        engine, (groups, by_year), {"year": year} if by_year else {}, lambda cell: tuple(cell[:6])
    )
    ordered = sorted(totals.items(), key=lambda kv: tuple(str(k) for k in kv[0]))
    return [ReceiverFlowTotalRow(*key, *added) for key, added in ordered]


def _cells_statement(shape: Hashable) -> Select[Any]:
    """Only the columns grouped by are read (a null stands for the others): decoding a cell's ids
    is much of reading it."""
    groups, by_year = cast(tuple[frozenset[str], bool], shape)
    c = receiver_flow_totals.c
    wanted = [c[name] if group in groups else null() for name, group in zip(_COLUMNS, GROUPS, strict=True)]
    query = select(*wanted, c.flows, c.usd_amount, c.usd_paid, c.places)
    return query.where(c.year == bindparam("year", type_=c.year.type)) if by_year else query


#: Every cell, or a year's, of the groups asked for.
_cells = SumCells(_cells_statement, SUMS)
