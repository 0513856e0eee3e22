"""Read models of money: pledges with their payments, funds with their allocations and ledgers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.funds import StabilityFund
from domain.pledges import Pledge, PledgeStatus
from projections.finance.tables import fund_allocations, fund_ledger, funds, pledge_payments, pledges
from projections.projector import ProjectorBase, handles, touch

ZERO = Decimal(0)
# The ledger's kind of entry for each total an event adds to (the values of FundLedgerKind).
_LEDGER_KINDS = {
    "received": "contribution",
    "refunded": "refund",
    "allocated": "allocation",
    "disbursed": "disbursement",
}
_P = Pledge
_F = StabilityFund


class FinanceProjector(ProjectorBase):
    name = "finance"
    tables: tuple[Table, ...] = (pledges, pledge_payments, funds, fund_allocations, fund_ledger)

    # Pledges.
    @handles(_P.Made)
    async def _made(self, event: _P.Made, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            insert(pledges).values(
                id=event.originator_id,
                organisation_id=event.organisation_id,
                destination_kind=event.destination_kind,
                destination_id=event.destination_id,
                amount=event.amount,
                currency=event.currency,
                usd_rate=event.usd_rate,
                rate_date=event.rate_date,
                usd_amount=event.usd_amount,
                earmarking=event.earmarking,
                in_kind=event.in_kind,
                status=PledgeStatus.PLEDGED.value,
                paid=ZERO,
                usd_paid=ZERO,
                pledged_at=event.timestamp,
                updated_at=event.timestamp,
                made_position=position,
                position=position,
            )
        )

    @handles(_P.Committed)
    async def _committed(self, event: _P.Committed, conn: AsyncConnection, position: int) -> None:
        await touch(
            conn, pledges, event, position,
            status=PledgeStatus.COMMITTED.value, due_date=event.due_date, committed_at=event.timestamp,
        )  # fmt: skip

    @handles(_P.PaymentRecorded)
    async def _paid(self, event: _P.PaymentRecorded, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            insert(pledge_payments).values(
                payment_id=event.payment_id,
                pledge_id=event.originator_id,
                amount=event.amount,
                usd_amount=event.usd_amount,
                paid_on=event.paid_on,
                refunded=ZERO,
                usd_refunded=ZERO,
            )
        )
        await touch(conn, pledges, event, position, last_paid_on=event.paid_on)
        await self._recount(conn, event.originator_id)

    @handles(_P.Refunded)
    async def _refunded(self, event: _P.Refunded, conn: AsyncConnection, position: int) -> None:
        payment = (
            await conn.execute(
                select(pledge_payments.c.refunded, pledge_payments.c.usd_refunded).where(
                    pledge_payments.c.payment_id == event.payment_id
                )
            )
        ).one()
        await conn.execute(
            update(pledge_payments)
            .where(pledge_payments.c.payment_id == event.payment_id)
            .values(
                refunded=payment.refunded + event.amount, usd_refunded=payment.usd_refunded + event.usd_amount
            )
        )
        await touch(conn, pledges, event, position)
        await self._recount(conn, event.originator_id)

    @handles(_P.Cancelled)
    async def _cancelled(self, event: _P.Cancelled, conn: AsyncConnection, position: int) -> None:
        await touch(conn, pledges, event, position, status=PledgeStatus.CANCELLED.value)

    @staticmethod
    async def _recount(conn: AsyncConnection, pledge_id: Any) -> None:
        """Paid totals and status from the payments, as the aggregate derives them."""
        p = pledge_payments.c
        rows = (
            await conn.execute(
                select(p.amount, p.usd_amount, p.refunded, p.usd_refunded).where(p.pledge_id == pledge_id)
            )
        ).all()
        paid = sum((r.amount - r.refunded for r in rows), ZERO)
        usd_paid = sum((r.usd_amount - r.usd_refunded for r in rows), ZERO)
        current = (
            await conn.execute(select(pledges.c.amount, pledges.c.status).where(pledges.c.id == pledge_id))
        ).one()
        if current.status == PledgeStatus.CANCELLED.value:
            status = current.status
        elif paid >= current.amount:
            status = PledgeStatus.PAID.value
        elif paid > 0:
            status = PledgeStatus.PARTIALLY_PAID.value
        else:
            status = PledgeStatus.COMMITTED.value
        await conn.execute(
            update(pledges)
            .where(pledges.c.id == pledge_id)
            .values(paid=paid, usd_paid=usd_paid, status=status)
        )

    # Funds.
    @handles(_F.Opened)
    async def _opened(self, event: _F.Opened, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            insert(funds).values(
                id=event.originator_id,
                name=event.name,
                member_state=event.member_state,
                received=ZERO,
                refunded=ZERO,
                allocated=ZERO,
                disbursed=ZERO,
                opened_at=event.timestamp,
                updated_at=event.timestamp,
                opened_position=position,
                position=position,
            )
        )

    @handles(_F.ContributionReceived)
    async def _received(self, event: _F.ContributionReceived, conn: AsyncConnection, position: int) -> None:
        # The pledge's payment comes before the fund's receipt in the log: both are saved at once.
        p = pledge_payments.c
        paid_on = await conn.scalar(select(p.paid_on).where(p.payment_id == event.payment_id))
        await self._add(conn, event, position, "received", event.usd_amount, value_date=paid_on)

    @handles(_F.ContributionRefunded)
    async def _returned(self, event: _F.ContributionRefunded, conn: AsyncConnection, position: int) -> None:
        await self._add(conn, event, position, "refunded", event.usd_amount)

    @handles(_F.AllocationApproved)
    async def _allocated(self, event: _F.AllocationApproved, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            insert(fund_allocations).values(
                allocation_id=event.allocation_id,
                fund_id=event.originator_id,
                version=event.originator_version,
                window=event.window,
                destination_kind=event.destination_kind,
                destination_id=event.destination_id,
                usd_amount=event.usd_amount,
                disbursed=ZERO,
                rationale=event.rationale,
                decided_by=event.actor.principal,
                decided_at=event.timestamp,
            )
        )
        await self._add(
            conn, event, position, "allocated", event.usd_amount, allocation_id=event.allocation_id
        )

    @handles(_F.Disbursed)
    async def _disbursed(self, event: _F.Disbursed, conn: AsyncConnection, position: int) -> None:
        a = fund_allocations.c
        before = await conn.scalar(select(a.disbursed).where(a.allocation_id == event.allocation_id))
        await conn.execute(
            update(fund_allocations)
            .where(a.allocation_id == event.allocation_id)
            .values(disbursed=(before or ZERO) + event.usd_amount)
        )
        await self._add(
            conn, event, position, "disbursed", event.usd_amount,
            allocation_id=event.allocation_id, disbursement_id=event.disbursement_id,
        )  # fmt: skip

    @staticmethod
    async def _add(
        conn: AsyncConnection,
        event: Any,
        position: int,
        column: str,
        amount: Decimal,
        *,
        value_date: date | None = None,
        allocation_id: Any = None,
        disbursement_id: Any = None,
    ) -> None:
        """The fund's total in ``column`` grows by ``amount``; its ledger gains the entry and the totals.
        ``value_date``: when the money moved, where the event says; else the day it was recorded."""
        f = funds.c
        # Summed in Python: SQLite would add the stored decimals as binary floats.
        query = select(f.received, f.refunded, f.allocated, f.disbursed).where(f.id == event.originator_id)
        totals = (await conn.execute(query)).one()._asdict()
        totals[column] += amount
        await touch(conn, funds, event, position, **{column: totals[column]})
        received = totals["received"] - totals["refunded"]
        await conn.execute(
            insert(fund_ledger).values(
                fund_id=event.originator_id,
                version=event.originator_version,
                at=event.timestamp,
                kind=_LEDGER_KINDS[column],
                usd_amount=amount,
                received=received,
                allocated=totals["allocated"],
                disbursed=totals["disbursed"],
                balance=received - totals["allocated"],
                position=position,
                value_date=value_date or event.timestamp.date(),
                allocation_id=allocation_id,
                disbursement_id=disbursement_id,
            )
        )
