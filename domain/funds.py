"""The Stability Fund (annex V.3 of the Plan of Action): a ledger, in US dollars, of contributions
received, allocations approved and disbursements made. Pooled-fund practice (OCHA CBPF/CERF):
a standard window for planned, reviewed allocations and a reserve window for rapid ones."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState
from domain.errors import InvalidInput, InvalidTransition, Refusal
from domain.money import check_amount
from domain.pledges import DestinationKind
from domain.text import text

ZERO = Decimal(0)


class FundWindow(enum.Enum):
    STANDARD = "standard"
    RESERVE = "reserve"


@dataclass(frozen=True)
class AllocationBalance:
    """What the fund's invariants need of an allocation still open: its amount and what was paid out.
    Who decided, and why, is on its event and in the read model; the fund need not carry it."""

    usd_amount: Decimal
    disbursed: Decimal = ZERO

    @property
    def undisbursed(self) -> Decimal:
        return self.usd_amount - self.disbursed


@dataclass(frozen=True)
class Allocation:
    """An allocation as snapshots of a fund held it before ``class_version`` 2, every one in full:
    kept so that those snapshots decode (their values name this class); ``upcast_v1_v2`` reads it."""

    window: FundWindow
    destination_kind: DestinationKind
    destination_id: UUID
    usd_amount: Decimal
    rationale: str
    decided_by: str
    disbursed: Decimal = ZERO


class InsufficientBalance(InvalidTransition):
    """The fund does not hold enough to do this; its balance never goes negative."""

    refusal = Refusal.INSUFFICIENT_BALANCE


class StabilityFund(Aggregate):
    """Its state keeps running totals and the open allocations only, so that a command's cost
    (and a snapshot's size) does not grow with the fund's history."""

    class_version = 2  # v1 snapshots held every allocation in full: see upcast_v1_v2

    class Opened(Aggregate.Created):
        actor: Actor
        name: str
        member_state: str | None  # a country window; None for the regional fund

    class ContributionReceived(Aggregate.Event):
        actor: Actor
        pledge_id: UUID
        payment_id: UUID
        usd_amount: Decimal

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, StabilityFund)
            aggregate.received += self.usd_amount

    class ContributionRefunded(Aggregate.Event):
        actor: Actor
        pledge_id: UUID
        payment_id: UUID
        usd_amount: Decimal

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, StabilityFund)
            aggregate.refunded += self.usd_amount

    class AllocationApproved(Aggregate.Event):
        """A decision on record: who, when (the event's time), which window, and why."""

        actor: Actor
        allocation_id: UUID
        window: str
        destination_kind: str
        destination_id: UUID
        usd_amount: Decimal
        rationale: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, StabilityFund)
            aggregate.allocated += self.usd_amount
            aggregate.open_allocations[self.allocation_id] = AllocationBalance(self.usd_amount)

    class Disbursed(Aggregate.Event):
        actor: Actor
        allocation_id: UUID
        disbursement_id: UUID
        usd_amount: Decimal

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, StabilityFund)
            aggregate.disbursed += self.usd_amount
            held = aggregate.open_allocations.pop(self.allocation_id)
            after = dataclasses.replace(held, disbursed=held.disbursed + self.usd_amount)
            if after.undisbursed > 0:
                aggregate.open_allocations[self.allocation_id] = after

    def __init__(self, actor: Actor, name: str, member_state: str | None) -> None:
        self.opened_by = actor
        self.name = name
        self.member_state = MemberState(member_state) if member_state else None
        self.received = ZERO
        self.refunded = ZERO
        self.allocated = ZERO
        self.disbursed = ZERO
        # Only allocations not yet fully disbursed: the state stays as small as the open ones.
        self.open_allocations: dict[UUID, AllocationBalance] = {}

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot from before v2 holds every allocation in full and no totals: the totals are
        summed from them once, and only the open allocations' balances are kept."""
        allocations: dict[UUID, Allocation] = state.pop("allocations")
        state["allocated"] = sum((a.usd_amount for a in allocations.values()), ZERO)
        state["disbursed"] = sum((a.disbursed for a in allocations.values()), ZERO)
        state["open_allocations"] = {
            allocation_id: AllocationBalance(a.usd_amount, a.disbursed)
            for allocation_id, a in allocations.items()
            if a.disbursed < a.usd_amount
        }

    @classmethod
    def open(cls, name: str, *, member_state: MemberState | None = None, actor: Actor) -> StabilityFund:
        name = text("name", name, 200, required=True)
        return cls._create(
            cls.Opened,
            id=uuid4(),
            actor=actor,
            name=name,
            member_state=member_state.value if member_state else None,
        )

    @property
    def balance(self) -> Decimal:
        """What may still be allocated: received, less refunded, less allocated. Never negative."""
        return self.received - self.refunded - self.allocated

    def receive(self, pledge_id: UUID, payment_id: UUID, usd_amount: Decimal, *, actor: Actor) -> None:
        self.trigger_event(
            self.ContributionReceived,
            actor=actor,
            pledge_id=pledge_id,
            payment_id=payment_id,
            usd_amount=usd_amount,
        )

    def return_contribution(
        self, pledge_id: UUID, payment_id: UUID, usd_amount: Decimal, *, actor: Actor
    ) -> None:
        if usd_amount > self.balance:
            raise InsufficientBalance(
                f"refunding {usd_amount} USD needs an unallocated balance; the fund has {self.balance} USD"
            )
        self.trigger_event(
            self.ContributionRefunded,
            actor=actor,
            pledge_id=pledge_id,
            payment_id=payment_id,
            usd_amount=usd_amount,
        )

    def allocate(
        self,
        window: FundWindow,
        destination_kind: DestinationKind,
        destination_id: UUID,
        usd_amount: Decimal,
        rationale: str,
        *,
        actor: Actor,
    ) -> UUID:
        check_amount(usd_amount, "USD", "usdAmount")
        if destination_kind not in (DestinationKind.REQUEST, DestinationKind.PROJECT):
            raise InvalidInput("destination", "the fund allocates to requests and projects")
        rationale = text("rationale", rationale, 4000, required=True)
        if usd_amount > self.balance:
            raise InsufficientBalance(f"the fund holds {self.balance} USD unallocated, not {usd_amount}")
        allocation_id = uuid4()
        self.trigger_event(
            self.AllocationApproved,
            actor=actor,
            allocation_id=allocation_id,
            window=window.value,
            destination_kind=destination_kind.value,
            destination_id=destination_id,
            usd_amount=usd_amount,
            rationale=rationale,
        )
        return allocation_id

    def disburse(self, allocation_id: UUID, usd_amount: Decimal, *, actor: Actor) -> UUID:
        allocation = self.open_allocations.get(allocation_id)
        if allocation is None:
            raise InvalidInput(
                "allocationId",
                f"fund {self.id} has no open allocation {allocation_id}: none was approved with "
                "this id, or it is fully disbursed",
            )
        check_amount(usd_amount, "USD", "usdAmount")
        if usd_amount > allocation.undisbursed:
            raise InvalidInput(
                "usdAmount",
                f"{usd_amount} USD would exceed the allocation ({allocation.disbursed} of "
                f"{allocation.usd_amount} USD disbursed)",
                refusal=Refusal.OVER_DISBURSEMENT,
            )
        disbursement_id = uuid4()
        self.trigger_event(
            self.Disbursed,
            actor=actor,
            allocation_id=allocation_id,
            disbursement_id=disbursement_id,
            usd_amount=usd_amount,
        )
        return disbursement_id
