"""Reading the ``security_incidents`` read model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, ColumnElement, Integer, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.querying import among, within
from projections.security_incidents.tables import security_incidents


@dataclass(frozen=True)
class IncidentRow:
    id: UUID
    crisis_id: UUID | None
    member_state: str
    admin_code: str
    admin1: str
    occurred_on: date
    kind: str
    severity: str
    status: str
    description: str
    affected_organisations: list[str]


@dataclass(frozen=True)
class IncidentFilter:
    """Which incidents: each list any of its values, all of them empty for every incident."""

    crisis_ids: Sequence[UUID] = ()
    member_states: Sequence[str] = ()
    statuses: Sequence[str] = ()
    areas: Sequence[str] = ()  # P-codes, each with the areas within it


def _conditions(where: IncidentFilter) -> list[ColumnElement[bool]]:
    i = security_incidents.c
    return [
        *among(i.crisis_id, where.crisis_ids),
        *among(i.member_state, where.member_states),
        *among(i.status, where.statuses),
        *within(i.admin_code, where.areas),
    ]


_COLUMNS = [security_incidents.c[name] for name in IncidentRow.__dataclass_fields__]


async def list_incidents(engine: AsyncEngine, where: IncidentFilter) -> list[IncidentRow]:
    """Every incident of ``where``, newest report first."""
    i = security_incidents.c
    async with engine.connect() as conn:
        query = select(*_COLUMNS).where(*_conditions(where)).order_by(i.reported_position.desc())
        return [IncidentRow(*row) for row in await conn.execute(query)]


async def incident_page(
    engine: AsyncEngine, where: IncidentFilter, *, first: int, before: int | None
) -> tuple[list[tuple[int, IncidentRow]], bool, int]:
    """Up to ``first`` incidents, newest report first, reported before position ``before``; whether
    more follow; how many match in all. The statements ``page_statement`` binds, built with the
    filter's values (areas, matched by prefix, too)."""
    conditions = _conditions(where)
    async with engine.connect() as conn:
        page = _paged(conditions, _COLUMNS, before=before, limit=first + 1, rows=True)
        found = list(await conn.execute(page))
        if found:
            total = found[0][-1]
        else:
            total = await conn.scalar(_paged(conditions, _COLUMNS, before=None, limit=None, rows=False))
    rows = [(row[0], IncidentRow(*row[1:-1])) for row in found]
    return rows[:first], len(rows) > first, int(total or 0)


def _paged(
    conditions: Sequence[ColumnElement[bool]], columns: Sequence[Any], *, before: Any, limit: Any, rows: bool
) -> Any:
    """A page of the incidents that meet ``conditions``, newest report first, reported before
    ``before`` (None: from the newest), at most ``limit``: each row the report's position, the
    ``columns`` and the count of them all; without ``rows``, the count alone. ``before`` and
    ``limit`` are values or bind parameters."""
    i = security_incidents.c
    counting = select(func.count()).select_from(security_incidents).where(*conditions)
    if not rows:
        return counting
    page = select(i.reported_position, *columns, counting.scalar_subquery().label("total_count"))
    page = page.where(*conditions)
    if before is not None:
        page = page.where(i.reported_position < before)
    return page.order_by(i.reported_position.desc()).limit(limit)


#: The lists of the filter a page statement binds, and the column each is matched against; areas
#: are matched by prefix (LIKE): no statement is bound for them.
_BOUND = (
    ("crisis_ids", security_incidents.c.crisis_id),
    ("member_states", security_incidents.c.member_state),
    ("statuses", security_incidents.c.status),
)


def page_shape(where: IncidentFilter) -> tuple[int, ...]:
    """What the page statement of ``where`` depends on: how many values each bound list has."""
    if where.areas:
        msg = "an area filter is matched by prefix: its page is not bound"
        raise ValueError(msg)
    return tuple(len(getattr(where, name)) for name, _column in _BOUND)


def page_statement(shape: tuple[int, ...], columns: Sequence[Any], *, before: bool, rows: bool) -> Any:
    """``incident_page``'s page as one statement with bind parameters (``page_values`` names their
    values), the same for every filter of the ``shape``: its rows each the report's position, the
    ``columns``, and the filter's count last; without ``rows``, the count alone."""
    conditions = [
        column.in_([bindparam(f"{name}_{k}", type_=column.type) for k in range(size)])
        for (name, column), size in zip(_BOUND, shape, strict=True)
        if size
    ]
    labelled = [column.label(f"c{k}") for k, column in enumerate(columns)]
    after = bindparam("before", type_=BigInteger) if before else None
    limit = bindparam("limit", type_=Integer)
    return _paged(conditions, labelled, before=after, limit=limit, rows=rows)


def page_values(where: IncidentFilter, *, first: int, before: int | None) -> dict[str, Any]:
    """The values of ``page_statement``'s bind parameters for this filter and page."""
    values: dict[str, Any] = {"limit": first + 1, "before": before}
    for name, _column in _BOUND:
        values.update((f"{name}_{k}", each) for k, each in enumerate(getattr(where, name)))
    return values


async def open_incidents_by_state(
    engine: AsyncEngine, states: Sequence[str]
) -> dict[str, list[tuple[str, str]]]:
    """Each state's open incidents as (P-code, severity): what the risk of an area is derived from."""
    i = security_incidents.c
    found: dict[str, list[tuple[str, str]]] = {state: [] for state in states}
    async with engine.connect() as conn:
        query = select(i.member_state, i.admin_code, i.severity).where(
            i.status == "open", i.member_state.in_(list(states))
        )
        for state, code, severity in await conn.execute(query):
            found[state].append((code, severity))
    return found
