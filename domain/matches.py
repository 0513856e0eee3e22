"""A match: a quantity of an offer allocated to a request, followed until it is delivered.

proposed → accepted (by the requesting state) → confirmed (by the offering party) → dispatched
→ delivered; or declined / cancelled before dispatch. Each step changes the match together with
the offer and the request it links, and the three are saved in one transaction.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.errors import InvalidInput, InvalidTransition
from domain.items import may_serve
from domain.offers import Offer
from domain.requests import REASON_MAX, AssistanceRequest, check_quantity
from domain.security import Clearance, RiskLevel, SecurityArea, check_cleared
from domain.text import text


class MatchStatus(enum.Enum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    CONFIRMED = "confirmed"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    DECLINED = "declined"
    CANCELLED = "cancelled"


_ENDED = (MatchStatus.DELIVERED, MatchStatus.DECLINED, MatchStatus.CANCELLED)


class Match(Aggregate):
    class Proposed(Aggregate.Created):
        actor: Actor
        request_id: UUID
        offer_id: UUID
        crisis_id: UUID
        quantity: Decimal
        unit: str

    class Accepted(Aggregate.Event):
        actor: Actor
        over_cover: bool

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Match)
            aggregate.status = MatchStatus.ACCEPTED
            aggregate.over_cover = self.over_cover

    class Confirmed(Aggregate.Event):
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Match)
            aggregate.status = MatchStatus.CONFIRMED

    class ClearedForSecurity(Aggregate.Event):
        actor: Actor
        area_version: int
        risk: str
        conditions: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Match)
            aggregate.clearance = Clearance(self.area_version, RiskLevel(self.risk), self.conditions)

    class Dispatched(Aggregate.Event):
        actor: Actor
        quantity: Decimal

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Match)
            aggregate.status = MatchStatus.DISPATCHED
            aggregate.dispatched = self.quantity

    class Delivered(Aggregate.Event):
        actor: Actor
        quantity_received: Decimal

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Match)
            aggregate.status = MatchStatus.DELIVERED
            aggregate.received = self.quantity_received

    class Declined(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Match)
            aggregate.status = MatchStatus.DECLINED
            aggregate.reason = self.reason

    class Cancelled(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Match)
            aggregate.status = MatchStatus.CANCELLED
            aggregate.reason = self.reason

    def __init__(
        self,
        actor: Actor,
        request_id: UUID,
        offer_id: UUID,
        crisis_id: UUID,
        quantity: Decimal,
        unit: str,
    ) -> None:
        self.proposed_by = actor
        self.request_id = request_id
        self.offer_id = offer_id
        self.crisis_id = crisis_id
        self.quantity = quantity
        self.unit = unit
        self.status = MatchStatus.PROPOSED
        self.over_cover = False
        self.dispatched: Decimal | None = None
        self.received: Decimal | None = None
        self.reason: str | None = None
        self.clearance: Clearance | None = None

    @classmethod
    def propose(
        cls,
        request: AssistanceRequest,
        offer: Offer,
        quantity: Decimal,
        *,
        today: date,
        actor: Actor,
    ) -> Match:
        """Allocate ``quantity`` of the offer to the request, if the two fit each other."""
        check_quantity(quantity)
        _check_fit(request, offer, today)
        match_id = uuid4()
        offer.allocate(match_id, quantity, today=today, actor=actor)
        return cls._create(
            cls.Proposed,
            id=match_id,
            actor=actor,
            request_id=request.id,
            offer_id=offer.id,
            crisis_id=request.crisis_id,
            quantity=quantity,
            unit=request.need.unit,
        )

    def accept(self, request: AssistanceRequest, offer: Offer, *, over_cover: bool, actor: Actor) -> None:
        """The requesting state takes the match: its quantity becomes committed to the request."""
        self._require(MatchStatus.PROPOSED, "accept")
        request.commit(
            self.id,
            self.quantity,
            organisation_id=offer.organisation_id,
            offering_state=offer.offering_state.value if offer.offering_state else None,
            over_cover=over_cover,
            actor=actor,
        )
        self.trigger_event(self.Accepted, actor=actor, over_cover=over_cover)

    def confirm(self, *, actor: Actor) -> None:
        """The offering party confirms it will deliver."""
        self._require(MatchStatus.ACCEPTED, "confirm")
        self.trigger_event(self.Confirmed, actor=actor)

    def clear_for_security(
        self, request: AssistanceRequest, area: SecurityArea | None, conditions: str, *, actor: Actor
    ) -> None:
        """A security clearance for the delivery into the request's area, at its present risk."""
        if self.status in _ENDED or self.status is MatchStatus.DISPATCHED:
            raise InvalidTransition(f"match {self.id} is {self.status.value}: nothing left to clear")
        risk = area.risk_at(request.need.admin_code) if area else RiskLevel.MINIMAL
        self.trigger_event(
            self.ClearedForSecurity,
            actor=actor,
            area_version=area.version if area else 0,
            risk=risk.value,
            conditions=text("conditions", conditions, REASON_MAX, required=True),
        )

    def dispatch(self, request: AssistanceRequest, *, actor: Actor, area: SecurityArea | None = None) -> None:
        """Dispatch; into an area at the highest risk only with a current security clearance."""
        self._require(MatchStatus.CONFIRMED, "dispatch")
        check_cleared(area, request.need.admin_code, self.clearance, f"the delivery of match {self.id}")
        request.dispatch(self.id, self.quantity, actor=actor)
        self.trigger_event(self.Dispatched, actor=actor, quantity=self.quantity)

    def record_delivery(self, request: AssistanceRequest, received: Decimal, *, actor: Actor) -> None:
        """What arrived, possibly less than was sent; never more."""
        self._require(MatchStatus.DISPATCHED, "record the delivery of")
        if not received.is_finite() or received < 0:
            raise InvalidInput("quantityReceived", "must be zero or more")
        request.receive(self.id, received, actor=actor)
        self.trigger_event(self.Delivered, actor=actor, quantity_received=received)

    def decline(self, request: AssistanceRequest, offer: Offer, reason: str, *, actor: Actor) -> None:
        self._end(self.Declined, request, offer, reason, actor)

    def cancel(self, request: AssistanceRequest, offer: Offer, reason: str, *, actor: Actor) -> None:
        self._end(self.Cancelled, request, offer, reason, actor)

    def _end(
        self,
        event: type[Aggregate.Event],
        request: AssistanceRequest,
        offer: Offer,
        reason: str,
        actor: Actor,
    ) -> None:
        if self.status in _ENDED or self.status is MatchStatus.DISPATCHED:
            raise InvalidTransition(f"match {self.id} is {self.status.value}: it can no longer end")
        request.release(self.id, actor=actor)
        offer.release(self.id, actor=actor)
        self.trigger_event(event, actor=actor, reason=text("reason", reason, REASON_MAX, required=False))

    def _require(self, status: MatchStatus, action: str) -> None:
        if self.status is not status:
            raise InvalidTransition(f"cannot {action} match {self.id}: it is {self.status.value}")


#: The status each of a match's events leaves it in, for the read models that follow it.
STATUS_AFTER: dict[type[Aggregate.Event], MatchStatus] = {
    Match.Proposed: MatchStatus.PROPOSED,
    Match.Accepted: MatchStatus.ACCEPTED,
    Match.Confirmed: MatchStatus.CONFIRMED,
    Match.Dispatched: MatchStatus.DISPATCHED,
    Match.Delivered: MatchStatus.DELIVERED,
    Match.Declined: MatchStatus.DECLINED,
    Match.Cancelled: MatchStatus.CANCELLED,
}


def _check_fit(request: AssistanceRequest, offer: Offer, today: date) -> None:
    """Same crisis, sector and item (or a declared substitute) and unit; the offer serves the
    requesting state, in time."""
    need, terms = request.need, offer.terms
    if request.crisis_id != offer.crisis_id and terms.standby_capacity is None:
        raise InvalidInput("offerId", "the offer is for another crisis")
    if need.sector != terms.sector or not may_serve(need.item, terms.item):
        raise InvalidInput("offerId", f"the offer is {terms.item}, the request needs {need.item}")
    if need.unit != terms.unit:
        raise InvalidInput("offerId", f"the offer counts in {terms.unit}, the request in {need.unit}")
    if request.member_state not in terms.serves:
        raise InvalidInput("offerId", f"the offer does not serve {request.member_state.label}")
    if terms.available_from > max(need.needed_by, today):  # an overdue need takes what is there now
        raise InvalidInput("offerId", "the offer is available only after the request's needed-by date")
    if request.status.value in ("cancelled", "closed"):
        raise InvalidTransition(f"request {request.id} is {request.status.value}")
