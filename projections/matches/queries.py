"""Reading the ``matches`` read model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Integer, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.assistance_requests.tables import assistance_requests
from projections.match_counts.tables import match_counts
from projections.matches.tables import matches
from projections.offers.tables import offers
from projections.organisations.tables import organisations
from projections.prepared import Statements
from projections.querying import by_ids

_r = assistance_requests.c


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
    return await by_ids(engine, matches, MatchRow, ids)


#: Each list of the filter and the column it is matched against.
_LISTS = (
    ("crisis_ids", matches.c.crisis_id),
    ("request_ids", matches.c.request_id),
    ("offer_ids", matches.c.offer_id),
    ("statuses", matches.c.status),
    ("requesting_states", _r.member_state),
)
_COLUMNS = tuple(matches.c[name] for name in MatchRow.__dataclass_fields__)


def _filtered(lists: Mapping[str, Sequence[Any]]) -> tuple[Any, list[Any]]:
    """What the matches of a filter's ``lists`` (values or bind parameters) are read from, and the
    conditions they meet."""
    m = matches.c
    conditions: list[Any] = [
        column.in_(lists[name]) for name, column in _LISTS if name != "requesting_states" and lists[name]
    ]
    source: Any = matches
    if lists["requesting_states"]:
        # A join on the request's key, not ``request_id IN (the state's requests)``: that list is
        # built whole (12,000 ids for one state at demo scale 10) before a match is read, where
        # the join reads the matches of the status newest first (ix_matches_status_position) and
        # looks each one's request up. A request's id is its key: the rows are the same.
        source = matches.join(assistance_requests, _r.id == m.request_id)
        conditions.append(_r.member_state.in_(lists["requesting_states"]))
    return source, conditions


def _counting(lists: Mapping[str, Sequence[Any]]) -> Any:
    """How many matches a filter's ``lists`` (values or bind parameters) has in all. Filtered by
    requesting state and status alone (a coordinator's waiting matches), the ``match_counts`` cells
    are added up: a cell a state and status, however many matches the state has. Any other filter
    counts the matches themselves."""
    if any(lists[name] for name in ("crisis_ids", "request_ids", "offer_ids")):
        source, conditions = _filtered(lists)
        return select(func.count()).select_from(source).where(*conditions)
    c = match_counts.c
    conditions = [
        column.in_(lists[name])
        for name, column in (("statuses", c.status), ("requesting_states", c.member_state))
        if lists[name]
    ]
    return select(func.coalesce(func.sum(c.matches), 0)).where(*conditions)


async def list_matches(
    engine: AsyncEngine, where: MatchFilter, *, first: int, after: int | None
) -> tuple[list[MatchRow], bool, int]:
    """Up to ``first`` matches proposed before position ``after``, newest first, whether more
    follow, and how many match in all.

    One statement per shape of filter (how many values each list has), prepared on first use
    (projections.prepared): the page's rows with the count beside each, in one round trip, and each
    value converted once per distinct value. A driver without a raw path, or an engine that
    translates schemas, runs the statements SQLAlchemy builds (``list_matches_built``)."""
    shape = page_shape(where)
    page = _PAGES.prepared(engine, (shape, after is not None, True))
    if page is None:
        return await list_matches_built(engine, where, first=first, after=after)
    values = page_values(where, first=first, after=after)
    found = await page.rows(engine, values)
    if found:
        total = found[0][-1]
    else:
        counting = _PAGES.prepared(engine, (shape, after is not None, False))
        assert counting is not None  # prepared as the page was
        total = (await counting.rows(engine, values))[0][0]
    make = _PAGES.maker(page)
    rows = [make(row) for row in found[:first]]
    return rows, len(found) > first, int(total)


def page_shape(where: MatchFilter) -> tuple[int, ...]:
    """What a page's statement depends on: how many values each list of the filter has."""
    return tuple(len(getattr(where, name)) for name, _column in _LISTS)


def page_values(where: MatchFilter, *, first: int, after: int | None) -> dict[str, Any]:
    """The values of a page statement's bind parameters for this filter and page."""
    values: dict[str, Any] = {"limit": first + 1, "after": after}
    for name, _column in _LISTS:
        values.update((f"{name}_{i}", each) for i, each in enumerate(getattr(where, name)))
    return values


def _statement(shape: tuple[int, ...], *, after: bool, rows: bool) -> Any:
    """``list_matches_built``'s page as one statement with bind parameters (``page_values`` names
    their values), the same for every filter of the shape: its rows each with the filter's count
    last; without ``rows``, the count alone."""
    return page_statement(shape, _COLUMNS, after=after, rows=rows, position=False)


#: The page statement of each shape of filter (and whether it reads after a position), and its
#: count alone (without rows).
_PAGES: Statements[tuple[tuple[int, ...], bool, bool], MatchRow] = Statements(
    lambda page: _statement(page[0], after=page[1], rows=page[2]), MatchRow, counted=True
)


#: The rows a page's statement may read beside the match's: its request, its offer and the
#: offer's organisation, each joined (outer: a match whose request is not projected yet still
#: shows) only if one of its columns is read.
REQUEST = assistance_requests.alias("match_request")
OFFER = offers.alias("match_offer")
ORGANISATION = organisations.alias("match_organisation")


def page_statement(
    shape: tuple[int, ...], columns: Sequence[Any], *, after: bool, rows: bool, position: bool = True
) -> Any:
    """A page of matches of the filter's ``shape`` as one statement with bind parameters
    (``page_values`` names their values), newest first: its rows each with the match's proposed
    position first (if ``position``), then ``columns`` (of ``matches``, ``REQUEST``, ``OFFER`` and
    ``ORGANISATION``), then the filter's count; without ``rows``, the count alone."""
    lists = {
        name: [bindparam(f"{name}_{i}", type_=column.type) for i in range(size)]
        for (name, column), size in zip(_LISTS, shape, strict=True)
    }
    source, conditions = _filtered(lists)
    counting = _counting(lists)
    if not rows:
        return counting
    m = matches.c
    tables = {column.table for column in columns}
    read = source
    if REQUEST in tables:
        read = read.outerjoin(REQUEST, REQUEST.c.id == m.request_id)
    if OFFER in tables or ORGANISATION in tables:
        read = read.outerjoin(OFFER, OFFER.c.id == m.offer_id)
    if ORGANISATION in tables:
        read = read.outerjoin(ORGANISATION, ORGANISATION.c.id == OFFER.c.organisation_id)
    labelled = [column.label(f"c{i}") for i, column in enumerate(columns)]
    first = [m.proposed_position.label("position")] if position else []
    page = select(*first, *labelled, counting.scalar_subquery().label("total_count"))
    page = page.select_from(read).where(*conditions)
    if after:
        page = page.where(m.proposed_position < bindparam("after", type_=BigInteger))
    return page.order_by(m.proposed_position.desc()).limit(bindparam("limit", type_=Integer))


async def list_matches_built(
    engine: AsyncEngine, where: MatchFilter, *, first: int, after: int | None
) -> tuple[list[MatchRow], bool, int]:
    """``list_matches`` through the statements SQLAlchemy builds for these values."""
    m = matches.c
    lists = {name: getattr(where, name) for name, _column in _LISTS}
    source, conditions = _filtered(lists)
    query = (
        select(*_COLUMNS)
        .select_from(source)
        .where(*conditions)
        .order_by(m.proposed_position.desc())
        .limit(first + 1)
    )
    if after is not None:
        query = query.where(m.proposed_position < after)
    count = _counting(lists)
    async with engine.connect() as conn:
        rows = [MatchRow(*row) for row in await conn.execute(query)]
        total = int(await conn.scalar(count) or 0)
    return rows[:first], len(rows) > first, total
