"""Cells of sums over shares, held for a batch (projections.held): what the coverage and the flow
totals read models keep. Each change of a share takes its old terms out of its cell and puts its
new ones in; a cell counts its live shares, and, per sum, its terms by number of decimal places, so
that a sum is shown with as many places as its longest term. A cell with no share left is deleted.

Also the flow totals' share of a flow (a pledge or a fund's allocation), which both of them keep."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import NoResultFound
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.funds import StabilityFund
from domain.pledges import Pledge
from projections.held import HeldRows
from projections.projector import ProjectorBase, handles

ZERO = Decimal(0)
Key = tuple[Any, ...]
#: A live share's cell and its terms, one per sum; None for no share, or one no longer live.
Terms = tuple[Key, Sequence[Decimal]] | None


def places(value: Decimal) -> int:
    """Decimal places of a quantity as the read models give it back (500, 2.5: no trailing zeros)."""
    if value == value.to_integral_value():
        return 0
    return max(0, -int(value.normalize().as_tuple().exponent))


def cell_of(key: Key) -> str:
    """A cell's key written out, its parts joined by colons (none as nothing)."""
    return ":".join("" if part is None else str(part) for part in key)


class SumCells:
    """``table``'s cells, held for a batch: the columns ``key_columns`` (the cell's key), ``count``
    (its live shares), ``sums`` and ``places``; keyed by those key columns, or, with ``named``, by
    the column ``cell`` holding the key written out (``cell_of``)."""

    def __init__(
        self, table: Table, key_columns: tuple[str, ...], count: str, sums: tuple[str, ...], named: bool
    ) -> None:
        self.held = HeldRows(table)
        self._key_columns = key_columns
        self._count = count
        self._sums = sums
        self._named = named

    async def move(self, conn: AsyncConnection, before: Terms, after: Terms) -> None:
        """Take ``before`` out of its cell and put ``after`` in its own (the same, or another).

        Called for every event a catch-up projects: plain lists and small dicts, the decimals
        added in the order the terms come (before's, then after's), each sum from zero."""
        if before is not None and after is not None and before[0] == after[0]:
            sums = [ZERO - old + new for old, new in zip(before[1], after[1], strict=True)]
            await self._change(conn, after[0], 0, sums, _counted(before[1], after[1]))
            return
        if before is not None:
            await self._change(
                conn, before[0], -1, [ZERO - term for term in before[1]], _counted(before[1], ())
            )
        if after is not None:
            await self._change(conn, after[0], 1, [ZERO + term for term in after[1]], _counted((), after[1]))

    async def write(self, conn: AsyncConnection) -> None:
        await self.held.write(conn)

    def clear(self) -> None:
        self.held.clear()

    async def _change(
        self, conn: AsyncConnection, key: Key, count: int, sums: list[Decimal], counted: Counted
    ) -> None:
        cells = self.held
        cell = cells.key(cell_of(key)) if self._named else cells.key(*key)
        row = await cells.get(conn, cell)
        if row is None:
            named = {"cell": cell[0], **dict(zip(self._key_columns, key, strict=True))}
            cells.put(
                cell,
                {
                    **(named if self._named else dict(zip(self._key_columns, cell, strict=True))),
                    self._count: count,
                    **dict(zip(self._sums, sums, strict=True)),
                    "places": self._places({}, counted),
                },
            )
            return
        if row[self._count] + count == 0:
            cells.remove(cell)
            return
        changed = {name: row[name] + change for name, change in zip(self._sums, sums, strict=True)}
        cells.change(
            cell,
            {
                self._count: row[self._count] + count,
                **changed,
                "places": self._places(row["places"], counted),
            },
        )

    def _places(self, held: dict[str, dict[str, int]], counted: Counted) -> dict[str, dict[str, int]]:
        """Terms per number of decimal places, for each sum; places no term has are left out."""
        merged: dict[str, dict[str, int]] = {}
        for index, name in enumerate(self._sums):
            total = held.get(name, {})
            change = counted.get(index)
            if change:
                total = dict(total)
                for number, terms in change.items():
                    total[number] = total.get(number, 0) + terms
            kept = {number: terms for number, terms in sorted(total.items()) if terms}
            if kept:
                merged[name] = kept
        return merged


#: Per sum (by its index), the change of its count of terms by number of decimal places (as text);
#: sums whose terms changed none are left out.
Counted = dict[int, dict[str, int]]


def _counted(before: Sequence[Decimal], after: Sequence[Decimal]) -> Counted:
    """How the terms ``after`` (counted in) and ``before`` (counted out) change each sum's count
    of terms by number of decimal places; whole numbers count under none."""
    counted: Counted = {}
    for terms, sign in ((before, -1), (after, 1)):
        for index, term in enumerate(terms):
            number = places(term)
            if number:
                change = counted.setdefault(index, {})
                text = str(number)
                change[text] = change.get(text, 0) + sign
    return counted


@dataclass(frozen=True)
class Share:
    """What one flow adds to its cell (nothing once cancelled); ``amount`` and ``paid``, in the
    pledge's currency, decide a pledge's status after a payment or a refund. The cell's key starts
    with the flow's source and its FTS status."""

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
        return replace(self, key=(self.key[0], status, *self.key[2:]))

    def paid_more(self, amount: Decimal, usd_amount: Decimal) -> Share:
        """After a payment (a refund: negative amounts): a live pledge's status follows."""
        after = replace(self, paid=self.paid + amount, usd_paid=self.usd_paid + usd_amount)
        return after.with_status(after.paid_status()) if after.live else after

    def disbursed(self, usd_amount: Decimal) -> Share:
        """An allocation after a disbursement (in dollars): paid once all of it is disbursed."""
        paid = self.paid + usd_amount
        after = replace(self, paid=paid, usd_paid=paid)
        return after.with_status(after.paid_status())

    def terms(self) -> Terms:
        return (self.key, (self.usd_amount, self.usd_paid)) if self.live else None


FLOW_SUMS = ("usd_amount", "usd_paid")


class HeldFlows:
    """The flows' shares (``table``: ``flow_id``, the cell's ``key_columns``, amount, paid,
    usd_amount, usd_paid, live, and any others a new flow is given) and the cells they add up to,
    held for a batch."""

    def __init__(self, cells: Table, flows: Table, key_columns: tuple[str, ...]) -> None:
        self.cells = SumCells(cells, key_columns, "flows", FLOW_SUMS, named=True)
        self.flows = HeldRows(flows)
        self._key_columns = key_columns

    async def share(self, conn: AsyncConnection, flow_id: Any) -> Share:
        row = await self.flows.get(conn, (flow_id,))
        if row is None:
            raise NoResultFound(f"no flow {flow_id} in {self.flows.table.name}")
        key = tuple(row[name] for name in self._key_columns)
        return Share(key, row["amount"], row["paid"], row["usd_amount"], row["usd_paid"], row["live"])

    async def move(
        self, conn: AsyncConnection, flow_id: Any, before: Share | None, after: Share, **new: Any
    ) -> None:
        """Record the flow's new share (a new flow's with the columns ``new``), and change its cell
        (or cells, if its key changed) by the difference."""
        values = {
            **dict(zip(self._key_columns, after.key, strict=True)),
            "amount": after.amount,
            "paid": after.paid,
            "usd_amount": after.usd_amount,
            "usd_paid": after.usd_paid,
            "live": after.live,
        }
        if before is None:
            self.flows.add((flow_id,), {"flow_id": flow_id, **new, **values})
        else:
            self.flows.change((flow_id,), values)
        await self.cells.move(conn, None if before is None else before.terms(), after.terms())

    async def write(self, conn: AsyncConnection) -> None:
        await self.cells.write(conn)
        await self.flows.write(conn)

    def clear(self) -> None:
        self.cells.clear()
        self.flows.clear()


class FlowSharesProjector(ProjectorBase):
    """What both flow totals projectors do alike: a pledge's commitment, payments, refunds and
    cancellation, and a fund allocation's disbursements, each a change of the flow's held share.
    A subclass sets ``_flows`` and handles how a flow is made (its cell's key)."""

    _flows: HeldFlows

    @handles(Pledge.Committed)
    async def _committed(self, event: Any, conn: AsyncConnection, position: int) -> None:
        before = await self._flows.share(conn, event.originator_id)
        await self._flows.move(conn, event.originator_id, before, before.with_status("commitment"))

    @handles(Pledge.PaymentRecorded)
    async def _paid(self, event: Any, conn: AsyncConnection, position: int) -> None:
        await self._pay(conn, event.originator_id, event.amount, event.usd_amount)

    @handles(Pledge.Refunded)
    async def _refunded(self, event: Any, conn: AsyncConnection, position: int) -> None:
        await self._pay(conn, event.originator_id, -event.amount, -event.usd_amount)

    @handles(Pledge.Cancelled)
    async def _cancelled(self, event: Any, conn: AsyncConnection, position: int) -> None:
        before = await self._flows.share(conn, event.originator_id)
        await self._flows.move(conn, event.originator_id, before, replace(before, live=False))

    @handles(StabilityFund.Disbursed)
    async def _disbursed(self, event: Any, conn: AsyncConnection, position: int) -> None:
        before = await self._flows.share(conn, event.allocation_id)
        await self._flows.move(conn, event.allocation_id, before, before.disbursed(event.usd_amount))

    async def _pay(self, conn: AsyncConnection, pledge_id: Any, amount: Decimal, usd_amount: Decimal) -> None:
        before = await self._flows.share(conn, pledge_id)
        await self._flows.move(conn, pledge_id, before, before.paid_more(amount, usd_amount))
