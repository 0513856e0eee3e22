"""Flows a page at a time: pledges in the order they were made, then the funds' allocations by fund
and version. A page reads its own rows by index, so its cost does not grow with the log."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Integer, Select, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from projections.finance.tables import fund_allocations, pledges
from projections.flows.queries import FlowRow, allocation_flow, allocation_flows, pledge_flow, pledge_flows
from projections.prepared import Statements

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


#: A page's statements depend on this: how many sources the filter names, whether it names a year,
#: and whether the page starts after a cursor.
Shape = tuple[int, bool, bool]


def _narrowed(made: Any, source: Any, prefix: str, sources: int, by_year: bool) -> list[Any]:
    """Flows of the filter's year (by ``made``) and sources (by ``source``), its values bind
    parameters named by ``prefix`` (``_values`` names them)."""
    conditions = []
    if by_year:
        start, end = (
            bindparam(f"{prefix}_from", type_=made.type),
            bindparam(f"{prefix}_until", type_=made.type),
        )
        conditions += [made >= start, made < end]
    if sources:
        conditions.append(source.in_([bindparam(f"{prefix}_{i}", type_=source.type) for i in range(sources)]))
    return conditions


def _incoming(sources: int, by_year: bool) -> list[Any]:
    """Live pledges of the filter."""
    return [_p.status != "cancelled", *_narrowed(_p.pledged_at, _p.organisation_id, "in", sources, by_year)]


def _outgoing(sources: int, by_year: bool) -> list[Any]:
    """The funds' allocations of the filter."""
    return _narrowed(_a.decided_at, _a.fund_id, "out", sources, by_year)


def _count_statement(sources: int, by_year: bool) -> Select[Any]:
    """How many flows match in all: pledges and allocations."""
    incoming = select(func.count()).select_from(pledges).where(*_incoming(sources, by_year))
    outgoing = select(func.count()).select_from(fund_allocations).where(*_outgoing(sources, by_year))
    return select((incoming.scalar_subquery() + outgoing.scalar_subquery()).label("total_count"))


def _pledge_statement(shape: Shape) -> Select[Any]:
    """A page of pledges in the order made, each row with its position and the count of all."""
    sources, by_year, after = shape
    total = _count_statement(sources, by_year).scalar_subquery().label("total_count")
    query = pledge_flows().add_columns(_p.made_position, total).where(*_incoming(sources, by_year))
    if after:
        query = query.where(_p.made_position > bindparam("after_pledge", type_=_p.made_position.type))
    return query.order_by(_p.made_position).limit(bindparam("limit", type_=Integer))


def _allocation_statement(shape: Shape) -> Select[Any]:
    """A page of allocations by fund and version, each row with its version and the count of all."""
    sources, by_year, after = shape
    total = _count_statement(sources, by_year).scalar_subquery().label("total_count")
    query = allocation_flows().add_columns(_a.version, total).where(*_outgoing(sources, by_year))
    if after:
        fund, version = (
            bindparam("after_fund", type_=_a.fund_id.type),
            bindparam("after_version", type_=_a.version.type),
        )
        query = query.where(or_(_a.fund_id > fund, and_(_a.fund_id == fund, _a.version > version)))
    return query.order_by(_a.fund_id, _a.version).limit(bindparam("limit", type_=Integer))


def _values(where: FlowFilter, after: FlowCursor | None, limit: int) -> dict[str, Any]:
    """The values of the page's statements' bind parameters."""
    values: dict[str, Any] = {"limit": limit}
    for i, source in enumerate(where.source_ids):
        values[f"in_{i}"] = values[f"out_{i}"] = source
    if where.year is not None:
        start, end = datetime(where.year, 1, 1, tzinfo=UTC), datetime(where.year + 1, 1, 1, tzinfo=UTC)
        values.update(in_from=start, in_until=end, out_from=start, out_until=end)
    if after is not None:
        values.update(
            after_pledge=after.pledge_position, after_fund=after.fund_id, after_version=after.fund_version
        )
    return values


class _Part:
    """One part of the flows (pledges, or allocations) a page at a time: a statement for each
    shape of filter, prepared once (``projections.prepared``), each row's flow made once for the
    same values (a donor's page is read on every refresh), and the count of all beside each row."""

    def __init__(
        self, build: Callable[[Shape], Select[Any]], make: Callable[[Any], tuple[FlowCursor, FlowRow]]
    ) -> None:
        self._make = make
        # ``pledge_flow`` and ``allocation_flow`` read a row's columns by name, as SQLAlchemy gives them.
        named = namedtuple("Row", [str(c.key) for c in build((0, False, False)).selected_columns][:-1])  # type: ignore[misc]
        self._statements: Statements[Shape, tuple[FlowCursor, FlowRow]] = Statements(
            build, lambda *values: make(named(*values)), counted=True
        )

    async def read(
        self, engine: AsyncEngine, conn: AsyncConnection, shape: Shape, values: dict[str, Any]
    ) -> tuple[list[tuple[FlowCursor, FlowRow]], int | None]:
        """The part's flows of the page, and the count of all (None for no row to carry it)."""
        prepared = self._statements.prepared(engine, shape)
        if prepared is None:
            rows = (await conn.execute(self._statements.built(shape), values)).all()
            return [self._make(row) for row in rows], rows[0].total_count if rows else None
        found = await prepared.run(conn, values)
        make = self._statements.maker(prepared)
        return [make(row) for row in found], int(found[0][-1]) if found else None


def _pledge(row: Any) -> tuple[FlowCursor, FlowRow]:
    return FlowCursor(pledge_position=row.made_position), pledge_flow(row)


def _allocation(row: Any) -> tuple[FlowCursor, FlowRow]:
    return FlowCursor(fund_id=row.fund_id, fund_version=row.version), allocation_flow(row)


_PLEDGES = _Part(_pledge_statement, _pledge)
_ALLOCATIONS = _Part(_allocation_statement, _allocation)


async def flow_page(
    engine: AsyncEngine, where: FlowFilter, *, first: int, after: FlowCursor | None
) -> tuple[list[tuple[FlowCursor, FlowRow]], bool, int]:
    """Up to ``first`` flows after the cursor, whether more follow, and how many match in all: the
    count comes with the rows, or alone for a page with none."""
    sources, by_year = len(where.source_ids), where.year is not None
    found: list[tuple[FlowCursor, FlowRow]] = []
    total: int | None = None
    async with engine.connect() as conn:
        if after is None or after.fund_id is None:
            shape = (sources, by_year, after is not None)
            found, total = await _PLEDGES.read(engine, conn, shape, _values(where, after, first + 1))
        if len(found) <= first:
            shape = (sources, by_year, after is not None and after.fund_id is not None)
            values = _values(where, after, first + 1 - len(found))
            more, counted = await _ALLOCATIONS.read(engine, conn, shape, values)
            found += more
            total = counted if total is None else total
        if total is None:
            total = int(await conn.scalar(_count_statement(sources, by_year), _values(where, None, 0)) or 0)
    return found[:first], len(found) > first, total
