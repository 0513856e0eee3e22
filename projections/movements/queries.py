"""Reading the ``movements`` read model: movements, and displacement over time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.movements.tables import displacement_changes, movements
from projections.querying import among, within


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
        *among(m.id, ids),
        *among(m.crisis_id, crisis_ids),
        *among(m.status, statuses),
        *among(m.kind, kinds),
        *within(m.destination_admin_code, areas),
    ]
    if member_states:
        conditions.append(or_(m.destination_state.in_(member_states), m.origin_country.in_(member_states)))
    columns = [m[name] for name in MovementRow.__dataclass_fields__]
    async with engine.connect() as conn:
        query = select(*columns).where(*conditions).order_by(m.planned_position)
        return [MovementRow(*row) for row in await conn.execute(query)]


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
    conditions = [*among(d.crisis_id, crisis_ids), *among(d.country, countries), *within(d.admin_code, areas)]
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
