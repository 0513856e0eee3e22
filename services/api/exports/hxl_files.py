"""The HXL exports written to a file by an operator (``concord export``), with the API's columns.

The operator acts as the secretariat: nothing is redacted or suppressed in these files, so they
are for those with need-to-know; share the API's exports (which apply each caller's rules) instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TextIO
from uuid import UUID

from domain.access import Role
from projections.assistance_requests import queries as request_queries
from projections.flows import queries as flow_queries
from projections.hxl import queries as hxl_queries
from projections.movements import queries as movement_queries
from projections.who_what_where import queries as who_what_where
from services.api.exports.hxl import REQUEST_COLUMNS, flow_columns, flow_names, haven_columns, offer_columns
from services.api.exports.hxl_csv import Column, lines
from services.api.exports.hxl_field import ACTIVITY_COLUMNS, EXPORT_LIMIT, movement_columns
from services.bootstrap import Runtime
from services.identity.access import Principal

OPERATOR = Principal("operator:concord-export", Role.SECRETARIAT, via="cli")
Source = tuple[Any, Sequence[Column[Any]]]


async def _requests(runtime: Runtime, crisis: Sequence[UUID]) -> Source:
    where = request_queries.RequestFilter(crisis_ids=tuple(crisis))
    return hxl_queries.requests(runtime.read_engine, where), REQUEST_COLUMNS  # a cursor: in a transaction


async def _offers(runtime: Runtime, crisis: Sequence[UUID]) -> Source:
    rows = hxl_queries.offers_with_organisation(runtime.read_engine, crisis)
    return rows, offer_columns(runtime.concord.today())


async def _safe_havens(runtime: Runtime, crisis: Sequence[UUID]) -> Source:
    return hxl_queries.safe_havens_in(runtime.read_engine, crisis), haven_columns(OPERATOR)


async def _flows(runtime: Runtime, _crisis: Sequence[UUID]) -> Source:
    rows = await flow_queries.flows(runtime.query_engine)
    return rows, flow_columns(await flow_names(runtime, rows))


async def _movements(runtime: Runtime, crisis: Sequence[UUID]) -> Source:
    rows = await movement_queries.list_movements(runtime.query_engine, crisis_ids=crisis)
    return rows, movement_columns(OPERATOR)


async def _who_what_where(runtime: Runtime, crisis: Sequence[UUID]) -> Source:
    rows = await who_what_where.who_what_where(runtime.query_engine, crisis_ids=crisis, limit=EXPORT_LIMIT)
    return rows, ACTIVITY_COLUMNS


SOURCES: dict[str, Callable[[Runtime, Sequence[UUID]], Awaitable[Source]]] = {
    "requests": _requests,
    "offers": _offers,
    "safe-havens": _safe_havens,
    "flows": _flows,
    "movements": _movements,
    "3w": _who_what_where,
}


async def write_export(
    kind: str,
    runtime: Runtime,
    out: TextIO,
    *,
    crisis: Sequence[UUID] = (),
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write one export as HXL-tagged CSV; returns the number of rows (progress learns it as it goes)."""
    rows, columns = await SOURCES[kind](runtime, crisis)
    counted = _Counted(rows)
    async for chunk in lines(counted, columns):
        out.write(chunk)
        if progress is not None:
            progress(counted.count)
    return counted.count


class _Counted:
    """The rows, counted as they pass (sync or async sources alike)."""

    def __init__(self, rows: Any) -> None:
        self.rows = rows
        self.count = 0

    async def __aiter__(self) -> AsyncIterator[Any]:
        if hasattr(self.rows, "__aiter__"):
            async for row in self.rows:
                self.count += 1
                yield row
        else:
            for row in self.rows:
                self.count += 1
                yield row
