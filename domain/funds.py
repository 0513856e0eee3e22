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
from domain.errors import InvalidInput, InvalidTransition
from domain.money import check_amount
from domain.pledges import DestinationKind
from domain.requests import text

ZERO = Decimal(0)


class FundWindow(enum.Enum):
    STANDARD = "standard"
    RESERVE = "reserve"


@dataclass(frozen=True)
class Allocation:
    window: FundWindow
    destination_kind: DestinationKind
    destination_id: UUID
    usd_amount: Decimal
    rationale: str
    decided_by: str
    disbursed: Decimal = ZERO


class InsufficientBalance(InvalidTransition):
    """The fund does not hold enough to do this; its balance never goes negative."""


class StabilityFund(Aggregate):
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
            aggregate.allocations[self.allocation_id] = Allocation(
                FundWindow(self.window),
                DestinationKind(self.destination_kind),
                self.destination_id,
                self.usd_amount,
                self.rationale,
                self.actor.principal,
            )

    class Disbursed(Aggregate.Event):
        actor: Actor
        allocation_id: UUID
        disbursement_id: UUID
        usd_amount: Decimal

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, StabilityFund)
            held = aggregate.allocations[self.allocation_id]
            aggregate.allocations[self.allocation_id] = dataclasses.replace(
                held, disbursed=held.disbursed + self.usd_amount
            )

    def __init__(self, actor: Actor, name: str, member_state: str | None) -> None:
        self.opened_by = actor
        self.name = name
        self.member_state = MemberState(member_state) if member_state else None
        self.received = ZERO
        self.refunded = ZERO
        self.allocations: dict[UUID, Allocation] = {}

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
    def allocated(self) -> Decimal:
        return sum((a.usd_amount for a in self.allocations.values()), ZERO)

    @property
    def disbursed(self) -> Decimal:
        return sum((a.disbursed for a in self.allocations.values()), ZERO)

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
        allocation = self.allocations.get(allocation_id)
        if allocation is None:
            raise InvalidInput("allocationId", f"fund {self.id} has no allocation {allocation_id}")
        check_amount(usd_amount, "USD", "usdAmount")
        if allocation.disbursed + usd_amount > allocation.usd_amount:
            raise InvalidInput(
                "usdAmount",
                f"{usd_amount} USD would exceed the allocation ({allocation.disbursed} of "
                f"{allocation.usd_amount} USD disbursed)",
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
