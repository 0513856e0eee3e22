"""The bounded search for the needs an offering party's offers could serve (``needSuggestions``).

Each priority's servable needs are read in needed-by order (the index
``ix_assistance_requests_priority``), a batch at a time, with their pending and declined matches
joined in the same statement; once N needs are found, a priority's needs only up to the last date
on which they could reach the N-th best score (``allocation.Reach.last_day``).

A call makes several statements of the same few shapes, so each is prepared once per shape of its
filter (how many items, units, states and crises it lists: its values are bind parameters) and run
on the driver's own connection (projections.prepared); a column's values are converted by
SQLAlchemy's own result processors, once per distinct value (remembered across calls, as the
same needs are read call after call), and a need's line is made only where
some offer may serve its item in its state.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Integer, and_, bindparam, or_, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from domain import allocation
from domain.allocation import NeedLine, OfferLine
from domain.items import meets
from domain.requests import PRIORITIES
from projections.assistance_requests.tables import assistance_requests
from projections.crises.tables import crises
from projections.matches.tables import matches
from projections.matching.queries import _OPEN, _REQUEST_COLUMNS, servable_needs
from projections.offers.tables import offers as offer_table
from projections.prepared import Prepared, Statements, fixed_in

_r, _m, _o = assistance_requests.c, matches.c, offer_table.c
_EXACT_CLAUSES = 48  # beyond, the search filters roughly: each clause costs every row read
_FIRST_BATCH, _LARGEST_BATCH = 64, 4000  # needs of one priority read at once: at first, at most
_KEPT_OFFERS = 64  # parties' offers kept (_kept) before all are forgotten at once
_MATCHED = ("proposed", "declined")
#: The columns each row carries beyond the request's: its pending or declined match, if any.
_STATUS, _MATCH_QUANTITY, _OFFER, _ORGANISATION, _OFFERING_STATE = range(
    len(_REQUEST_COLUMNS), len(_REQUEST_COLUMNS) + 5
)
_ID, _CRISIS, _STATE, _ITEM, _UNIT, _QUANTITY, _COMMITTED, _PRIORITY, _NEEDED_BY, _POSITION = range(10)

#: The identities of a party's offer lines, the day and the parameters, to the lines themselves and
#: what ``_kept`` made of them.
_offered: dict[
    tuple[tuple[int, ...], date, allocation.Parameters],
    tuple[tuple[OfferLine, ...], tuple[allocation.Offered, tuple[Hashable, dict[str, Any]]]],
] = {}


def _groups(offers: Sequence[OfferLine]) -> list[tuple[tuple[str, ...], str, UUID | None, list[str]]]:
    """Needs some offer may serve, one group of offers alike in all but the states they serve:
    the items they may meet (their own and those they substitute for, of its sector), their unit,
    their crisis (none for standby capacity) and every state they serve. A superset of what
    ``violations`` lets through, so that only these are read and scored."""
    states: dict[tuple[str, str, UUID | None], set[str]] = defaultdict(set)
    for offer in offers:
        states[offer.item, offer.unit, None if offer.standby else offer.crisis_id] |= offer.serves
    return [
        (tuple(sorted(meets(offered))), unit, crisis_id, sorted(served))
        for (offered, unit, crisis_id), served in sorted(states.items(), key=str)
    ]


def _filter(offers: Sequence[OfferLine]) -> tuple[Hashable, dict[str, Any]]:
    """The filter's shape (what its statement depends on) and its values, named as ``_clauses``
    names their parameters: one clause a group while they are few; beyond, a superset whose
    statement stays small however many offers there are (needs of an item, unit and state some
    offer may serve, in a crisis one is for, any with standby capacity), the ranking checking
    each pair."""
    groups = _groups(offers)
    values: dict[str, Any] = {}
    if len(groups) <= _EXACT_CLAUSES:
        shape: list[tuple[int, int, bool]] = []
        for k, (items, unit, crisis_id, states) in enumerate(groups):
            values.update(_named(f"i{k}_", items))
            values.update(_named(f"s{k}_", states))
            values[f"u{k}"] = unit
            if crisis_id is not None:
                values[f"c{k}"] = crisis_id
            shape.append((len(items), len(states), crisis_id is not None))
        return ("exact", tuple(shape)), values
    every_item = sorted({i for group in groups for i in group[0]})
    units = sorted({o.unit for o in offers})
    every_state = sorted(set().union(*(o.serves for o in offers)))
    crisis_ids = None if any(o.standby for o in offers) else sorted({o.crisis_id for o in offers}, key=str)
    for prefix, listed in (("i_", every_item), ("u_", units), ("s_", every_state), ("c_", crisis_ids or ())):
        values.update(_named(prefix, listed))
    lengths = (len(every_item), len(units), len(every_state), None if crisis_ids is None else len(crisis_ids))
    return ("rough", *lengths), values


def _kept(
    offers: Sequence[OfferLine], today: date, parameters: allocation.Parameters
) -> tuple[allocation.Offered, tuple[Hashable, dict[str, Any]]]:
    """What the ranking and the filter make of these offers on this day, made once for the same
    offers: ``queries.party_offers`` gives the same line objects call after call while their rows
    are unchanged, so the lines' identities are the key, and the entry holds the lines, so that
    none of those identities is reused while it is kept."""
    key = (tuple(map(id, offers)), today, parameters)
    found = _offered.get(key)
    if found is None:
        if len(_offered) >= _KEPT_OFFERS:
            _offered.clear()
        made = (allocation.Offered.of(offers, today, parameters), _filter(offers))
        found = _offered[key] = (tuple(offers), made)
    return found[1]


def _named(prefix: str, listed: Sequence[Any]) -> dict[str, Any]:
    return {f"{prefix}{j}": value for j, value in enumerate(listed)}


def _in(column: Any, prefix: str, count: int) -> ColumnElement[bool]:
    """``column IN`` as many bind parameters, named ``prefix`` and their place."""
    listed: ColumnElement[bool] = column.in_(
        [bindparam(f"{prefix}{j}", type_=column.type) for j in range(count)]
    )
    return listed


def _clauses(shape: Any) -> tuple[ColumnElement[bool], ...]:
    """The filter of this shape, its values bind parameters named as ``_filter`` names them."""
    kind, *rest = shape
    open_crises = select(crises.c.id).where(crises.c.phase != "closed")
    common = (fixed_in(_r.status, "open", _OPEN), _r.crisis_id.in_(open_crises))
    if kind == "exact":
        (groups,) = rest
        alternatives = []
        for k, (n_items, n_states, crisis) in enumerate(groups):
            clause = [_in(_r.item, f"i{k}_", n_items), _r.unit == bindparam(f"u{k}", type_=_r.unit.type)]
            clause.append(_in(_r.member_state, f"s{k}_", n_states))
            if crisis:
                clause.append(_r.crisis_id == bindparam(f"c{k}", type_=_r.crisis_id.type))
            alternatives.append(and_(*clause))
        return (*common, or_(*alternatives))
    n_items, n_units, n_states, n_crises = rest
    rough = [_in(_r.item, "i_", n_items), _in(_r.unit, "u_", n_units), _in(_r.member_state, "s_", n_states)]
    if n_crises is not None:
        rough.append(_in(_r.crisis_id, "c_", n_crises))
    return (*common, *rough)


def _with_matches(batch: Any) -> Any:
    """The batch's needs, each with its pending and declined matches and their offers' parties
    (a row a match; one row, the match's columns null, for a need without any)."""
    matched = and_(_m.request_id == batch.c.id, fixed_in(_m.status, "matched", _MATCHED))
    joined = batch.outerjoin(matches, matched).outerjoin(offer_table, _o.id == _m.offer_id)
    columns = (_m.status, _m.quantity, _o.id.label("offer_found"), _o.organisation_id, _o.offering_state)
    return select(*batch.c, *columns).select_from(joined)


def _statements(shape: Hashable) -> tuple[Any, Any]:
    """The first batch of every priority, in one statement (where the data is small, often all
    there is to read), and a priority's next batch."""
    query = select(*_REQUEST_COLUMNS).where(*_clauses(shape))
    size = bindparam("size", type_=Integer)
    firsts = [
        query.where(_r.priority == p).order_by(_r.needed_by, _r.id).limit(size).subquery() for p in PRIORITIES
    ]
    first_batches = union_all(*(select(*q.c) for q in firsts)).subquery()
    day, request_id = bindparam("day", type_=_r.needed_by.type), bindparam("request_id", type_=_r.id.type)
    following = query.where(
        _r.priority == bindparam("priority", type_=_r.priority.type),
        _r.needed_by <= bindparam("last", type_=_r.needed_by.type),
        _r.needed_by >= day,  # as well as the row value: a range the index seeks to, on both back ends
        tuple_(_r.needed_by, _r.id) > tuple_(day, request_id),
    )
    following_batch = following.order_by(_r.needed_by, _r.id).limit(size).subquery()
    return _with_matches(first_batches), _with_matches(following_batch)


#: The search's two statements of each shape of filter: (shape, 0) the first batches, (shape, 1) the
#: following batch.
_SEARCH: Statements[tuple[Hashable, int], Any] = Statements(lambda key: _statements(key[0])[key[1]])


class _Priority:
    """The servable needs of one priority, read in needed-by order (then id) a batch at a time."""

    def __init__(self, priority: int, size: int) -> None:
        self.priority, self.size = priority, size
        self.after: tuple[date, UUID] | None = None  # the last need read: its needed-by date and id
        self.done = False

    def read(self, read: Sequence[tuple[date, UUID]]) -> None:
        """``read``: the needed-by date and id of each need of the batch."""
        self.done = len(read) < self.size
        if read:
            self.after = max(read)
        self.size = min(self.size * 2, _LARGEST_BATCH)


class _Lines:
    """A statement's rows as need lines for the ranking: each column's values converted by its
    result processor once per distinct value, a need's matches tallied as ``queries._tallied`` tallies
    them, the needs given most promising first (``Reach``), so that the ranking's floor rises soonest
    and it skips the more of them: a need it skips before its line is made has none made."""

    def __init__(self, prepared: Prepared, ranking: allocation.NeedRanking) -> None:
        self._ranking = ranking
        self._convert = prepared.memoised_processors()  # the same needs are read call after call

    def __call__(self, rows: Sequence[Sequence[Any]]) -> dict[int, list[tuple[date, UUID]]]:
        """Add the rows' needs to the ranking; the needed-by date and id of each, by priority."""
        convert = self._convert
        needs: dict[Any, tuple[Sequence[Any], list[Decimal], set[str]]] = {}
        for row in rows:
            need = needs.get(row[_ID])
            if need is None:
                need = needs[row[_ID]] = (row, [], set())
            if row[_STATUS] is None or row[_OFFER] is None:
                continue
            if row[_STATUS] == "proposed":
                need[1].append(convert[_MATCH_QUANTITY](row[_MATCH_QUANTITY]))
            elif row[_ORGANISATION] is not None:
                need[2].add(str(convert[_ORGANISATION](row[_ORGANISATION])))
            else:
                need[2].add(convert[_OFFERING_STATE](row[_OFFERING_STATE]))
        read: dict[int, list[tuple[date, UUID]]] = defaultdict(list)
        ranking = self._ranking
        places, reach = ranking.places, ranking.reach.at
        candidates = []
        for row, proposed, declined in needs.values():
            request_id, priority = convert[_ID](row[_ID]), convert[_PRIORITY](row[_PRIORITY])
            needed_by = convert[_NEEDED_BY](row[_NEEDED_BY])
            read[priority].append((needed_by, request_id))
            state, item = convert[_STATE](row[_STATE]), convert[_ITEM](row[_ITEM])
            if places(item, state):
                known = (request_id, priority, needed_by, state, item)
                candidates.append((reach(priority, needed_by), known, row, proposed, declined))
        candidates.sort(key=lambda candidate: -candidate[0])  # the floor rises soonest
        for most, (request_id, priority, needed_by, state, item), row, proposed, declined in candidates:
            if ranking.skips(request_id, most):
                continue  # its line is never made
            pending = Decimal(0)
            for quantity in proposed:
                pending += quantity
            requested = convert[_QUANTITY](row[_QUANTITY])
            open_quantity = requested - convert[_COMMITTED](row[_COMMITTED]) - pending
            if open_quantity > 0:
                line = NeedLine(
                    request_id=request_id,
                    crisis_id=convert[_CRISIS](row[_CRISIS]),
                    member_state=state,
                    item=item,
                    unit=convert[_UNIT](row[_UNIT]),
                    open_quantity=open_quantity,
                    priority=priority,
                    needed_by=needed_by,
                    declined=frozenset(declined),
                    position=convert[_POSITION](row[_POSITION]),
                )
                ranking.add_reaching(line, most)
        return read


async def needs_served(
    engine: AsyncEngine,
    offers: Sequence[OfferLine],
    today: date,
    parameters: allocation.Parameters,
    first: int,
) -> list[allocation.Suggestion]:
    """``allocation.needs_served`` over ``queries.servable_needs``, the same answer, reading only
    needs that could still be among the first: each priority's in needed-by order, a batch at a
    time, the next batch from the priority whose next needs could score most; once N needs are
    found, each priority's only up to the last date on which its needs could reach the N-th best
    score (``Reach.last_day``)."""
    if not offers:
        return allocation.NeedRanking(offers, today, parameters, first).result()
    offered, (shape, values) = _kept(offers, today, parameters)
    ranking = allocation.NeedRanking(offered, today, parameters, first)
    reach = ranking.reach
    size = min(max(first, _FIRST_BATCH), _LARGEST_BATCH)
    first_batches, following = _SEARCH.prepared(engine, (shape, 0)), _SEARCH.prepared(engine, (shape, 1))
    if first_batches is None or following is None:  # no raw path: every servable need, ranked
        every = await servable_needs(engine, offers)
        return allocation.needs_served(every, offers, today, parameters, first)
    streams = {p: _Priority(p, size) for p in reversed(PRIORITIES)}

    def promise(stream: _Priority) -> float:  # which to read next; any order gives the same answer
        return math.inf if stream.after is None else reach.at(stream.priority, stream.after[0])

    async with engine.connect() as conn:
        rows = await first_batches.run(conn, {**values, "size": size})
        read = _Lines(first_batches, ranking)(rows)
        for priority, stream in streams.items():
            stream.read(read.get(priority, []))
        lines: _Lines | None = None
        while live := [s for s in streams.values() if not s.done]:
            stream = max(live, key=promise)  # the first of equals: the higher priority
            floor = ranking.floor()
            last = date.max if floor is None else reach.last_day(stream.priority, floor)
            if last is None or stream.after is None or last < stream.after[0]:
                stream.done = True
                continue
            day, request_id = stream.after
            batch = {"priority": stream.priority, "last": last, "size": stream.size, "day": day}
            rows = await following.run(conn, {**values, **batch, "request_id": request_id})
            lines = lines or _Lines(following, ranking)
            stream.read(lines(rows).get(stream.priority, []))
    return ranking.result()
