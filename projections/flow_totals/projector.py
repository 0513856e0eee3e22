"""Keeps the flow totals: each pledge or allocation event takes the flow's old share out of its cell
and puts the new one in, so that a cell always holds the sums over its live flows, as the flows in
the FTS shape (projections/flows/queries.py) would add up."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Table
from sqlalchemy.exc import NoResultFound
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.funds import StabilityFund
from domain.pledges import Pledge
from domain.projects import Project
from domain.requests import AssistanceRequest
from projections.flow_totals.tables import flow_totals, flow_totals_destinations, flow_totals_flows
from projections.held import HeldRows
from projections.projector import ProjectorBase, handles

ZERO = Decimal(0)
SUMS = ("usd_amount", "usd_paid")
Key = tuple[UUID, str, int, UUID | None]  # source, FTS status, year, crisis
_P = Pledge
_F = StabilityFund


def places(value: Decimal) -> int:
    """Decimal places of an amount as the read models give it back (500, 2.5: no trailing zeros)."""
    if value == value.to_integral_value():
        return 0
    return max(0, -int(value.normalize().as_tuple().exponent))


def cell_of(key: Key) -> str:
    source, status, year, crisis = key
    return f"{source}:{status}:{year}:{crisis or ''}"


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


class FlowTotalsProjector(ProjectorBase):
    """Its cells, the flows' shares and the destinations' crises are held for a batch
    (projections.held): a catch-up's thousands of flows read and rewrote the same few cells."""

    name = "flow_totals"
    tables: tuple[Table, ...] = (flow_totals, flow_totals_flows, flow_totals_destinations)

    def __init__(self) -> None:
        self._cells = HeldRows(flow_totals)
        self._flows = HeldRows(flow_totals_flows)
        self._destinations = HeldRows(flow_totals_destinations)

    async def end_batch(self, conn: AsyncConnection) -> None:
        for held in (self._cells, self._flows, self._destinations):
            await held.write(conn)

    def drop_batch(self) -> None:
        for held in (self._cells, self._flows, self._destinations):
            held.clear()

    @handles(AssistanceRequest.Posted, Project.Registered)
    async def _destination(self, event: Any, conn: AsyncConnection, position: int) -> None:
        self._destinations.add(
            (event.originator_id,), {"id": event.originator_id, "crisis_id": event.crisis_id}
        )

    @handles(_P.Made)
    async def _made(self, event: _P.Made, conn: AsyncConnection, position: int) -> None:
        if event.destination_kind == "crisis":
            crisis: UUID | None = event.destination_id
        else:
            crisis = await self._crisis_of(conn, event.destination_id)
        key = (event.organisation_id, "pledge", event.timestamp.date().year, crisis)
        await self._move(
            conn, event.originator_id, None, Share(key, event.amount, ZERO, event.usd_amount, ZERO)
        )

    @handles(_P.Committed)
    async def _committed(self, event: _P.Committed, conn: AsyncConnection, position: int) -> None:
        before = await self._share(conn, event.originator_id)
        await self._move(conn, event.originator_id, before, _status(before, "commitment"))

    @handles(_P.PaymentRecorded)
    async def _paid(self, event: _P.PaymentRecorded, conn: AsyncConnection, position: int) -> None:
        await self._pay(conn, event.originator_id, event.amount, event.usd_amount)

    @handles(_P.Refunded)
    async def _refunded(self, event: _P.Refunded, conn: AsyncConnection, position: int) -> None:
        await self._pay(conn, event.originator_id, -event.amount, -event.usd_amount)

    @handles(_P.Cancelled)
    async def _cancelled(self, event: _P.Cancelled, conn: AsyncConnection, position: int) -> None:
        before = await self._share(conn, event.originator_id)
        await self._move(conn, event.originator_id, before, replace(before, live=False))

    @handles(_F.AllocationApproved)
    async def _allocated(self, event: _F.AllocationApproved, conn: AsyncConnection, position: int) -> None:
        crisis = await self._crisis_of(conn, event.destination_id)
        usd = event.usd_amount
        status = "paid" if usd <= ZERO else "commitment"
        key = (event.originator_id, status, event.timestamp.date().year, crisis)
        await self._move(conn, event.allocation_id, None, Share(key, usd, ZERO, usd, ZERO))

    @handles(_F.Disbursed)
    async def _disbursed(self, event: _F.Disbursed, conn: AsyncConnection, position: int) -> None:
        before = await self._share(conn, event.allocation_id)
        paid = before.paid + event.usd_amount
        after = replace(before, paid=paid, usd_paid=paid)
        await self._move(conn, event.allocation_id, before, _status(after, after.paid_status()))

    async def _pay(
        self, conn: AsyncConnection, pledge_id: UUID, amount: Decimal, usd_amount: Decimal
    ) -> None:
        before = await self._share(conn, pledge_id)
        after = replace(before, paid=before.paid + amount, usd_paid=before.usd_paid + usd_amount)
        if after.live:
            after = _status(after, after.paid_status())
        await self._move(conn, pledge_id, before, after)

    async def _crisis_of(self, conn: AsyncConnection, destination_id: UUID) -> UUID | None:
        row = await self._destinations.get(conn, (destination_id,))
        return None if row is None else row["crisis_id"]

    async def _share(self, conn: AsyncConnection, flow_id: UUID) -> Share:
        row = await self._flows.get(conn, (flow_id,))
        if row is None:
            raise NoResultFound(f"no flow {flow_id} in flow_totals_flows")
        key = (row["source_id"], row["status"], row["year"], row["crisis_id"])
        return Share(key, row["amount"], row["paid"], row["usd_amount"], row["usd_paid"], row["live"])

    async def _move(self, conn: AsyncConnection, flow_id: UUID, before: Share | None, after: Share) -> None:
        """Record the flow's new share, and change its cell (or cells, if its status changed) by
        the difference."""
        source, status, year, crisis = after.key
        row = {
            "flow_id": flow_id,
            "source_id": source,
            "status": status,
            "year": year,
            "crisis_id": crisis,
            "amount": after.amount,
            "paid": after.paid,
            "usd_amount": after.usd_amount,
            "usd_paid": after.usd_paid,
            "live": after.live,
        }
        if before is None:
            self._flows.add((flow_id,), row)
        else:
            self._flows.put((flow_id,), row)
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
            await self._change_cell(conn, key, count, sums, counted)

    async def _change_cell(
        self, conn: AsyncConnection, key: Key, count: int, sums: list[Decimal], counted: list[Counter[str]]
    ) -> None:
        cells = self._cells
        cell = cells.key(cell_of(key))
        row = await cells.get(conn, cell)
        if row is None:
            source, status, year, crisis = key
            cells.put(
                cell,
                {
                    "cell": cell[0],
                    "source_id": source,
                    "status": status,
                    "year": year,
                    "crisis_id": crisis,
                    "flows": count,
                    **dict(zip(SUMS, sums, strict=True)),
                    "places": _places({}, counted),
                },
            )
            return
        if row["flows"] + count == 0:
            cells.remove(cell)
            return
        changed = {name: row[name] + change for name, change in zip(SUMS, sums, strict=True)}
        cells.change(
            cell, {"flows": row["flows"] + count, **changed, "places": _places(row["places"], counted)}
        )


def _status(share: Share, status: str) -> Share:
    source, _, year, crisis = share.key
    return replace(share, key=(source, status, year, crisis))


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
