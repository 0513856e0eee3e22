"""Async queries on the read models: what the API serves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.tables import assistance_requests, organisations, projection_tracking

_r = assistance_requests.c


@dataclass(frozen=True)
class RequestRow:
    id: UUID
    member_state: str
    sector: str
    title: str
    description: str
    quantity: Decimal
    unit: str
    priority: int
    needed_by: date
    admin_code: str
    status: str
    cancellation_reason: str | None
    version: int
    posted_at: datetime
    updated_at: datetime
    posted_position: int
    position: int


@dataclass(frozen=True)
class RequestFilter:
    member_states: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    priorities: tuple[int, ...] = ()
    min_priority: int | None = None


@dataclass(frozen=True)
class RequestPage:
    rows: list[RequestRow]
    has_next_page: bool
    total_count: int


_COLUMNS = [getattr(_r, name) for name in RequestRow.__dataclass_fields__]


async def get_request(engine: AsyncEngine, request_id: UUID) -> RequestRow | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(*_COLUMNS).where(_r.id == request_id))).first()
    return None if row is None else RequestRow(*row)


async def list_requests(
    engine: AsyncEngine, where: RequestFilter, *, first: int, after: int | None
) -> RequestPage:
    """Newest first, by the position the request was posted at; ``after`` is such a position."""
    filtered = _filtered(select(*_COLUMNS), where)
    page = filtered.order_by(_r.posted_position.desc()).limit(first + 1)
    if after is not None:
        page = page.where(_r.posted_position < after)
    count = _filtered(select(func.count()).select_from(assistance_requests), where)
    async with engine.connect() as conn:
        rows = [RequestRow(*row) for row in await conn.execute(page)]
        total = int(await conn.scalar(count) or 0)
    return RequestPage(rows=rows[:first], has_next_page=len(rows) > first, total_count=total)


def _filtered(query: Select, where: RequestFilter) -> Select:  # type: ignore[type-arg]
    if where.member_states:
        query = query.where(_r.member_state.in_(where.member_states))
    if where.sectors:
        query = query.where(_r.sector.in_(where.sectors))
    if where.statuses:
        query = query.where(_r.status.in_(where.statuses))
    if where.priorities:
        query = query.where(_r.priority.in_(where.priorities))
    if where.min_priority is not None:
        query = query.where(_r.priority >= where.min_priority)
    return query


async def tracking_positions(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(projection_tracking.c.projection, projection_tracking.c.position))
        return {name: int(position) for name, position in rows}


@dataclass(frozen=True)
class OrganisationRow:
    id: UUID
    name: str
    organisation_type: str
    hxl_name: str
    member_state: str | None
    suspended: bool
    registered_at: datetime
    updated_at: datetime
    registered_position: int


_o = organisations.c
_ORGANISATION_COLUMNS = [getattr(_o, name) for name in OrganisationRow.__dataclass_fields__]


async def get_organisation(engine: AsyncEngine, organisation_id: UUID) -> OrganisationRow | None:
    async with engine.connect() as conn:
        query = select(*_ORGANISATION_COLUMNS).where(_o.id == organisation_id)
        row = (await conn.execute(query)).first()
    return None if row is None else OrganisationRow(*row)


async def list_organisations(
    engine: AsyncEngine, *, first: int, after: int | None
) -> tuple[list[OrganisationRow], bool, int]:
    """By registration order; ``after`` is a registration position. Rows, has-next, total."""
    query = select(*_ORGANISATION_COLUMNS).order_by(_o.registered_position).limit(first + 1)
    if after is not None:
        query = query.where(_o.registered_position > after)
    async with engine.connect() as conn:
        rows = [OrganisationRow(*row) for row in await conn.execute(query)]
        total = int(await conn.scalar(select(func.count()).select_from(organisations)) or 0)
    return rows[:first], len(rows) > first, total
