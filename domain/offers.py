"""An offer of assistance, from a donor organisation or a member state, and what is allocated of it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState, Sector
from domain.errors import InvalidInput, InvalidTransition, Refusal
from domain.requests import REASON_MAX, UNIT_MAX, ZERO, check_item, check_quantity
from domain.text import check_characters, text


class DeliveryMode(enum.Enum):
    IN_KIND = "in-kind"
    SERVICE = "service"  # personnel, teams, services
    CASH = "cash"


class OfferStatus(enum.Enum):
    OPEN = "open"
    PARTIALLY_ALLOCATED = "partially-allocated"
    FULLY_ALLOCATED = "fully-allocated"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Terms:
    """What is offered, when, and to whom."""

    sector: Sector
    item: str
    quantity: Decimal
    unit: str
    available_from: date
    available_until: date
    serves: frozenset[MemberState]
    delivery_mode: DeliveryMode
    standby_capacity: str | None = None  # e.g. "HEA-EMT type 2", reusable across crises
    description: str = ""

    def checked(self, today: date) -> Terms:
        check_item(self.item, self.sector)
        check_quantity(self.quantity)
        unit = text("unit", self.unit, UNIT_MAX, required=True)
        if self.available_until < self.available_from:
            raise InvalidInput("availableUntil", "ends before the offer's window starts")
        if self.available_until < today:
            raise InvalidInput("availableUntil", f"{self.available_until.isoformat()} is in the past")
        if not self.serves:
            raise InvalidInput("serves", "name at least one member state the offer can serve")
        standby = self.standby_capacity
        standby = check_characters("standbyCapacity", standby).strip() if standby else None
        if standby is not None and len(standby) > 100:
            raise InvalidInput("standbyCapacity", "must be at most 100 characters")
        description = text("description", self.description, 4000, required=False)
        return Terms(
            self.sector,
            self.item,
            self.quantity,
            unit,
            self.available_from,
            self.available_until,
            self.serves,
            self.delivery_mode,
            standby or None,
            description,
        )


class Offer(Aggregate):
    class Posted(Aggregate.Created):
        actor: Actor
        crisis_id: UUID
        organisation_id: str | None
        offering_state: str | None
        sector: str
        item: str
        quantity: Decimal
        unit: str
        available_from: date
        available_until: date
        serves: list[str]
        delivery_mode: str
        standby_capacity: str | None
        description: str

    class Allocated(Aggregate.Event):
        """A match reserves this much of the offer."""

        actor: Actor
        match_id: UUID
        quantity: Decimal

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Offer)
            aggregate.allocations[self.match_id] = self.quantity

    class Released(Aggregate.Event):
        actor: Actor
        match_id: UUID
        quantity: Decimal

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Offer)
            del aggregate.allocations[self.match_id]

    class Withdrawn(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Offer)
            aggregate.withdrawn = True

    def __init__(
        self,
        actor: Actor,
        crisis_id: UUID,
        organisation_id: str | None,
        offering_state: str | None,
        sector: str,
        item: str,
        quantity: Decimal,
        unit: str,
        available_from: date,
        available_until: date,
        serves: list[str],
        delivery_mode: str,
        standby_capacity: str | None,
        description: str,
    ) -> None:
        self.posted_by = actor
        self.crisis_id = crisis_id
        self.organisation_id = organisation_id
        self.offering_state = MemberState(offering_state) if offering_state else None
        self.terms = Terms(
            Sector(sector),
            item,
            quantity,
            unit,
            available_from,
            available_until,
            frozenset(MemberState(s) for s in serves),
            DeliveryMode(delivery_mode),
            standby_capacity,
            description,
        )
        self.allocations: dict[UUID, Decimal] = {}
        self.withdrawn = False

    @classmethod
    def post(
        cls,
        crisis_id: UUID,
        terms: Terms,
        *,
        organisation_id: UUID | None,
        offering_state: MemberState | None,
        today: date,
        actor: Actor,
    ) -> Offer:
        """An offer is made by exactly one party: an organisation or a member state."""
        if (organisation_id is None) == (offering_state is None):
            raise InvalidInput("offeredBy", "an offer comes from one organisation or one member state")
        terms = terms.checked(today)
        return cls._create(
            cls.Posted,
            id=uuid4(),
            actor=actor,
            crisis_id=crisis_id,
            organisation_id=str(organisation_id) if organisation_id else None,
            offering_state=offering_state.value if offering_state else None,
            sector=terms.sector.value,
            item=terms.item,
            quantity=terms.quantity,
            unit=terms.unit,
            available_from=terms.available_from,
            available_until=terms.available_until,
            serves=sorted(s.value for s in terms.serves),
            delivery_mode=terms.delivery_mode.value,
            standby_capacity=terms.standby_capacity,
            description=terms.description,
        )

    @property
    def allocated(self) -> Decimal:
        return sum(self.allocations.values(), ZERO)

    @property
    def remaining(self) -> Decimal:
        return self.terms.quantity - self.allocated

    def status(self, today: date) -> OfferStatus:
        return offer_status(
            withdrawn=self.withdrawn,
            expired=today > self.terms.available_until,
            quantity=self.terms.quantity,
            allocated=self.allocated,
        )

    def allocate(self, match_id: UUID, quantity: Decimal, *, today: date, actor: Actor) -> None:
        """Reserve ``quantity`` for a match: the sum allocated never exceeds what is offered."""
        status = self.status(today)
        if status in (OfferStatus.WITHDRAWN, OfferStatus.EXPIRED):
            raise InvalidTransition(f"offer {self.id} is {status.value}")
        if quantity > self.remaining:
            raise OverAllocation(
                f"only {self.remaining} {self.terms.unit} of offer {self.id} remain, not {quantity}"
            )
        self.trigger_event(self.Allocated, actor=actor, match_id=match_id, quantity=quantity)

    def release(self, match_id: UUID, *, actor: Actor) -> None:
        if match_id in self.allocations:
            quantity = self.allocations[match_id]
            self.trigger_event(self.Released, actor=actor, match_id=match_id, quantity=quantity)

    def withdraw(self, reason: str, *, actor: Actor) -> None:
        """No new matches; those already made go on."""
        if self.withdrawn:
            raise InvalidTransition(f"offer {self.id} is already withdrawn")
        self.trigger_event(
            self.Withdrawn, actor=actor, reason=text("reason", reason, REASON_MAX, required=False)
        )


class OverAllocation(InvalidTransition):
    """More would be allocated of an offer than it holds."""

    refusal = Refusal.OVER_ALLOCATION


def offer_status(*, withdrawn: bool, expired: bool, quantity: Decimal, allocated: Decimal) -> OfferStatus:
    if withdrawn:
        return OfferStatus.WITHDRAWN
    if allocated >= quantity:
        return OfferStatus.FULLY_ALLOCATED
    if expired:
        return OfferStatus.EXPIRED
    if allocated > 0:
        return OfferStatus.PARTIALLY_ALLOCATED
    return OfferStatus.OPEN
