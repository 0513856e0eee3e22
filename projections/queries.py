"""Async queries on the read models: what the API serves."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Select, Table, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.tables import (
    assistance_requests,
    crises,
    fund_allocations,
    funds,
    matches,
    offers,
    organisations,
    pledges,
    projection_tracking,
    projects,
    request_commitments,
    safe_havens,
)

_r = assistance_requests.c
T = TypeVar("T")
K = TypeVar("K")

#: Ids bound in one ``IN (...)`` list: well under the bind-parameter limits (SQLite 32,766 by default,
#: asyncpg 32,767), since an export looks up the ends of every flow at once.
IDS_PER_QUERY = 5_000


def in_batches(ids: Iterable[K]) -> Iterator[list[K]]:
    """The distinct ids, ``IDS_PER_QUERY`` at a time, in the order first seen."""
    distinct = list(dict.fromkeys(ids))
    for start in range(0, len(distinct), IDS_PER_QUERY):
        yield distinct[start : start + IDS_PER_QUERY]


def within(column: Any, areas: Sequence[str]) -> list[Any]:
    """Rows in any of the areas: a P-code and every code under it. A caller's ``%`` and ``_`` are
    matched as themselves, not as LIKE's wildcards (``_`` would match every code)."""
    return [or_(*(column.startswith(area, autoescape=True) for area in areas))] if areas else []


@dataclass(frozen=True)
class RequestRow:
    id: UUID
    crisis_id: UUID
    member_state: str
    sector: str
    item: str
    title: str
    description: str
    quantity: Decimal
    unit: str
    committed: Decimal
    in_transit: Decimal
    delivered: Decimal
    priority: int
    needed_by: date
    admin_code: str
    transport_needed: bool
    escort_needed: bool
    status: str
    cancellation_reason: str | None
    version: int
    posted_at: datetime
    updated_at: datetime
    posted_position: int
    position: int
    safe_haven_id: UUID | None = None


@dataclass(frozen=True)
class RequestFilter:
    crisis_ids: tuple[UUID, ...] = ()
    member_states: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    priorities: tuple[int, ...] = ()
    min_priority: int | None = None
    items: tuple[str, ...] = ()
    needed_by_from: date | None = None
    needed_by_until: date | None = None
    safe_haven_ids: tuple[UUID, ...] = ()


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


#: How lists of requests can be ordered. "newest" pages by position (stable under inserts);
#: the others by offset.
REQUEST_ORDERS = {
    "newest": (_r.posted_position.desc(),),
    "priority": (_r.priority.desc(), _r.needed_by.asc(), _r.posted_position.desc()),
    "urgency": (_r.needed_by.asc(), _r.priority.desc(), _r.posted_position.desc()),
}


async def list_requests(
    engine: AsyncEngine,
    where: RequestFilter,
    *,
    first: int,
    after: int | None,
    order: str = "newest",
    rows: bool = True,
    count: bool = True,
) -> RequestPage:
    """``after``: for "newest", the posted position of the last row seen; else how many were seen.
    Without ``rows`` the page is empty (and has no next page), without ``count`` its total is 0:
    for a caller that asked only for the other."""
    filtered = _filtered(select(*_COLUMNS), where)
    page = filtered.order_by(*REQUEST_ORDERS[order]).limit(first + 1)
    if after is not None and order == "newest":
        page = page.where(_r.posted_position < after)
    elif after is not None:
        page = page.offset(after)
    counting = _filtered(select(func.count()).select_from(assistance_requests), where)
    found: list[RequestRow] = []
    total = 0
    async with engine.connect() as conn:
        if rows:
            found = [RequestRow(*row) for row in await conn.execute(page)]
        if count:
            total = int(await conn.scalar(counting) or 0)
    return RequestPage(rows=found[:first], has_next_page=len(found) > first, total_count=total)


def _filtered(query: Select, where: RequestFilter) -> Select:  # type: ignore[type-arg]
    if where.crisis_ids:
        query = query.where(_r.crisis_id.in_(where.crisis_ids))
    if where.safe_haven_ids:
        query = query.where(_r.safe_haven_id.in_(where.safe_haven_ids))
    if where.items:
        query = query.where(_r.item.in_(where.items))
    if where.needed_by_from is not None:
        query = query.where(_r.needed_by >= where.needed_by_from)
    if where.needed_by_until is not None:
        query = query.where(_r.needed_by <= where.needed_by_until)
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
    iati_identifier: str | None
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


async def _by_ids(engine: AsyncEngine, table: Table, row_type: type[T], ids: Sequence[UUID]) -> dict[UUID, T]:
    """Rows of ``table`` for ``ids``, one query per batch of ids (the DataLoaders' batch function)."""
    if not ids:
        return {}
    columns = [table.c[name] for name in row_type.__dataclass_fields__]  # type: ignore[attr-defined]
    found: dict[UUID, T] = {}
    async with engine.connect() as conn:
        for batch in in_batches(ids):
            rows = await conn.execute(select(*columns).where(table.c.id.in_(batch)))
            found.update({row.id: row_type(*row) for row in rows})
    return found


async def requests_by_id(engine: AsyncEngine, ids: Sequence[UUID]) -> dict[UUID, RequestRow]:
    return await _by_ids(engine, assistance_requests, RequestRow, ids)


async def organisations_by_id(engine: AsyncEngine, ids: Sequence[UUID]) -> dict[UUID, OrganisationRow]:
    return await _by_ids(engine, organisations, OrganisationRow, ids)


@dataclass(frozen=True)
class CrisisRow:
    id: UUID
    name: str
    affected_states: str
    start_date: date
    phase: str
    opened_at: datetime
    updated_at: datetime
    opened_position: int


async def crises_by_id(engine: AsyncEngine, ids: Sequence[UUID]) -> dict[UUID, CrisisRow]:
    return await _by_ids(engine, crises, CrisisRow, ids)


async def list_crises(engine: AsyncEngine, *, include_closed: bool) -> list[CrisisRow]:
    columns = [crises.c[name] for name in CrisisRow.__dataclass_fields__]
    query = select(*columns).order_by(crises.c.opened_position.desc())
    if not include_closed:
        query = query.where(crises.c.phase != "closed")
    async with engine.connect() as conn:
        return [CrisisRow(*row) for row in await conn.execute(query)]


@dataclass(frozen=True)
class OfferRow:
    id: UUID
    crisis_id: UUID
    organisation_id: UUID | None
    offering_state: str | None
    sector: str
    item: str
    quantity: Decimal
    allocated: Decimal
    unit: str
    available_from: date
    available_until: date
    serves: str
    delivery_mode: str
    standby_capacity: str | None
    description: str
    withdrawn: bool
    posted_at: datetime
    updated_at: datetime
    posted_position: int


@dataclass(frozen=True)
class OfferFilter:
    crisis_ids: tuple[UUID, ...] = ()
    sectors: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    organisation_ids: tuple[UUID, ...] = ()
    serving: str | None = None  # a member state the offer can serve
    available_on: date | None = None  # open for matching on this day: not withdrawn, not expired


async def offers_by_id(engine: AsyncEngine, ids: Sequence[UUID]) -> dict[UUID, OfferRow]:
    return await _by_ids(engine, offers, OfferRow, ids)


async def list_offers(
    engine: AsyncEngine, where: OfferFilter, *, first: int, after: int | None
) -> tuple[list[OfferRow], bool, int]:
    """Newest first; ``after`` is the posted position of the last row seen."""
    o = offers.c
    conditions: list[Any] = []
    if where.crisis_ids:
        conditions.append(o.crisis_id.in_(where.crisis_ids))
    if where.sectors:
        conditions.append(o.sector.in_(where.sectors))
    if where.items:
        conditions.append(o.item.in_(where.items))
    if where.organisation_ids:
        conditions.append(o.organisation_id.in_(where.organisation_ids))
    if where.serving:
        conditions.append(o.serves.contains(where.serving, autoescape=True))
    if where.available_on is not None:
        conditions += [~o.withdrawn, o.available_until >= where.available_on]
    columns = [o[name] for name in OfferRow.__dataclass_fields__]
    query = select(*columns).where(*conditions).order_by(o.posted_position.desc()).limit(first + 1)
    if after is not None:
        query = query.where(o.posted_position < after)
    count = select(func.count()).select_from(offers).where(*conditions)
    async with engine.connect() as conn:
        rows = [OfferRow(*row) for row in await conn.execute(query)]
        total = int(await conn.scalar(count) or 0)
    return rows[:first], len(rows) > first, total


@dataclass(frozen=True)
class MatchRow:
    id: UUID
    crisis_id: UUID
    request_id: UUID
    offer_id: UUID
    quantity: Decimal
    unit: str
    status: str
    over_cover: bool
    dispatched: Decimal | None
    received: Decimal | None
    reason: str | None
    proposed_by: str
    proposed_at: datetime
    updated_at: datetime
    proposed_position: int


@dataclass(frozen=True)
class MatchFilter:
    crisis_ids: tuple[UUID, ...] = ()
    request_ids: tuple[UUID, ...] = ()
    offer_ids: tuple[UUID, ...] = ()
    statuses: tuple[str, ...] = ()
    requesting_states: tuple[str, ...] = ()  # the member states whose requests they serve


async def matches_by_id(engine: AsyncEngine, ids: Sequence[UUID]) -> dict[UUID, MatchRow]:
    return await _by_ids(engine, matches, MatchRow, ids)


async def list_matches(
    engine: AsyncEngine, where: MatchFilter, *, first: int, after: int | None
) -> tuple[list[MatchRow], bool, int]:
    m = matches.c
    conditions: list[Any] = []
    for column, values in (
        (m.crisis_id, where.crisis_ids),
        (m.request_id, where.request_ids),
        (m.offer_id, where.offer_ids),
        (m.status, where.statuses),
    ):
        if values:
            conditions.append(column.in_(values))
    if where.requesting_states:
        of_states = select(_r.id).where(_r.member_state.in_(where.requesting_states))
        conditions.append(m.request_id.in_(of_states))
    columns = [m[name] for name in MatchRow.__dataclass_fields__]
    query = select(*columns).where(*conditions).order_by(m.proposed_position.desc()).limit(first + 1)
    if after is not None:
        query = query.where(m.proposed_position < after)
    count = select(func.count()).select_from(matches).where(*conditions)
    async with engine.connect() as conn:
        rows = [MatchRow(*row) for row in await conn.execute(query)]
        total = int(await conn.scalar(count) or 0)
    return rows[:first], len(rows) > first, total


@dataclass(frozen=True)
class CommitmentRow:
    match_id: UUID
    request_id: UUID
    quantity: Decimal
    organisation_id: UUID | None
    offering_state: str | None
    dispatched: Decimal
    delivered: Decimal
    received: bool
    committed_at: datetime


async def commitments_by_request(
    engine: AsyncEngine, request_ids: Sequence[UUID]
) -> dict[UUID, list[CommitmentRow]]:
    c = request_commitments.c
    columns = [c[name] for name in CommitmentRow.__dataclass_fields__]
    found: dict[UUID, list[CommitmentRow]] = {i: [] for i in request_ids}
    if not request_ids:
        return found
    async with engine.connect() as conn:
        for batch in in_batches(request_ids):
            query = select(*columns).where(c.request_id.in_(batch)).order_by(c.committed_at)
            for row in await conn.execute(query):
                found[row.request_id].append(CommitmentRow(*row))
    return found


@dataclass(frozen=True)
class CoverageRow:
    member_state: str | None
    sector: str | None
    requests: int
    requested: Decimal
    committed: Decimal
    delivered: Decimal

    @property
    def gap(self) -> Decimal:
        return max(self.requested - self.committed, Decimal(0))


async def coverage(
    engine: AsyncEngine, crisis_id: UUID | None, *, by_state: bool, by_sector: bool
) -> list[CoverageRow]:
    """Requested, committed and delivered per group of live requests (cancelled ones left out).

    Quantities are summed per unit-free group, as OCHA's coverage dashboards do per cluster;
    summed in Python with Decimal, since SQLite would add the stored decimals as floats.
    """
    r = assistance_requests.c
    query = select(r.member_state, r.sector, r.quantity, r.committed, r.delivered).where(
        r.status != "cancelled"
    )
    if crisis_id is not None:
        query = query.where(r.crisis_id == crisis_id)
    totals: dict[tuple[str | None, str | None], list[Any]] = {}
    async with engine.connect() as conn:
        for row in await conn.execute(query):
            key = (row.member_state if by_state else None, row.sector if by_sector else None)
            entry = totals.setdefault(key, [0, Decimal(0), Decimal(0), Decimal(0)])
            entry[0] += 1
            entry[1] += row.quantity
            entry[2] += min(row.committed, row.quantity)
            entry[3] += min(row.delivered, row.quantity)
    return [
        CoverageRow(state, sector, *values)
        for (state, sector), values in sorted(totals.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or ""))
    ]


async def possible_duplicates(
    engine: AsyncEngine,
    *,
    crisis_id: UUID,
    member_state: str,
    admin_code: str,
    item: str,
    excluding: UUID | None = None,
) -> list[RequestRow]:
    """Live requests of the same state, crisis, admin area and item: maybe the same need twice."""
    query = select(*_COLUMNS).where(
        _r.member_state == member_state,
        _r.admin_code == admin_code,
        _r.item == item,
        _r.crisis_id == crisis_id,
        _r.status.in_(("open", "partially-covered")),
    )
    if excluding is not None:
        query = query.where(_r.id != excluding)
    async with engine.connect() as conn:
        return [RequestRow(*row) for row in await conn.execute(query.limit(10))]


@dataclass(frozen=True)
class PledgeRow:
    id: UUID
    organisation_id: UUID
    destination_kind: str
    destination_id: UUID
    amount: Decimal
    currency: str
    usd_rate: Decimal
    rate_date: date
    usd_amount: Decimal
    earmarking: str
    in_kind: bool
    status: str
    paid: Decimal
    usd_paid: Decimal
    due_date: date | None
    pledged_at: datetime
    committed_at: datetime | None
    last_paid_on: date | None
    made_position: int

    def overdue(self, today: date) -> bool:
        """A commitment unpaid past its due date."""
        return (
            self.due_date is not None
            and self.due_date < today
            and self.status in ("committed", "partially-paid")
        )


@dataclass(frozen=True)
class PledgeFilter:
    organisation_ids: tuple[UUID, ...] = ()
    destination_ids: tuple[UUID, ...] = ()
    statuses: tuple[str, ...] = ()
    overdue_on: date | None = None  # only commitments unpaid past their due date on this day


async def list_pledges(
    engine: AsyncEngine, where: PledgeFilter, *, first: int, after: int | None
) -> tuple[list[PledgeRow], bool, int]:
    p = pledges.c
    conditions: list[Any] = []
    for column, values in (
        (p.organisation_id, where.organisation_ids),
        (p.destination_id, where.destination_ids),
        (p.status, where.statuses),
    ):
        if values:
            conditions.append(column.in_(values))
    if where.overdue_on is not None:
        conditions += [p.due_date < where.overdue_on, p.status.in_(("committed", "partially-paid"))]
    columns = [p[name] for name in PledgeRow.__dataclass_fields__]
    query = select(*columns).where(*conditions).order_by(p.made_position.desc()).limit(first + 1)
    if after is not None:
        query = query.where(p.made_position < after)
    count = select(func.count()).select_from(pledges).where(*conditions)
    async with engine.connect() as conn:
        rows = [PledgeRow(*row) for row in await conn.execute(query)]
        total = int(await conn.scalar(count) or 0)
    return rows[:first], len(rows) > first, total


@dataclass(frozen=True)
class FundRow:
    id: UUID
    name: str
    member_state: str | None
    received: Decimal
    refunded: Decimal
    allocated: Decimal
    disbursed: Decimal
    opened_at: datetime

    @property
    def balance(self) -> Decimal:
        return self.received - self.refunded - self.allocated


async def list_funds(engine: AsyncEngine) -> list[FundRow]:
    columns = [funds.c[name] for name in FundRow.__dataclass_fields__]
    async with engine.connect() as conn:
        return [
            FundRow(*row) for row in await conn.execute(select(*columns).order_by(funds.c.opened_position))
        ]


@dataclass(frozen=True)
class FlowRow:
    """One flow in the OCHA FTS shape: from a source to a destination, with its status."""

    id: UUID
    source_kind: str  # organisation | fund
    source_id: UUID
    destination_kind: str  # fund | request | project | crisis
    destination_id: UUID
    status: str  # FTS: pledge | commitment | paid
    amount: Decimal
    currency: str
    usd_amount: Decimal
    usd_paid: Decimal
    earmarking: str | None
    in_kind: bool
    decided_on: date
    member_state: str | None  # of the receiving request, where there is one
    sector: str | None
    crisis_id: UUID | None  # the crisis given to, or of the receiving request


_FTS_STATUS = {
    "pledged": "pledge",
    "committed": "commitment",
    "partially-paid": "commitment",
    "paid": "paid",
}


async def flows(engine: AsyncEngine, *, year: int | None = None) -> list[FlowRow]:
    """Incoming flows (pledges, not cancelled) and outgoing ones (fund allocations); the receiving
    state, sector and crisis are those of the request or project given to."""
    p, a, r, j = pledges.c, fund_allocations.c, assistance_requests.c, projects.c
    state, sector, crisis = (
        func.coalesce(r.member_state, j.member_state).label("member_state"),
        func.coalesce(r.sector, j.sector).label("sector"),
        func.coalesce(r.crisis_id, j.crisis_id).label("crisis_id"),
    )
    pledge_query = (
        select(
            p.id, p.organisation_id, p.destination_kind, p.destination_id, p.status, p.amount, p.currency,
            p.usd_amount, p.usd_paid, p.earmarking, p.in_kind, p.pledged_at, state, sector, crisis,
        )
        .outerjoin(assistance_requests, r.id == p.destination_id)
        .outerjoin(projects, j.id == p.destination_id)
        .where(p.status != "cancelled")
        .order_by(p.made_position)
    )  # fmt: skip
    allocation_query = (
        select(
            a.allocation_id, a.fund_id, a.destination_kind, a.destination_id, a.usd_amount, a.disbursed,
            a.decided_at, state, sector, crisis,
        )
        .outerjoin(assistance_requests, r.id == a.destination_id)
        .outerjoin(projects, j.id == a.destination_id)
        .order_by(a.decided_at)
    )  # fmt: skip
    async with engine.connect() as conn:
        incoming = [
            FlowRow(
                row.id, "organisation", row.organisation_id, row.destination_kind, row.destination_id,
                _FTS_STATUS[row.status], row.amount, row.currency, row.usd_amount, row.usd_paid,
                row.earmarking, row.in_kind, row.pledged_at.date(), row.member_state, row.sector,
                row.destination_id if row.destination_kind == "crisis" else row.crisis_id,
            )
            for row in await conn.execute(pledge_query)
        ]  # fmt: skip
        outgoing = [
            FlowRow(
                row.allocation_id, "fund", row.fund_id, row.destination_kind, row.destination_id,
                "paid" if row.disbursed >= row.usd_amount else "commitment", row.usd_amount, "USD",
                row.usd_amount, row.disbursed, None, False, row.decided_at.date(),
                row.member_state, row.sector, row.crisis_id,
            )
            for row in await conn.execute(allocation_query)
        ]  # fmt: skip
    return [f for f in incoming + outgoing if year is None or f.decided_on.year == year]


@dataclass(frozen=True)
class SafeHavenRow:
    id: UUID
    crisis_id: UUID
    member_state: str
    name: str
    admin1: str
    admin_code: str
    latitude: Decimal
    longitude: Decimal
    capacity_day: int
    capacity_night: int
    occupancy: int
    reserved: int
    services: str
    status: str
    designated_position: int


async def safe_havens_by_id(engine: AsyncEngine, ids: Sequence[UUID]) -> dict[UUID, SafeHavenRow]:
    return await _by_ids(engine, safe_havens, SafeHavenRow, ids)


async def list_safe_havens(
    engine: AsyncEngine,
    *,
    crisis_ids: Sequence[UUID] = (),
    member_states: Sequence[str] = (),
    statuses: Sequence[str] = (),
) -> list[SafeHavenRow]:
    h = safe_havens.c
    conditions: list[Any] = []
    for column, values in ((h.crisis_id, crisis_ids), (h.member_state, member_states), (h.status, statuses)):
        if values:
            conditions.append(column.in_(list(values)))
    columns = [h[name] for name in SafeHavenRow.__dataclass_fields__]
    async with engine.connect() as conn:
        query = select(*columns).where(*conditions).order_by(h.designated_position)
        return [SafeHavenRow(*row) for row in await conn.execute(query)]
