"""What the matcher reads: open needs and offers as ``domain.allocation`` lines.

A need's open quantity is what is requested less what is committed and what pending proposals
already hold; the parties whose match for it was declined are not proposed again for it.
"""

from __future__ import annotations

from collections import defaultdict, namedtuple
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, bindparam, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.allocation import NeedLine, OfferLine, due
from domain.items import SUBSTITUTES, meets
from projections.assistance_requests.tables import assistance_requests
from projections.crises.tables import crises
from projections.matches.tables import matches
from projections.offers.tables import offers
from projections.organisations.tables import organisations
from projections.prepared import Prepared, Statements, fixed_in, made_once
from projections.tracking import projection_tracking

_r, _o, _m, _g = assistance_requests.c, offers.c, matches.c, organisations.c
#: The projectors a snapshot reads from: its position is the least they have all reached.
SOURCES = ("assistance_requests", "offers", "matches", "organisations")
_OPEN = ("open", "partially-covered")
_LISTED_IDS = 500  # the needs whose matches one statement reads (by the request_id index)


async def _position(conn: AsyncConnection) -> int:
    query = select(func.min(projection_tracking.c.position)).where(
        projection_tracking.c.projection.in_(SOURCES)
    )
    return int(await conn.scalar(query) or 0)


def _need(row: Any, pending: Decimal, declined: frozenset[str]) -> NeedLine:
    return NeedLine(
        request_id=row.id,
        crisis_id=row.crisis_id,
        member_state=row.member_state,
        item=row.item,
        unit=row.unit,
        open_quantity=row.quantity - row.committed - pending,
        priority=row.priority,
        needed_by=row.needed_by,
        declined=declined,
        position=row.position,
    )


def _offer(row: Sequence[Any]) -> OfferLine:
    """An offer's line from a row of ``_OFFER_COLUMNS``, in their order."""
    (offer_id, crisis_id, organisation_id, offering_state, item, unit, quantity, allocated) = row[:8]
    (available_from, available_until, serves, standby_capacity, position, home_state) = row[8:]
    return OfferLine(
        offer_id=offer_id,
        crisis_id=crisis_id,
        party=str(organisation_id) if organisation_id else offering_state,
        home_state=offering_state or home_state,
        item=item,
        unit=unit,
        remaining=quantity - allocated,
        available_from=available_from,
        available_until=available_until,
        serves=_states(serves),
        standby=standby_capacity is not None,
        position=position,
    )


@cache
def _states(serves: str) -> frozenset[str]:
    """The states an offer serves, from their comma-separated codes (a few hundred combinations)."""
    return frozenset(serves.split(","))


_OFFER_COLUMNS = (
    _o.id, _o.crisis_id, _o.organisation_id, _o.offering_state, _o.item, _o.unit, _o.quantity,
    _o.allocated, _o.available_from, _o.available_until, _o.serves, _o.standby_capacity,
    _o.position, _g.member_state.label("home_state"),
)  # fmt: skip
_REQUEST_COLUMNS = (
    _r.id, _r.crisis_id, _r.member_state, _r.item, _r.unit, _r.quantity, _r.committed,
    _r.priority, _r.needed_by, _r.position,
)  # fmt: skip


def _offers_query(*conditions: ColumnElement[bool]) -> Any:
    joined = offers.outerjoin(organisations, _g.id == _o.organisation_id)
    return select(*_OFFER_COLUMNS).select_from(joined).where(_o.withdrawn.is_(False), *conditions)


async def _pending_and_declined(
    conn: AsyncConnection, request_ids: Sequence[UUID] | None
) -> tuple[dict[UUID, Decimal], dict[UUID, set[str]]]:
    query = _matched_query()
    chunks = (
        [None]
        if request_ids is None
        else [request_ids[k : k + _LISTED_IDS] for k in range(0, len(request_ids), _LISTED_IDS)]
    )
    rows: list[Any] = []
    for chunk in chunks:
        listed = query if chunk is None else query.where(_m.request_id.in_(chunk))
        rows += await conn.execute(listed)
    return _tallied(rows)


def _tallied(rows: Iterable[Any]) -> tuple[dict[UUID, Decimal], dict[UUID, set[str]]]:
    """Each need's quantity held by pending proposals, and the parties whose match was declined,
    from rows of ``_matched_query``."""
    pending: dict[UUID, Decimal] = defaultdict(Decimal)
    declined: dict[UUID, set[str]] = defaultdict(set)
    for row in rows:
        if row.status == "proposed":
            pending[row.request_id] += row.quantity
        else:
            declined[row.request_id].add(
                str(row.organisation_id) if row.organisation_id else row.offering_state
            )
    return pending, declined


async def round_inputs(
    engine: AsyncEngine, crisis_id: UUID | None, today: date
) -> tuple[list[NeedLine], list[OfferLine], int]:
    """Every open need and usable offer of the crisis (or of every open crisis), and the position."""
    async with engine.connect() as conn:
        position = await _position(conn)
        open_crises = select(crises.c.id).where(crises.c.phase != "closed")
        in_scope = [_r.crisis_id == crisis_id] if crisis_id else [_r.crisis_id.in_(open_crises)]
        requests = (
            await conn.execute(select(*_REQUEST_COLUMNS).where(_r.status.in_(_OPEN), *in_scope))
        ).all()
        offer_scope = (
            or_(_o.crisis_id == crisis_id, _o.standby_capacity.is_not(None))
            if crisis_id
            else _o.crisis_id.in_(open_crises)
        )
        offer_rows = (await conn.execute(_offers_query(_o.available_until >= today, offer_scope))).all()
        pending, declined = await _pending_and_declined(conn, None)
    needs = [_need(r, pending.get(r.id, Decimal(0)), frozenset(declined.get(r.id, ()))) for r in requests]
    lines = [_offer(row) for row in offer_rows]
    return (
        [n for n in needs if n.open_quantity > 0],
        [o for o in lines if o.remaining > 0],
        position,
    )


async def need_line(engine: AsyncEngine, request_id: UUID) -> NeedLine | None:
    """The need's line: its open quantity less what pending proposals hold, and the parties whose
    match for it was declined. Its two statements are prepared once (``projections.prepared``)."""
    values = {"id": request_id}
    need, matched = _NEED.prepared(engine, None), _MATCHED.prepared(engine, None)
    async with engine.connect() as conn:
        if need is None or matched is None:  # no raw path, or tables in another schema
            row = (await conn.execute(_NEED.built(None), values)).first()
            if row is None:
                return None
            tallied = (await conn.execute(_MATCHED.built(None), values)).all()
        else:
            found = await need.run(conn, values)
            if not found:
                return None
            row = _NEED.maker(need)(found[0])
            rows = await matched.run(conn, values)
            make = _MATCHED.maker(matched)  # once the statement has run: asyncpg's types are known
            tallied = [make(each) for each in rows]
    pending, declined = _tallied(tallied)
    return _need(row, pending.get(request_id, Decimal(0)), frozenset(declined.get(request_id, ())))


def _matched_query() -> Any:
    """Pending and declined matches, each with its offer's party."""
    return (
        select(_m.request_id, _m.status, _m.quantity, _o.organisation_id, _o.offering_state)
        .select_from(matches.join(offers, _o.id == _m.offer_id))
        .where(fixed_in(_m.status, "matched", ("proposed", "declined")))
    )


#: The rows ``_need`` and ``_tallied`` read by name, as SQLAlchemy gives them.
_NeedRow = namedtuple("_NeedRow", [str(c.key) for c in _REQUEST_COLUMNS])  # type: ignore[misc]
_MatchedRow = namedtuple("_MatchedRow", [str(c.key) for c in _matched_query().selected_columns])  # type: ignore[misc]
#: One need's columns, and its pending and declined matches.
_NEED: Statements[None, Any] = Statements(
    lambda _: select(*_REQUEST_COLUMNS).where(_r.id == bindparam("id", type_=_r.id.type)), _NeedRow
)
_MATCHED: Statements[None, Any] = Statements(
    lambda _: _matched_query().where(_m.request_id == bindparam("id", type_=_m.request_id.type)), _MatchedRow
)


async def candidate_offers(
    engine: AsyncEngine,
    need: NeedLine,
    today: date,
    *,
    organisation_id: UUID | None = None,
    near_misses: bool = False,
) -> Sequence[OfferLine]:
    """Offers of the need's item or a substitute; only those that fit, unless near misses are wanted
    (then also those of another state, window or crisis, for the explanation of what excludes them).
    One statement for each shape (how many items, near misses or not, one party's or all), prepared
    once, each offer's line made once for the same row (``projections.prepared``)."""
    items = sorted({need.item} | SUBSTITUTES.get(need.item, frozenset()))
    shape = (len(items), near_misses, organisation_id is not None)
    values: dict[str, Any] = {f"item_{i}": item for i, item in enumerate(items)}
    if not near_misses:
        values.update(due=due(need, today), today=today, state=need.member_state, crisis_id=need.crisis_id)
    if organisation_id is not None:
        values["organisation_id"] = organisation_id
    return await _CANDIDATES.objects(engine, shape, values)


def _candidates_statement(shape: tuple[int, bool, bool]) -> Any:
    """``candidate_offers``' statement for ``shape``: how many items, near misses, one party's."""
    items, near_misses, own = shape
    conditions: list[ColumnElement[bool]] = [
        _o.item.in_([bindparam(f"item_{i}", type_=_o.item.type) for i in range(items)])
    ]
    if not near_misses:
        crisis = bindparam("crisis_id", type_=_o.crisis_id.type)
        conditions += [
            _o.available_from <= bindparam("due", type_=_o.available_from.type),
            _o.available_until >= bindparam("today", type_=_o.available_until.type),
            _o.serves.contains(bindparam("state", type_=_o.serves.type)),
            or_(_o.crisis_id == crisis, _o.standby_capacity.is_not(None)),
        ]
    if own:
        conditions.append(_o.organisation_id == bindparam("organisation_id", type_=_o.organisation_id.type))
    return _offers_query(and_(*conditions))


_CANDIDATES: Statements[tuple[int, bool, bool], OfferLine] = Statements(
    _candidates_statement, lambda *row: _offer(row)
)


async def party_offers(
    engine: AsyncEngine,
    today: date,
    *,
    organisation_id: UUID | None = None,
    offering_state: str | None = None,
    offer_id: UUID | None = None,
) -> list[OfferLine]:
    """The offering party's offers still open for matching today (or just the one asked for): one
    statement for each set of these arguments given, prepared once, its values converted once per
    distinct value (projections.prepared)."""
    values = {
        "today": today,
        "organisation_id": organisation_id,
        "offering_state": offering_state,
        "id": offer_id,
    }
    given = tuple(name for name, value in values.items() if value is not None)
    key = (engine.dialect.name, given)
    prepared = _party_statements.get(key)
    if prepared is None:
        conditions = [_o.available_until >= bindparam("today", type_=_o.available_until.type)]
        conditions += [_o[name] == bindparam(name, type_=_o[name].type) for name in given if name != "today"]
        prepared = _party_statements[key] = Prepared(_offers_query(*conditions), engine.dialect)
    rows = await prepared.rows(engine, values)
    line_of = _party_lines.get(prepared)
    if line_of is None:
        convert = prepared.memoised_processors()
        line_of = _party_lines[prepared] = made_once(
            lambda row: _offer([c(value) for c, value in zip(convert, row, strict=True)])
        )
    lines = [line_of(row) for row in rows]
    return [line for line in lines if line.remaining > 0]


#: (dialect, the arguments given) to ``party_offers``' statement.
_party_statements: dict[tuple[str, tuple[str, ...]], Prepared] = {}
#: Each statement's rows to their offers' lines, remembered: a party's few hundred offers are read
#: on every call, and a line depends on its row alone.
_party_lines: dict[Prepared, Callable[[Sequence[Any]], OfferLine]] = {}


def _could_serve(offers: Sequence[OfferLine]) -> ColumnElement[bool]:
    """Needs some offer may serve by item (its own or a substitute of its sector), unit, state
    served and crisis: a superset of what ``violations`` lets through, so that only these are read
    and scored. Offers alike in all but the states they serve share one clause."""
    states: dict[tuple[str, str, UUID | None], set[str]] = defaultdict(set)
    for offer in offers:
        states[offer.item, offer.unit, None if offer.standby else offer.crisis_id] |= offer.serves
    clauses = []
    for (offered, unit, crisis_id), served in sorted(states.items(), key=str):
        items = sorted(meets(offered))
        clause = [_r.item.in_(items), _r.unit == unit, _r.member_state.in_(sorted(served))]
        if crisis_id is not None:
            clause.append(_r.crisis_id == crisis_id)
        clauses.append(and_(*clause))
    return or_(*clauses) if clauses else false()


def _servable(offers: Sequence[OfferLine]) -> tuple[ColumnElement[bool], ...]:
    open_crises = select(crises.c.id).where(crises.c.phase != "closed")
    return (_r.status.in_(_OPEN), _r.crisis_id.in_(open_crises), _could_serve(offers))


async def servable_needs(engine: AsyncEngine, offers: Sequence[OfferLine]) -> list[NeedLine]:
    """Open needs, in open crises, that one of the offers may serve by item, unit, state and crisis:
    all of them, which ``needs_served`` must rank as it ranks the few it reads."""
    if not offers:
        return []
    async with engine.connect() as conn:
        rows = (await conn.execute(select(*_REQUEST_COLUMNS).where(*_servable(offers)))).all()
        pending, declined = await _pending_and_declined(conn, [row.id for row in rows])
    return _open_needs(rows, pending, declined)


def _open_needs(
    rows: Sequence[Any], pending: dict[UUID, Decimal], declined: dict[UUID, set[str]]
) -> list[NeedLine]:
    needs = [_need(r, pending.get(r.id, Decimal(0)), frozenset(declined.get(r.id, ()))) for r in rows]
    return [need for need in needs if need.open_quantity > 0]
