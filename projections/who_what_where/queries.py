"""Who does what, where (the 3W view): requests' matches, offers and projects, by organisation,
sector and place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from projections.assistance_requests.tables import assistance_requests
from projections.matches.tables import matches
from projections.offers.tables import offers
from projections.organisations.tables import organisations
from projections.projects.tables import projects
from projections.querying import among, in_batches, within


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
    parts = {
        "request": _requests(crisis_ids, member_states, sectors, areas),
        "delivery": _deliveries(crisis_ids, member_states, sectors, areas),
    }
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


def _requests(
    crisis_ids: Sequence[UUID], member_states: Sequence[str], sectors: Sequence[str], areas: Sequence[str]
) -> Select[Any]:
    """A request is its requesting state's own line, before anyone acts on it."""
    r, org = assistance_requests.c, organisations.c
    return select(
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
        *among(r.crisis_id, crisis_ids),
        *among(r.member_state, member_states),
        *among(r.sector, sectors),
        *within(r.admin_code, areas),
    )


def _deliveries(
    crisis_ids: Sequence[UUID], member_states: Sequence[str], sectors: Sequence[str], areas: Sequence[str]
) -> Select[Any]:
    """A match still alive is a delivery by the offering organisation, at the request's place."""
    r, m, o, org = assistance_requests.c, matches.c, offers.c, organisations.c
    return (
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
            *among(m.crisis_id, crisis_ids),
            *among(r.member_state, member_states),
            *among(r.sector, sectors),
            *within(r.admin_code, areas),
        )
    )


async def _project_activities(
    conn: AsyncConnection,
    crisis_ids: Sequence[UUID],
    member_states: Sequence[str],
    sectors: Sequence[str],
    areas: Sequence[str],
    limit: int,
) -> list[ActivityRow]:
    """A project is done by each of its implementing organisations: one 3W line for each."""
    p = projects.c
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
            *among(p.crisis_id, crisis_ids),
            *among(p.member_state, member_states),
            *among(p.sector, sectors),
            *within(p.admin_code, areas),
        )
        .limit(limit)
    )
    found = list(await conn.execute(query))
    names = await _organisation_names(
        conn, {UUID(i) for row in found for i in row.implementers.split(",") if i}
    )

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
        for implementer in _implementers(row.implementers)
    ]


def _implementers(text: str) -> list[UUID | None]:
    """A project's implementing organisations; one line without an organisation if none is named."""
    return [UUID(i) for i in text.split(",") if i] or [None]


async def _organisation_names(conn: AsyncConnection, ids: set[UUID]) -> dict[UUID, str]:
    org = organisations.c
    names: dict[UUID, str] = {}
    for batch in in_batches(ids):
        result = await conn.execute(select(org.id, org.name).where(org.id.in_(batch)))
        names.update({row.id: row.name for row in result})
    return names


def _day(value: Any) -> date | None:
    """Dates of the 3W: a timestamp counts by its (UTC) day."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None
