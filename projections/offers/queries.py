"""Reading the ``offers`` read model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Integer, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.offers.tables import offers
from projections.prepared import Statements
from projections.querying import by_ids


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
    return await by_ids(engine, offers, OfferRow, ids)


async def list_offers(
    engine: AsyncEngine, where: OfferFilter, *, first: int, after: int | None
) -> tuple[list[OfferRow], bool, int]:
    """Newest first; ``after`` is the posted position of the last row seen. One statement for each
    shape of filter (``_page_statement``), prepared once (``projections.prepared``), gives the page
    and its count; the rows' offers are made once for the same values (a donor's page is read on
    every refresh)."""
    shape = _shape(where)
    values = _values(where, first=first, after=after)
    page = (shape, after is not None)
    prepared = _PAGES.prepared(engine, page)
    if prepared is None:
        async with engine.connect() as conn:
            found: Sequence[Sequence[Any]] = (await conn.execute(_PAGES.built(page), values)).all()
            rows = [OfferRow(*row[:-1]) for row in found]
    else:
        found = await prepared.rows(engine, values)
        make = _PAGES.maker(prepared)
        rows = [make(row) for row in found]
    if found:
        total = int(found[0][-1])
    elif after is None:
        total = 0  # no offer matches the filter
    else:  # past the last page: the count alone
        async with engine.connect() as conn:
            total = int(await conn.scalar(_page_statement(shape, after=False, rows=False), values) or 0)
    return rows[:first], len(rows) > first, total


#: The filter's lists, each narrowing its column to any of its values.
_LISTS = (
    ("crisis_ids", offers.c.crisis_id),
    ("sectors", offers.c.sector),
    ("items", offers.c.item),
    ("organisation_ids", offers.c.organisation_id),
)
_COLUMNS = tuple(offers.c[name] for name in OfferRow.__dataclass_fields__)


def _shape(where: OfferFilter) -> tuple[int, ...]:
    """What the page's statement depends on: how many values each list has, and whether the
    filter names a state served and a day the offers are open on."""
    lists = (len(getattr(where, name)) for name, _column in _LISTS)
    return (*lists, int(where.serving is not None), int(where.available_on is not None))


def _values(where: OfferFilter, *, first: int, after: int | None) -> dict[str, Any]:
    """The values of the page statement's bind parameters for this filter and page."""
    values: dict[str, Any] = {"limit": first + 1, "after": after, "available_on": where.available_on}
    for name, _column in _LISTS:
        values.update((f"{name}_{i}", each) for i, each in enumerate(getattr(where, name)))
    if where.serving is not None:  # as ``contains`` with autoescape matches it: wildcards as themselves
        escaped = where.serving.replace("/", "//").replace("%", "/%").replace("_", "/_")
        values["serving"] = f"%{escaped}%"
    return values


def _page_statement(shape: tuple[int, ...], *, after: bool, rows: bool = True) -> Any:
    """The page as one statement with bind parameters (``_values`` names their values): its rows
    each an ``OfferRow``'s columns and the filter's count; without ``rows``, the count alone."""
    *sizes, serving, available = shape
    o = offers.c
    conditions: list[Any] = [
        column.in_([bindparam(f"{name}_{i}", type_=column.type) for i in range(size)])
        for (name, column), size in zip(_LISTS, sizes, strict=True)
        if size
    ]
    if serving:
        conditions.append(o.serves.like(bindparam("serving", type_=o.serves.type), escape="/"))
    if available:
        day = bindparam("available_on", type_=o.available_until.type)
        conditions += [~o.withdrawn, o.available_until >= day]
    counting = select(func.count()).select_from(offers).where(*conditions)
    if not rows:
        return counting
    page = select(*_COLUMNS, counting.scalar_subquery().label("total_count")).where(*conditions)
    if after:
        page = page.where(o.posted_position < bindparam("after", type_=BigInteger))
    return page.order_by(o.posted_position.desc()).limit(bindparam("limit", type_=Integer))


#: The page statement of each shape of filter, and whether it reads after a position.
_PAGES: Statements[tuple[tuple[int, ...], bool], OfferRow] = Statements(
    lambda page: _page_statement(page[0], after=page[1]), OfferRow, counted=True
)
