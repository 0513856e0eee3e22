"""Queries on movements, displacement, security incidents and the 3W view (who does what, where)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from projections.queries import in_batches, within
from projections.tables import (
    assistance_requests,
    displacement_changes,
    matches,
    movements,
    offers,
    organisations,
    projects,
    security_incidents,
)


@dataclass(frozen=True)
class MovementRow:
    id: UUID
    crisis_id: UUID
    kind: str
    status: str
    origin_country: str
    origin_admin_code: str | None
    origin_haven_id: UUID | None
    destination_state: str
    destination_admin_code: str
    destination_admin1: str
    destination_haven_id: UUID | None
    people: int
    people_arrived: int | None
    group_counts: dict[str, int]
    vulnerable: dict[str, int]
    planned_departure: date
    planned_arrival: date
    departed_on: date | None
    arrived_on: date | None
    voluntariness_confirmed_by: str | None
    voluntariness_method: str | None
    voluntariness_confirmed_on: date | None
    cleared_risk: str | None


def _in(column: Any, values: Sequence[Any]) -> list[Any]:
    return [column.in_(list(values))] if values else []


async def list_movements(
    engine: AsyncEngine,
    *,
    ids: Sequence[UUID] = (),
    crisis_ids: Sequence[UUID] = (),
    member_states: Sequence[str] = (),
    statuses: Sequence[str] = (),
    kinds: Sequence[str] = (),
    areas: Sequence[str] = (),
) -> list[MovementRow]:
    m = movements.c
    conditions = [
        *_in(m.id, ids),
        *_in(m.crisis_id, crisis_ids),
        *_in(m.status, statuses),
        *_in(m.kind, kinds),
        *within(m.destination_admin_code, areas),
    ]
    if member_states:
        conditions.append(or_(m.destination_state.in_(member_states), m.origin_country.in_(member_states)))
    columns = [m[name] for name in MovementRow.__dataclass_fields__]
    async with engine.connect() as conn:
        query = select(*columns).where(*conditions).order_by(m.planned_position)
        return [MovementRow(*row) for row in await conn.execute(query)]


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


async def list_incidents(
    engine: AsyncEngine,
    *,
    crisis_ids: Sequence[UUID] = (),
    member_states: Sequence[str] = (),
    statuses: Sequence[str] = (),
    areas: Sequence[str] = (),
) -> list[IncidentRow]:
    i = security_incidents.c
    conditions = [
        *_in(i.crisis_id, crisis_ids),
        *_in(i.member_state, member_states),
        *_in(i.status, statuses),
        *within(i.admin_code, areas),
    ]
    columns = [i[name] for name in IncidentRow.__dataclass_fields__]
    async with engine.connect() as conn:
        query = select(*columns).where(*conditions).order_by(i.reported_position.desc())
        return [IncidentRow(*row) for row in await conn.execute(query)]


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


@dataclass(frozen=True)
class DisplacementPoint:
    """An area's stocks after every change up to ``as_of``."""

    country: str
    admin_code: str
    as_of: date
    displaced: int
    returned: int
    resettled: int


async def displacement_series(
    engine: AsyncEngine,
    *,
    crisis_ids: Sequence[UUID] = (),
    countries: Sequence[str] = (),
    areas: Sequence[str] = (),
    since: date | None = None,
    until: date | None = None,
    roll_up: Any = None,
) -> list[DisplacementPoint]:
    """Stocks by area over time. ``roll_up(country, code)`` may coarsen each area (e.g. to admin-1)."""
    d = displacement_changes.c
    conditions = [*_in(d.crisis_id, crisis_ids), *_in(d.country, countries), *within(d.admin_code, areas)]
    if until is not None:
        conditions.append(d.as_of <= until)
    query = (
        select(d.country, d.admin_code, d.as_of, d.displaced, d.returned, d.resettled)
        .where(*conditions)
        .order_by(d.as_of, d.position, d.area)
    )
    stocks: dict[tuple[str, str], list[int]] = {}
    points: dict[tuple[str, str, date], DisplacementPoint] = {}
    async with engine.connect() as conn:
        for country, code, as_of, displaced, returned, resettled in await conn.execute(query):
            area = roll_up(country, code) if roll_up else code
            stock = stocks.setdefault((country, area), [0, 0, 0])
            stock[0] += displaced
            stock[1] += returned
            stock[2] += resettled
            points[(country, area, as_of)] = DisplacementPoint(country, area, as_of, *stock)
    series = sorted(points.values(), key=lambda p: (p.country, p.admin_code, p.as_of))
    return [p for p in series if since is None or p.as_of >= since]


@dataclass(frozen=True)
class ActivityRow:
    """One line of the 3W/4W: who does what, where, when, and how far it got."""

    activity: str  # request | delivery | project
    id: UUID
    crisis_id: UUID
    organisation_id: UUID | None
    organisation_name: str | None
    acting_state: str | None
    member_state: str
    admin_code: str
    sector: str
    item: str | None
    title: str
    status: str
    quantity: Any
    unit: str | None
    start: date | None
    end: date | None


async def who_what_where(
    engine: AsyncEngine,
    *,
    crisis_ids: Sequence[UUID] = (),
    member_states: Sequence[str] = (),
    sectors: Sequence[str] = (),
    areas: Sequence[str] = (),
    activities: Sequence[str] = (),
    limit: int = 1000,
) -> list[ActivityRow]:
    r, m, o, org = assistance_requests.c, matches.c, offers.c, organisations.c
    requests = select(
        literal("request").label("activity"),
        r.id,
        r.crisis_id,
        literal(None, type_=r.id.type).label("organisation_id"),
        literal(None, type_=org.name.type).label("organisation_name"),
        r.member_state.label("acting_state"),
        r.member_state,
        r.admin_code,
        r.sector,
        r.item,
        r.title,
        r.status,
        r.quantity,
        r.unit,
        r.posted_at.label("start"),
        r.needed_by.label("end"),
    ).where(
        *_in(r.crisis_id, crisis_ids),
        *_in(r.member_state, member_states),
        *_in(r.sector, sectors),
        *within(r.admin_code, areas),
    )
    deliveries = (
        select(
            literal("delivery").label("activity"),
            m.id,
            m.crisis_id,
            o.organisation_id,
            org.name.label("organisation_name"),
            o.offering_state.label("acting_state"),
            r.member_state,
            r.admin_code,
            r.sector,
            r.item,
            r.title,
            m.status,
            m.quantity,
            m.unit,
            m.proposed_at.label("start"),
            m.updated_at.label("end"),
        )
        .select_from(
            matches.join(assistance_requests, r.id == m.request_id)
            .join(offers, o.id == m.offer_id)
            .outerjoin(organisations, org.id == o.organisation_id)
        )
        .where(
            and_(m.status.notin_(["declined", "cancelled"])),
            *_in(m.crisis_id, crisis_ids),
            *_in(r.member_state, member_states),
            *_in(r.sector, sectors),
            *within(r.admin_code, areas),
        )
    )
    parts = {"request": requests, "delivery": deliveries}
    rows: list[ActivityRow] = []
    async with engine.connect() as conn:
        for name, query in parts.items():
            if activities and name not in activities:
                continue
            for row in await conn.execute(query.limit(limit)):
                values = list(row)
                values[-2:] = [_day(values[-2]), _day(values[-1])]
                rows.append(ActivityRow(*values))
        if not activities or "project" in activities:
            rows.extend(await _project_activities(conn, crisis_ids, member_states, sectors, areas, limit))
    rows.sort(key=lambda a: (a.member_state, a.admin_code, a.sector, a.activity, str(a.id)))
    return rows[:limit]


async def _project_activities(
    conn: AsyncConnection,
    crisis_ids: Sequence[UUID],
    member_states: Sequence[str],
    sectors: Sequence[str],
    areas: Sequence[str],
    limit: int,
) -> list[ActivityRow]:
    """A project is done by each of its implementing organisations: one 3W line for each."""
    p, org = projects.c, organisations.c
    query = (
        select(
            p.id,
            p.crisis_id,
            p.implementers,
            p.member_state,
            p.admin_code,
            p.sector,
            p.title,
            p.status,
            p.usd_budget,
            p.planned_start,
            p.planned_end,
        )
        .where(
            *_in(p.crisis_id, crisis_ids),
            *_in(p.member_state, member_states),
            *_in(p.sector, sectors),
            *within(p.admin_code, areas),
        )
        .limit(limit)
    )
    found = list(await conn.execute(query))
    ids = {UUID(i) for row in found for i in row.implementers.split(",") if i}
    names: dict[UUID, str] = {}
    for batch in in_batches(ids):
        result = await conn.execute(select(org.id, org.name).where(org.id.in_(batch)))
        names.update({row.id: row.name for row in result})

    def implementers(text: str) -> list[UUID | None]:
        return [UUID(i) for i in text.split(",") if i] or [None]

    return [
        ActivityRow(
            "project",
            row.id,
            row.crisis_id,
            implementer,
            names.get(implementer) if implementer else None,
            None,
            row.member_state,
            row.admin_code,
            row.sector,
            None,
            row.title,
            row.status,
            row.usd_budget,
            "USD",
            row.planned_start,
            row.planned_end,
        )
        for row in found
        for implementer in implementers(row.implementers)
    ]


def _day(value: Any) -> date | None:
    """Dates of the 3W: a timestamp counts by its (UTC) day."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None
