"""Reading the ``assistance_requests`` read model: requests by filter, order and page, by id, their
commitments, and possible duplicates of a new one."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Integer, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.assistance_requests.tables import assistance_requests, request_commitments
from projections.prepared import Statements
from projections.querying import by_ids, in_batches

_r = assistance_requests.c


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
    filtered = requests_matching(where)
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


#: The column each of the filter's fields narrows (``_filtered``): its bind parameters' type.
_FILTERED_COLUMN = {
    "crisis_ids": _r.crisis_id,
    "member_states": _r.member_state,
    "sectors": _r.sector,
    "statuses": _r.status,
    "priorities": _r.priority,
    "min_priority": _r.priority,
    "items": _r.item,
    "needed_by_from": _r.needed_by,
    "needed_by_until": _r.needed_by,
    "safe_haven_ids": _r.safe_haven_id,
}


def page_shape(where: RequestFilter) -> Hashable:
    """What the page statement of ``where`` depends on: which fields it sets, and how many values."""
    return tuple(
        len(value) if isinstance(value, tuple) else value is not None
        for value in (getattr(where, f.name) for f in fields(where))
    )


def page_statement(
    where: RequestFilter, columns: Sequence[str], *, order: str, after: bool, rows: bool, count: bool
) -> Select:  # type: ignore[type-arg]
    """``list_requests``'s page as one statement with bind parameters (``page_values`` names their
    values), the same for every filter of ``where``'s shape: prepared once. Its rows are the page's
    (``first`` + 1 of them) with the filter's count beside each; without ``rows``, the count alone
    (and with rows but no ``count``, no count)."""
    shaped = _bound(where)
    counting = _filtered(select(func.count()).select_from(assistance_requests), shaped)
    if not rows:
        return counting
    page = _filtered(select(*(assistance_requests.c[name] for name in columns)), shaped)
    if count:
        page = page.add_columns(counting.scalar_subquery().label("total_count"))
    page = page.order_by(*REQUEST_ORDERS[order]).limit(bindparam("limit", type_=Integer))
    if after and order == "newest":
        page = page.where(_r.posted_position < bindparam("after", type_=BigInteger))
    elif after:
        page = page.offset(bindparam("after", type_=Integer))
    return page


def page_values(where: RequestFilter, *, first: int, after: int | None) -> dict[str, Any]:
    """The values of ``page_statement``'s bind parameters for this filter and page."""
    return {"limit": first + 1, "after": after, **dict(_placed(where))}


def _placed(where: RequestFilter) -> list[tuple[str, Any]]:
    """Each value of the filter, named for its place: ``crisis_ids_0``, ``min_priority``."""
    placed: list[tuple[str, Any]] = []
    for field in fields(where):
        value = getattr(where, field.name)
        if isinstance(value, tuple):
            placed += [(f"{field.name}_{i}", each) for i, each in enumerate(value)]
        elif value is not None:
            placed.append((field.name, value))
    return placed


def _bound(where: RequestFilter) -> RequestFilter:
    """The filter with each of its values a bind parameter of its column's type, named as ``_placed``."""
    bound: dict[str, Any] = {}
    for field in fields(where):
        value = getattr(where, field.name)
        column_type = _FILTERED_COLUMN[field.name].type
        if isinstance(value, tuple):
            bound[field.name] = tuple(
                bindparam(f"{field.name}_{i}", type_=column_type) for i in range(len(value))
            )
        elif value is not None:
            bound[field.name] = bindparam(field.name, type_=column_type)
    return replace(where, **bound)


def requests_matching(where: RequestFilter) -> Select:  # type: ignore[type-arg]
    """The query for the rows of the requests the filter keeps, unordered: for a caller that reads
    them its own way (an export streams them)."""
    return _filtered(select(*_COLUMNS), where)


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


async def requests_by_id(engine: AsyncEngine, ids: Sequence[UUID]) -> dict[UUID, RequestRow]:
    return await by_ids(engine, assistance_requests, RequestRow, ids)


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


#: The live statuses a possible duplicate has.
_LIVE = ("open", "partially-covered")


def duplicates_statement(*, excluding: bool) -> Select:  # type: ignore[type-arg]
    """``possible_duplicates``' query with bind parameters (``crisis_id``, ``member_state``,
    ``admin_code``, ``item``, and with ``excluding`` its ``excluding``): built once, prepared once."""
    query = select(*_COLUMNS).where(
        _r.member_state == bindparam("member_state", type_=_r.member_state.type),
        _r.admin_code == bindparam("admin_code", type_=_r.admin_code.type),
        _r.item == bindparam("item", type_=_r.item.type),
        _r.crisis_id == bindparam("crisis_id", type_=_r.crisis_id.type),
        _r.status.in_(
            [bindparam(f"live_{i}", status, type_=_r.status.type) for i, status in enumerate(_LIVE)]
        ),
    )
    if excluding:
        query = query.where(_r.id != bindparam("excluding", type_=_r.id.type))
    return query.limit(10)


#: ``duplicates_statement`` (with or without a request left out) prepared per dialect
#: (``projections.prepared``), each row made as SQLAlchemy would make it: asked for after every
#: posted request, the statement built, cache-keyed and compiled each time cost more than the read.
DUPLICATES: Statements[bool, RequestRow] = Statements(
    lambda excluding: duplicates_statement(excluding=excluding), RequestRow
)


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
    values: dict[str, Any] = {
        "crisis_id": crisis_id,
        "member_state": member_state,
        "admin_code": admin_code,
        "item": item,
    }
    if excluding is not None:
        values["excluding"] = excluding
    return await DUPLICATES.objects(engine, excluding is not None, values)
