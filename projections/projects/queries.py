"""Async queries on the projects read model, with each project's funding from the money read models.

A page of projects costs a fixed five statements: the projects, their milestones, their results,
the pledges and the fund allocations to them (four more for each further batch of ids).

A named operation's row plan (services.api.schema.project_rows) reads the same rows through the
statements below with bind parameters (``page_statement``, ``milestones_of``, ``results_of``,
``pledged_to``, ``allocated_to``), each prepared once for a shape of filter or a number of ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Integer, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from projections.finance.tables import fund_allocations, pledges
from projections.projects.tables import project_milestones, project_results, projects
from projections.querying import in_batches, within

ZERO = Decimal(0)
_COMMITTED = ("committed", "partially-paid", "paid")


@dataclass(frozen=True)
class MilestoneRow:
    milestone_id: UUID
    project_id: UUID
    title: str
    due_date: date
    achieved_on: date | None
    note: str


@dataclass(frozen=True)
class ResultRow:
    result_id: UUID
    project_id: UUID
    indicator: str
    unit: str
    hxl_tag: str
    baseline: Decimal
    target: Decimal
    achieved: Decimal | None
    measured_on: date | None


@dataclass(frozen=True)
class Funding:
    """In US dollars, at each pledge's and payment's own rate, as the FTS flows count them."""

    pledged: Decimal = ZERO  # pledges not cancelled, whatever their stage
    committed: Decimal = ZERO  # of which binding
    paid: Decimal = ZERO
    allocated: Decimal = ZERO  # by the Stability Fund
    disbursed: Decimal = ZERO
    pledges: int = 0


@dataclass(frozen=True)
class ProjectRow:
    id: UUID
    crisis_id: UUID
    member_state: str
    title: str
    description: str
    sector: str
    admin_code: str
    implementers: str
    budget: Decimal
    currency: str
    usd_rate: Decimal
    usd_budget: Decimal
    planned_start: date
    planned_end: date
    status: str
    status_reason: str
    started_on: date | None
    ended_on: date | None
    registered_at: datetime
    registered_position: int
    milestones: list[MilestoneRow] = field(default_factory=list)
    results: list[ResultRow] = field(default_factory=list)
    funding: Funding = field(default_factory=Funding)


@dataclass(frozen=True)
class ProjectFilter:
    crisis_ids: tuple[UUID, ...] = ()
    member_states: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    area: str | None = None  # a P-code: the projects in that area or any area within it


_FIELDS = [
    name for name in ProjectRow.__dataclass_fields__ if name not in ("milestones", "results", "funding")
]
#: The filter's lists: (its field, the column its values are of).
_LISTS = (
    ("crisis_ids", projects.c.crisis_id),
    ("member_states", projects.c.member_state),
    ("statuses", projects.c.status),
    ("sectors", projects.c.sector),
)
_MILESTONES = [project_milestones.c[n] for n in MilestoneRow.__dataclass_fields__]
_RESULTS = [project_results.c[n] for n in ResultRow.__dataclass_fields__]


def _conditions(lists: Mapping[str, Sequence[Any]]) -> list[Any]:
    """The conditions of a filter's lists (values or bind parameters)."""
    return [column.in_(lists[name]) for name, column in _LISTS if lists[name]]


async def list_projects(
    engine: AsyncEngine, where: ProjectFilter, *, first: int, after: int | None
) -> tuple[list[ProjectRow], bool, int]:
    """Newest first; ``after`` is the registered position of the last project of the previous page."""
    p = projects.c
    conditions = _conditions({name: getattr(where, name) for name, _column in _LISTS})
    conditions += within(p.admin_code, [where.area] if where.area else [])
    query = select(*(p[name] for name in _FIELDS)).where(*conditions)
    if after is not None:
        query = query.where(p.registered_position < after)
    query = query.order_by(p.registered_position.desc()).limit(first + 1)
    count = select(func.count()).select_from(projects).where(*conditions)
    async with engine.connect() as conn:
        rows = [dict(zip(_FIELDS, row, strict=True)) for row in await conn.execute(query)]
        total = int(await conn.scalar(count) or 0)
        page = await _complete(conn, rows[:first])
    return page, len(rows) > first, total


async def projects_by_id(engine: AsyncEngine, ids: Sequence[UUID]) -> dict[UUID, ProjectRow]:
    p = projects.c
    rows: list[dict[str, Any]] = []
    async with engine.connect() as conn:
        for batch in in_batches(ids):
            query = select(*(p[name] for name in _FIELDS)).where(p.id.in_(batch))
            rows += [dict(zip(_FIELDS, row, strict=True)) for row in await conn.execute(query)]
        return {row.id: row for row in await _complete(conn, rows)}


async def all_projects(engine: AsyncEngine) -> list[ProjectRow]:
    """Every project, oldest first: for the exports, which are not paged."""
    p = projects.c
    query = select(*(p[name] for name in _FIELDS)).order_by(p.registered_position)
    async with engine.connect() as conn:
        rows = [dict(zip(_FIELDS, row, strict=True)) for row in await conn.execute(query)]
        return await _complete(conn, rows)


async def _complete(conn: AsyncConnection, rows: list[dict[str, Any]]) -> list[ProjectRow]:
    milestones: dict[UUID, list[MilestoneRow]] = defaultdict(list)
    results: dict[UUID, list[ResultRow]] = defaultdict(list)
    funding: dict[UUID, Funding] = {}
    for ids in in_batches(row["id"] for row in rows):
        for row in await conn.execute(milestones_of(ids, _MILESTONES)):
            milestones[row.project_id].append(MilestoneRow(*row))
        for row in await conn.execute(results_of(ids, _RESULTS)):
            results[row.project_id].append(ResultRow(*row))
        funding.update(await _funding(conn, ids))
    return [
        ProjectRow(
            **{**row, "usd_rate": Decimal(row["usd_rate"])},
            milestones=milestones[row["id"]],
            results=results[row["id"]],
            funding=funding.get(row["id"], Funding()),
        )
        for row in rows
    ]


async def _funding(conn: AsyncConnection, ids: list[UUID]) -> dict[UUID, Funding]:
    pledged = await conn.execute(pledged_to(ids))
    allocated = await conn.execute(allocated_to(ids))
    return funding_of(pledged, allocated)


def funding_of(pledged: Iterable[Sequence[Any]], allocated: Iterable[Sequence[Any]]) -> dict[UUID, Funding]:
    """Each project's funding from the rows of ``pledged_to`` and ``allocated_to``. Summed in
    Python: SQLite would add the stored decimals as binary floats."""
    totals: dict[UUID, dict[str, Any]] = defaultdict(
        lambda: dict.fromkeys(Funding.__dataclass_fields__, ZERO)
    )
    for project_id, status, usd_amount, usd_paid in pledged:
        total = totals[project_id]
        total["pledged"] += usd_amount
        total["committed"] += usd_amount if status in _COMMITTED else ZERO
        total["paid"] += usd_paid
        total["pledges"] += 1
    for project_id, usd_amount, disbursed in allocated:
        total = totals[project_id]
        total["allocated"] += usd_amount
        total["disbursed"] += disbursed
    return {
        project_id: Funding(**{**values, "pledges": int(values["pledges"])})
        for project_id, values in totals.items()
    }


def milestones_of(ids: Sequence[Any], columns: Sequence[Any]) -> Any:
    """``columns`` of the milestones of the projects ``ids`` (values or bind parameters), each
    project's in the order they fall due."""
    m = project_milestones.c
    return select(*columns).where(m.project_id.in_(ids)).order_by(m.due_date, m.planned_position)


def results_of(ids: Sequence[Any], columns: Sequence[Any]) -> Any:
    """``columns`` of the results of the projects ``ids``, each project's in the order defined."""
    r = project_results.c
    return select(*columns).where(r.project_id.in_(ids)).order_by(r.defined_position)


def pledged_to(ids: Sequence[Any]) -> Any:
    """The pledges to the projects ``ids`` not cancelled: (project, status, US dollars, paid)."""
    p = pledges.c
    return select(p.destination_id, p.status, p.usd_amount, p.usd_paid).where(
        p.destination_kind == "project", p.destination_id.in_(ids), p.status != "cancelled"
    )


def allocated_to(ids: Sequence[Any]) -> Any:
    """The Stability Fund's allocations to the projects ``ids``: (project, US dollars, disbursed)."""
    a = fund_allocations.c
    return select(a.destination_id, a.usd_amount, a.disbursed).where(
        a.destination_kind == "project", a.destination_id.in_(ids)
    )


def ids_parameters(size: int) -> list[Any]:
    """``size`` bind parameters of project ids, for the statements above; ``ids_values`` gives
    their values."""
    return [bindparam(f"id_{k}", type_=projects.c.id.type) for k in range(size)]


def ids_values(ids: Sequence[Any]) -> tuple[int, dict[str, Any]]:
    """How many parameters ``ids`` take (the next power of two, so that a few statements serve
    every page) and their values, the list padded with its last id."""
    size = 1 << (len(ids) - 1).bit_length()
    return size, {f"id_{k}": ids[min(k, len(ids) - 1)] for k in range(size)}


def page_shape(where: ProjectFilter) -> tuple[int, ...]:
    """What a page's statement depends on: how many values each list of the filter has, and
    whether it names an area."""
    return (*(len(getattr(where, name)) for name, _column in _LISTS), int(where.area is not None))


def page_values(where: ProjectFilter, *, first: int, after: int | None) -> dict[str, Any]:
    """The values of a page statement's bind parameters for this filter and page."""
    values: dict[str, Any] = {"limit": first + 1, "after": after}
    for name, _column in _LISTS:
        values.update((f"{name}_{i}", each) for i, each in enumerate(getattr(where, name)))
    if where.area is not None:
        # As ``within`` matches it: the code and every code under it, wildcards as themselves.
        escaped = where.area.replace("/", "//").replace("%", "/%").replace("_", "/_")
        values["area"] = f"{escaped}%"
    return values


def page_statement(shape: tuple[int, ...], columns: Sequence[Any], *, after: bool, rows: bool) -> Any:
    """``list_projects``' page as one statement with bind parameters (``page_values`` names their
    values), the same for every filter of the ``shape``, newest first: its rows each with the
    project's registered position first, then ``columns`` (of ``projects``), then the filter's
    count; without ``rows``, the count alone."""
    *sizes, area = shape
    p = projects.c
    conditions = _conditions(
        {
            name: [bindparam(f"{name}_{i}", type_=column.type) for i in range(size)]
            for (name, column), size in zip(_LISTS, sizes, strict=True)
        }
    )
    if area:
        conditions.append(p.admin_code.like(bindparam("area", type_=p.admin_code.type), escape="/"))
    counting = select(func.count()).select_from(projects).where(*conditions)
    if not rows:
        return counting
    labelled = [column.label(f"c{i}") for i, column in enumerate(columns)]
    page = select(
        p.registered_position.label("position"), *labelled, counting.scalar_subquery().label("total_count")
    ).where(*conditions)
    if after:
        page = page.where(p.registered_position < bindparam("after", type_=BigInteger))
    return page.order_by(p.registered_position.desc()).limit(bindparam("limit", type_=Integer))


async def project_funding(engine: AsyncEngine, project_id: UUID) -> Funding:
    async with engine.connect() as conn:
        return (await _funding(conn, [project_id])).get(project_id, Funding())
