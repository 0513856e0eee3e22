"""Async queries on the projects read model, with each project's funding from the money read models.

A page of projects costs a fixed four statements: the projects, their milestones, their results,
and the pledges and fund allocations to them (four more for each further batch of ids).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
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


async def list_projects(
    engine: AsyncEngine, where: ProjectFilter, *, first: int, after: int | None
) -> tuple[list[ProjectRow], bool, int]:
    """Newest first; ``after`` is the registered position of the last project of the previous page."""
    p = projects.c
    conditions: list[Any] = []
    for column, values in (
        (p.crisis_id, where.crisis_ids),
        (p.member_state, where.member_states),
        (p.status, where.statuses),
        (p.sector, where.sectors),
    ):
        if values:
            conditions.append(column.in_(values))
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
    m, r = project_milestones.c, project_results.c
    milestones: dict[UUID, list[MilestoneRow]] = defaultdict(list)
    results: dict[UUID, list[ResultRow]] = defaultdict(list)
    funding: dict[UUID, Funding] = {}
    for ids in in_batches(row["id"] for row in rows):
        query = select(*(m[n] for n in MilestoneRow.__dataclass_fields__)).where(m.project_id.in_(ids))
        for row in await conn.execute(query.order_by(m.due_date, m.planned_position)):
            milestones[row.project_id].append(MilestoneRow(*row))
        query = select(*(r[n] for n in ResultRow.__dataclass_fields__)).where(r.project_id.in_(ids))
        for row in await conn.execute(query.order_by(r.defined_position)):
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
    """Summed in Python: SQLite would add the stored decimals as binary floats."""
    p, a = pledges.c, fund_allocations.c
    totals: dict[UUID, dict[str, Any]] = defaultdict(
        lambda: dict.fromkeys(Funding.__dataclass_fields__, ZERO)
    )
    pledged = select(p.destination_id, p.status, p.usd_amount, p.usd_paid).where(
        p.destination_kind == "project", p.destination_id.in_(ids), p.status != "cancelled"
    )
    for row in await conn.execute(pledged):
        total = totals[row.destination_id]
        total["pledged"] += row.usd_amount
        total["committed"] += row.usd_amount if row.status in _COMMITTED else ZERO
        total["paid"] += row.usd_paid
        total["pledges"] += 1
    allocated = select(a.destination_id, a.usd_amount, a.disbursed).where(
        a.destination_kind == "project", a.destination_id.in_(ids)
    )
    for row in await conn.execute(allocated):
        total = totals[row.destination_id]
        total["allocated"] += row.usd_amount
        total["disbursed"] += row.disbursed
    return {
        project_id: Funding(**{**values, "pledges": int(values["pledges"])})
        for project_id, values in totals.items()
    }


async def project_funding(engine: AsyncEngine, project_id: UUID) -> Funding:
    async with engine.connect() as conn:
        return (await _funding(conn, [project_id])).get(project_id, Funding())
