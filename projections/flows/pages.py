"""Flows a page at a time: pledges in the order they were made, then the funds' allocations by fund
and version. A page reads its own rows by index, so its cost does not grow with the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from projections.finance.tables import fund_allocations, pledges
from projections.flows.queries import FlowRow, allocation_flow, allocation_flows, pledge_flow, pledge_flows

_p, _a = pledges.c, fund_allocations.c


@dataclass(frozen=True)
class FlowCursor:
    """Where a page ended: after a pledge (its log position), or after a fund's allocation."""

    pledge_position: int | None = None
    fund_id: UUID | None = None
    fund_version: int | None = None


@dataclass(frozen=True)
class FlowFilter:
    source_ids: tuple[UUID, ...] = ()
    year: int | None = None


def _year(column: Any, year: int | None) -> list[Any]:
    if year is None:
        return []
    return [column >= datetime(year, 1, 1, tzinfo=UTC), column < datetime(year + 1, 1, 1, tzinfo=UTC)]


def _incoming(where: FlowFilter) -> list[Any]:
    conditions = [_p.status != "cancelled", *_year(_p.pledged_at, where.year)]
    if where.source_ids:
        conditions.append(_p.organisation_id.in_(where.source_ids))
    return conditions


def _outgoing(where: FlowFilter) -> list[Any]:
    conditions = _year(_a.decided_at, where.year)
    if where.source_ids:
        conditions.append(_a.fund_id.in_(where.source_ids))
    return conditions


def _pledge_query(where: FlowFilter, after: FlowCursor | None) -> Select[Any]:
    query = pledge_flows().add_columns(_p.made_position).where(*_incoming(where)).order_by(_p.made_position)
    if after is not None and after.pledge_position is not None:
        query = query.where(_p.made_position > after.pledge_position)
    return query


def _allocation_query(where: FlowFilter, after: FlowCursor | None) -> Select[Any]:
    query = (
        allocation_flows().add_columns(_a.version).where(*_outgoing(where)).order_by(_a.fund_id, _a.version)
    )
    if after is not None and after.fund_id is not None:
        query = query.where(
            or_(
                _a.fund_id > after.fund_id, and_(_a.fund_id == after.fund_id, _a.version > after.fund_version)
            )
        )
    return query


async def flow_page(
    engine: AsyncEngine, where: FlowFilter, *, first: int, after: FlowCursor | None
) -> tuple[list[tuple[FlowCursor, FlowRow]], bool, int]:
    """Up to ``first`` flows after the cursor, whether more follow, and how many match in all."""
    async with engine.connect() as conn:
        found: list[tuple[FlowCursor, FlowRow]] = []
        if after is None or after.fund_id is None:
            found += [
                _pledge(row) for row in await conn.execute(_pledge_query(where, after).limit(first + 1))
            ]
        if len(found) <= first:
            rest = _allocation_query(where, after).limit(first + 1 - len(found))
            found += [_allocation(row) for row in await conn.execute(rest)]
        total = await _count(conn, where)
    return found[:first], len(found) > first, total


async def _count(conn: AsyncConnection, where: FlowFilter) -> int:
    incoming = select(func.count()).select_from(pledges).where(*_incoming(where))
    outgoing = select(func.count()).select_from(fund_allocations).where(*_outgoing(where))
    return int(await conn.scalar(incoming) or 0) + int(await conn.scalar(outgoing) or 0)


def _pledge(row: Any) -> tuple[FlowCursor, FlowRow]:
    return FlowCursor(pledge_position=row.made_position), pledge_flow(row)


def _allocation(row: Any) -> tuple[FlowCursor, FlowRow]:
    return FlowCursor(fund_id=row.fund_id, fund_version=row.version), allocation_flow(row)
