"""Keeps the receiver flow totals: each pledge or allocation event takes the flow's old share out of
its cell and puts the new one in, and an amendment that changes a request's sector moves each of its
flows' shares to the new sector's cell, so that a cell always holds the sums over its live flows, as
the flows in the FTS shape (projections/flows/queries.py) would add up."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.funds import StabilityFund
from domain.pledges import Pledge
from domain.projects import Project
from domain.requests import AssistanceRequest
from projections.projector import ProjectorBase, handles
from projections.receiver_flow_totals.tables import (
    receiver_flow_totals,
    receiver_flow_totals_destinations,
    receiver_flow_totals_flows,
)

ZERO = Decimal(0)
SUMS = ("usd_amount", "usd_paid")
#: source, FTS status, year, receiving member state, sector and crisis
Key = tuple[UUID, str, int, str | None, str | None, UUID | None]
KEY_COLUMNS = ("source_id", "status", "year", "member_state", "sector", "crisis_id")
_P = Pledge
_F = StabilityFund
_flow = receiver_flow_totals_flows.c
_dest = receiver_flow_totals_destinations.c
_cell = receiver_flow_totals.c

# Statements built once: a catch-up runs them for every flow event.
_INSERT_DESTINATION = insert(receiver_flow_totals_destinations)
_DESTINATION = select(_dest.crisis_id, _dest.member_state, _dest.sector).where(_dest.id == bindparam("id"))
_RESECTOR = (
    update(receiver_flow_totals_destinations)
    .where(_dest.id == bindparam("w_id"))
    .values(sector=bindparam("sector"))
)
_SHARE_COLUMNS = (*KEY_COLUMNS, "amount", "paid", "usd_amount", "usd_paid", "live")
_INSERT_FLOW = insert(receiver_flow_totals_flows)
_UPDATE_FLOW = (
    update(receiver_flow_totals_flows)
    .where(_flow.flow_id == bindparam("w_flow_id"))
    .values({name: bindparam(name) for name in _SHARE_COLUMNS})
)
_FLOW = select(receiver_flow_totals_flows).where(_flow.flow_id == bindparam("flow_id"))
_FLOWS_TO = (
    select(receiver_flow_totals_flows)
    .where(_flow.destination_id == bindparam("destination_id"))
    .order_by(_flow.flow_id)
)
_CELL = select(receiver_flow_totals).where(_cell.cell == bindparam("w_cell"))
_INSERT_CELL = insert(receiver_flow_totals)
_DELETE_CELL = delete(receiver_flow_totals).where(_cell.cell == bindparam("w_cell"))
_UPDATE_CELL = (
    update(receiver_flow_totals)
    .where(_cell.cell == bindparam("w_cell"))
    .values({name: bindparam(name) for name in ("flows", *SUMS, "places")})
)


def places(value: Decimal) -> int:
    """Decimal places of an amount as the read models give it back (500, 2.5: no trailing zeros)."""
    if value == value.to_integral_value():
        return 0
    return max(0, -int(value.normalize().as_tuple().exponent))


def cell_of(key: Key) -> str:
    return ":".join("" if part is None else str(part) for part in key)


@dataclass(frozen=True)
class Share:
    """What one flow adds to its cell (nothing once cancelled); ``amount`` and ``paid``, in the
    pledge's currency, decide a pledge's status after a payment or a refund."""

    key: Key
    amount: Decimal
    paid: Decimal
    usd_amount: Decimal
    usd_paid: Decimal
    live: bool = True

    def paid_status(self) -> str:
        """As the finance read model derives it after a payment (committed or partially paid are
        both an FTS commitment)."""
        return "paid" if self.paid >= self.amount else "commitment"

    def with_status(self, status: str) -> Share:
        source, _, year, state, sector, crisis = self.key
        return replace(self, key=(source, status, year, state, sector, crisis))

    def with_sector(self, sector: str) -> Share:
        source, status, year, state, _, crisis = self.key
        return replace(self, key=(source, status, year, state, sector, crisis))


class ReceiverFlowTotalsProjector(ProjectorBase):
    name = "receiver_flow_totals"
    tables: tuple[Table, ...] = (
        receiver_flow_totals,
        receiver_flow_totals_flows,
        receiver_flow_totals_destinations,
    )

    @handles(AssistanceRequest.Posted, Project.Registered)
    async def _destination(self, event: Any, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            _INSERT_DESTINATION,
            {
                "id": event.originator_id,
                "crisis_id": event.crisis_id,
                "member_state": event.member_state,
                "sector": event.sector,
            },
        )

    @handles(AssistanceRequest.Amended)
    async def _amended(self, event: AssistanceRequest.Amended, conn: AsyncConnection, position: int) -> None:
        """A new sector moves each of the request's flows to the new sector's cell."""
        request_id = event.originator_id
        held = (await conn.execute(_DESTINATION, {"id": request_id})).one()
        if held.sector == event.sector:
            return
        await conn.execute(_RESECTOR, {"w_id": request_id, "sector": event.sector})
        for row in (await conn.execute(_FLOWS_TO, {"destination_id": request_id})).all():
            before = _share_of(row)
            await _move(conn, row.flow_id, None, before, before.with_sector(event.sector))

    @handles(_P.Made)
    async def _made(self, event: _P.Made, conn: AsyncConnection, position: int) -> None:
        state: str | None = None
        sector: str | None = None
        crisis: UUID | None = None
        if event.destination_kind == "crisis":
            crisis = event.destination_id
        else:
            held = (await conn.execute(_DESTINATION, {"id": event.destination_id})).one_or_none()
            if held is not None:
                crisis, state, sector = held.crisis_id, held.member_state, held.sector
        key = (event.organisation_id, "pledge", event.timestamp.date().year, state, sector, crisis)
        share = Share(key, event.amount, ZERO, event.usd_amount, ZERO)
        await _move(conn, event.originator_id, event.destination_id, None, share)

    @handles(_P.Committed)
    async def _committed(self, event: _P.Committed, conn: AsyncConnection, position: int) -> None:
        before = await _share(conn, event.originator_id)
        await _move(conn, event.originator_id, None, before, before.with_status("commitment"))

    @handles(_P.PaymentRecorded)
    async def _paid(self, event: _P.PaymentRecorded, conn: AsyncConnection, position: int) -> None:
        await _pay(conn, event.originator_id, event.amount, event.usd_amount)

    @handles(_P.Refunded)
    async def _refunded(self, event: _P.Refunded, conn: AsyncConnection, position: int) -> None:
        await _pay(conn, event.originator_id, -event.amount, -event.usd_amount)

    @handles(_P.Cancelled)
    async def _cancelled(self, event: _P.Cancelled, conn: AsyncConnection, position: int) -> None:
        before = await _share(conn, event.originator_id)
        await _move(conn, event.originator_id, None, before, replace(before, live=False))

    @handles(_F.AllocationApproved)
    async def _allocated(self, event: _F.AllocationApproved, conn: AsyncConnection, position: int) -> None:
        held = (await conn.execute(_DESTINATION, {"id": event.destination_id})).one_or_none()
        crisis, state, sector = (
            (held.crisis_id, held.member_state, held.sector) if held else (None, None, None)
        )
        usd = event.usd_amount
        status = "paid" if usd <= ZERO else "commitment"
        key = (event.originator_id, status, event.timestamp.date().year, state, sector, crisis)
        await _move(conn, event.allocation_id, event.destination_id, None, Share(key, usd, ZERO, usd, ZERO))

    @handles(_F.Disbursed)
    async def _disbursed(self, event: _F.Disbursed, conn: AsyncConnection, position: int) -> None:
        before = await _share(conn, event.allocation_id)
        paid = before.paid + event.usd_amount
        after = replace(before, paid=paid, usd_paid=paid)
        await _move(conn, event.allocation_id, None, before, after.with_status(after.paid_status()))


async def _pay(conn: AsyncConnection, pledge_id: UUID, amount: Decimal, usd_amount: Decimal) -> None:
    before = await _share(conn, pledge_id)
    after = replace(before, paid=before.paid + amount, usd_paid=before.usd_paid + usd_amount)
    if after.live:
        after = after.with_status(after.paid_status())
    await _move(conn, pledge_id, None, before, after)


def _share_of(row: Any) -> Share:
    key = (row.source_id, row.status, row.year, row.member_state, row.sector, row.crisis_id)
    return Share(key, row.amount, row.paid, row.usd_amount, row.usd_paid, row.live)


async def _share(conn: AsyncConnection, flow_id: UUID) -> Share:
    return _share_of((await conn.execute(_FLOW, {"flow_id": flow_id})).one())


async def _move(
    conn: AsyncConnection, flow_id: UUID, destination_id: UUID | None, before: Share | None, after: Share
) -> None:
    """Record the flow's new share (a new flow's with what it was given to), and change its cell (or
    cells, if its status or sector changed) by the difference."""
    values = {
        **dict(zip(KEY_COLUMNS, after.key, strict=True)),
        "amount": after.amount,
        "paid": after.paid,
        "usd_amount": after.usd_amount,
        "usd_paid": after.usd_paid,
        "live": after.live,
    }
    if before is None:
        await conn.execute(_INSERT_FLOW, {"flow_id": flow_id, "destination_id": destination_id, **values})
    else:
        await conn.execute(_UPDATE_FLOW, {"w_flow_id": flow_id, **values})
    changes: dict[Key, list[Any]] = {}
    for share, sign in ((before, -1), (after, 1)):
        if share is None or not share.live:
            continue
        change = changes.setdefault(share.key, [0, [ZERO, ZERO], [Counter(), Counter()]])
        change[0] += sign
        for index, term in enumerate((share.usd_amount, share.usd_paid)):
            change[1][index] += sign * term
            if places(term):
                change[2][index][str(places(term))] += sign
    for key, (count, sums, counted) in changes.items():
        await _change_cell(conn, key, count, sums, counted)


async def _change_cell(
    conn: AsyncConnection, key: Key, count: int, sums: list[Decimal], counted: list[Counter[str]]
) -> None:
    cell = cell_of(key)
    row = (await conn.execute(_CELL, {"w_cell": cell})).one_or_none()
    if row is None:
        await conn.execute(
            _INSERT_CELL,
            {
                "cell": cell,
                **dict(zip(KEY_COLUMNS, key, strict=True)),
                "flows": count,
                **dict(zip(SUMS, sums, strict=True)),
                "places": _places({}, counted),
            },
        )
        return
    if row.flows + count == 0:
        await conn.execute(_DELETE_CELL, {"w_cell": cell})
        return
    await conn.execute(
        _UPDATE_CELL,
        {
            "w_cell": cell,
            "flows": row.flows + count,
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
