"""Keeps the coverage cells: each request event takes the request's old share out of its cell and
puts the new one in, so that a cell always holds the sums over its live requests."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic
from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.requests import AssistanceRequest
from projections.coverage.tables import coverage_cells, coverage_commitments, coverage_requests

_R = AssistanceRequest
ZERO = Decimal(0)
SUMS = ("requested", "committed", "delivered")
Key = tuple[UUID, str, str]  # crisis, member state, sector
_held = coverage_commitments.c
_r = coverage_requests.c
_c = coverage_cells.c

# Statements built once (a catch-up runs them hundreds of thousands of times: building one per
# event was most of its time); the batch's connection holds the inserts back and sends them together.
_SHARE_COLUMNS = ("crisis_id", "member_state", "sector", "quantity", "committed", "delivered", "live")
_INSERT_REQUEST = insert(coverage_requests)
_UPDATE_REQUEST = (
    update(coverage_requests)
    .where(_r.request_id == bindparam("w_request_id"))
    .values({name: bindparam(name) for name in _SHARE_COLUMNS})
)
_SHARE = select(coverage_requests).where(_r.request_id == bindparam("request_id"))
_IN_CELL = (
    _c.crisis_id == bindparam("w_crisis_id"),
    _c.member_state == bindparam("w_member_state"),
    _c.sector == bindparam("w_sector"),
)
_CELL = select(coverage_cells).where(*_IN_CELL)
_INSERT_CELL = insert(coverage_cells)
_DELETE_CELL = delete(coverage_cells).where(*_IN_CELL)
_UPDATE_CELL = (
    update(coverage_cells)
    .where(*_IN_CELL)
    .values({name: bindparam(name) for name in ("requests", *SUMS, "places")})
)
_INSERT_COMMITMENT = insert(coverage_commitments)
_COMMITMENT = select(_held.quantity, _held.delivered).where(_held.match_id == bindparam("match_id"))
_DELETE_COMMITMENT = delete(coverage_commitments).where(_held.match_id == bindparam("match_id"))
_DELIVER = (
    update(coverage_commitments)
    .where(_held.match_id == bindparam("w_match_id"))
    .values(delivered=bindparam("delivered"))
)


def places(value: Decimal) -> int:
    """Decimal places of a quantity as the read models give it back (500, 2.5: no trailing zeros)."""
    if value == value.to_integral_value():
        return 0
    return max(0, -int(value.normalize().as_tuple().exponent))


@dataclass(frozen=True)
class Share:
    """What one request adds to its cell: nothing once cancelled; its committed and delivered
    quantities are counted up to what it asks for."""

    key: Key
    quantity: Decimal
    committed: Decimal
    delivered: Decimal
    live: bool

    def terms(self) -> tuple[Decimal, Decimal, Decimal]:
        return self.quantity, min(self.committed, self.quantity), min(self.delivered, self.quantity)


class CoverageProjector:
    name = "coverage"
    tables: tuple[Table, ...] = (coverage_cells, coverage_requests, coverage_commitments)
    topics = frozenset(
        get_topic(cls)
        for cls in (_R.Posted, _R.Amended, _R.Cancelled, _R.Committed, _R.Released, _R.Received)
    )

    async def project(self, conn: AsyncConnection, event: Any, position: int) -> None:
        request_id = event.originator_id
        if isinstance(event, _R.Posted):
            key = (event.crisis_id, event.member_state, event.sector)
            await _move(conn, request_id, None, Share(key, event.quantity, ZERO, ZERO, live=True))
            return
        before = await _share(conn, request_id)
        after = before
        if isinstance(event, _R.Amended):
            after = replace(before, key=(*before.key[:2], event.sector), quantity=event.quantity)
        elif isinstance(event, _R.Cancelled):
            after = replace(before, live=False)
        elif isinstance(event, _R.Committed):
            await conn.execute(
                _INSERT_COMMITMENT,
                {
                    "match_id": event.match_id,
                    "request_id": request_id,
                    "quantity": event.quantity,
                    "delivered": ZERO,
                },
            )
            after = replace(before, committed=before.committed + event.quantity)
        elif isinstance(event, _R.Released):
            held = await _commitment(conn, event.match_id)
            await conn.execute(_DELETE_COMMITMENT, {"match_id": event.match_id})
            after = replace(
                before,
                committed=before.committed - held.quantity,
                delivered=before.delivered - held.delivered,
            )
        elif isinstance(event, _R.Received):
            held = await _commitment(conn, event.match_id)
            await conn.execute(_DELIVER, {"w_match_id": event.match_id, "delivered": event.quantity})
            after = replace(before, delivered=before.delivered - held.delivered + event.quantity)
        await _move(conn, request_id, before, after)


async def _share(conn: AsyncConnection, request_id: UUID) -> Share:
    row = (await conn.execute(_SHARE, {"request_id": request_id})).one()
    return Share(
        (row.crisis_id, row.member_state, row.sector), row.quantity, row.committed, row.delivered, row.live
    )


async def _commitment(conn: AsyncConnection, match_id: UUID) -> Any:
    return (await conn.execute(_COMMITMENT, {"match_id": match_id})).one()


async def _move(conn: AsyncConnection, request_id: UUID, before: Share | None, after: Share) -> None:
    """Record the request's new share, and change its cell (or cells, if its sector changed) by the
    difference."""
    crisis, state, sector = after.key
    values = {
        "crisis_id": crisis,
        "member_state": state,
        "sector": sector,
        "quantity": after.quantity,
        "committed": after.committed,
        "delivered": after.delivered,
        "live": after.live,
    }
    if before is None:
        await conn.execute(_INSERT_REQUEST, {"request_id": request_id, **values})
    else:
        await conn.execute(_UPDATE_REQUEST, {"w_request_id": request_id, **values})
    changes: dict[Key, list[Any]] = {}
    for share, sign in ((before, -1), (after, 1)):
        if share is None or not share.live:
            continue
        change = changes.setdefault(share.key, [0, [ZERO, ZERO, ZERO], [Counter(), Counter(), Counter()]])
        change[0] += sign
        for index, term in enumerate(share.terms()):
            change[1][index] += sign * term
            if places(term):
                change[2][index][str(places(term))] += sign
    for key, (count, sums, counted) in changes.items():
        await _change_cell(conn, key, count, sums, counted)


async def _change_cell(
    conn: AsyncConnection, key: Key, count: int, sums: list[Decimal], counted: list[Counter[str]]
) -> None:
    where = {"w_crisis_id": key[0], "w_member_state": key[1], "w_sector": key[2]}
    row = (await conn.execute(_CELL, where)).one_or_none()
    if row is None:
        await conn.execute(
            _INSERT_CELL,
            {
                "crisis_id": key[0],
                "member_state": key[1],
                "sector": key[2],
                "requests": count,
                **dict(zip(SUMS, sums, strict=True)),
                "places": _places({}, counted),
            },
        )
        return
    if row.requests + count == 0:
        await conn.execute(_DELETE_CELL, where)
        return
    await conn.execute(
        _UPDATE_CELL,
        {
            **where,
            "requests": row.requests + count,
            **{name: getattr(row, name) + change for name, change in zip(SUMS, sums, strict=True)},
            "places": _places(row.places, counted),
        },
    )


def _places(held: dict[str, dict[str, int]], counted: list[Counter[str]]) -> dict[str, dict[str, int]]:
    """Terms per number of decimal places, for each sum; places no term has are left out."""
    merged: dict[str, dict[str, int]] = {}
    for name, change in zip(SUMS, counted, strict=True):
        total = Counter(held.get(name, {}))
        total.update(change)
        kept = {p: n for p, n in sorted(total.items()) if n}
        if kept:
            merged[name] = kept
    return merged
