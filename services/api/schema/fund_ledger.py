"""A Stability Fund's ledger over time, replayed from its events: the balance after each entry."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from domain.funds import StabilityFund

ZERO = Decimal(0)


@strawberry.enum(description="What moved money in or out of a fund")
class FundLedgerKind(enum.Enum):
    CONTRIBUTION = "contribution"
    REFUND = "refund"
    ALLOCATION = "allocation"
    DISBURSEMENT = "disbursement"


@strawberry.type(description="One entry of a fund's ledger, in US dollars, with the totals after it.")
class FundLedgerEntry:
    at: datetime
    kind: FundLedgerKind
    usd_amount: Decimal
    received: Decimal = strawberry.field(description="contributions received less refunds, so far")
    allocated: Decimal
    disbursed: Decimal
    balance: Decimal = strawberry.field(description="unallocated after this entry")


_KINDS: dict[type[Any], FundLedgerKind] = {
    StabilityFund.ContributionReceived: FundLedgerKind.CONTRIBUTION,
    StabilityFund.ContributionRefunded: FundLedgerKind.REFUND,
    StabilityFund.AllocationApproved: FundLedgerKind.ALLOCATION,
    StabilityFund.Disbursed: FundLedgerKind.DISBURSEMENT,
}


def ledger_of(events: Iterable[Any]) -> list[FundLedgerEntry]:
    """Running totals as the aggregate keeps them, one entry per money event, oldest first."""
    received = allocated = disbursed = ZERO
    entries = []
    for event in events:
        kind = _KINDS.get(type(event))
        if kind is None:
            continue
        amount: Decimal = event.usd_amount
        if kind is FundLedgerKind.CONTRIBUTION:
            received += amount
        elif kind is FundLedgerKind.REFUND:
            received -= amount
        elif kind is FundLedgerKind.ALLOCATION:
            allocated += amount
        else:
            disbursed += amount
        entries.append(
            FundLedgerEntry(
                at=event.timestamp,
                kind=kind,
                usd_amount=amount,
                received=received,
                allocated=allocated,
                disbursed=disbursed,
                balance=received - allocated,
            )
        )
    return entries
