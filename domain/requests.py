"""An assistance request: one need posted by the relief coordinator of a member state.

Over 300 lines on purpose: the aggregate, its nested events and the checks of the need it carries
are one unit, and its events' stored topics name this module (moving them would need upcasting).
"""

from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState, Sector
from domain.errors import InvalidInput, InvalidTransition, Refusal
from domain.gazetteer import areas_of, listed_in
from domain.items import item
from domain.text import check_characters, text

TITLE_MAX = 200
DESCRIPTION_MAX = 4000
UNIT_MAX = 32
REASON_MAX = 1000
QUANTITY_MAX = Decimal("1e12")
QUANTITY_PLACES = 4
_PCODE_DIGITS = re.compile(r"\d{1,12}")
ZERO = Decimal(0)
PRIORITIES = range(1, 6)  # 1 lowest, 5 highest: every request's priority is one of these


class RequestStatus(enum.Enum):
    """Derived from the quantities: committed and delivered against requested."""

    OPEN = "open"
    PARTIALLY_COVERED = "partially-covered"
    COVERED = "covered"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Need:
    """What is asked for: the amendable terms of a request, validated together."""

    sector: Sector
    title: str
    description: str
    quantity: Decimal
    unit: str
    priority: int
    needed_by: date
    admin_code: str
    item: str
    transport_needed: bool = False
    escort_needed: bool = False

    def checked(self, member_state: MemberState, today: date) -> Need:
        """The need with its text trimmed, or InvalidInput naming the first bad field."""
        title = text("title", self.title, TITLE_MAX, required=True)
        description = text("description", self.description, DESCRIPTION_MAX, required=False)
        unit = text("unit", self.unit, UNIT_MAX, required=True)
        check_quantity(self.quantity)
        if self.priority not in PRIORITIES:
            raise InvalidInput("priority", "must be from 1 (lowest) to 5 (highest)")
        if self.needed_by < today:
            raise InvalidInput("neededBy", f"{self.needed_by.isoformat()} is in the past")
        admin_code = check_admin_code(member_state, self.admin_code)
        check_item(self.item, self.sector)
        return dataclasses.replace(
            self, title=title, description=description, unit=unit, admin_code=admin_code
        )


def check_item(code: str, sector: Sector) -> None:
    listed = item(code)
    if listed.sector is not sector:
        raise InvalidInput(
            "item", f"{listed.code} belongs to sector {listed.sector.value}, not {sector.value}"
        )


@dataclass(frozen=True)
class Commitment:
    """What one accepted match commits to a request, by whom, and how far it has come."""

    quantity: Decimal
    organisation_id: str | None
    member_state: str | None
    dispatched: Decimal = ZERO
    delivered: Decimal = ZERO
    received: bool = False  # the delivery was recorded (``delivered`` may be less than sent)


def check_admin_code(member_state: MemberState, admin_code: str) -> str:
    """A P-code of the requesting state: one its COD gazetteer lists (Myanmar's districts carry a
    letter: MMR012D005), or its ISO2 (or, as Myanmar's COD uses, ISO3) prefix + digits, the form
    of the finer levels the gazetteer does not list."""
    code = check_characters("adminCode", admin_code).strip().upper()
    if listed_in(member_state, code):
        return code
    for prefix in (member_state.iso2, member_state.value):
        if code.startswith(prefix) and _PCODE_DIGITS.fullmatch(code[len(prefix) :]):
            return code
    listed = areas_of(member_state)
    prefix = member_state.value if member_state is MemberState.MMR else member_state.iso2
    example = f", e.g. {listed[0].code} for {listed[0].name}" if listed else ""
    raise InvalidInput(
        "adminCode",
        f"{admin_code!r} is not a P-code of {member_state.label} "
        f"(expected {prefix} followed by digits{example})",
    )


def check_quantity(quantity: Decimal, field: str = "quantity") -> None:
    if not quantity.is_finite() or quantity <= 0:
        raise InvalidInput(field, "must be a number greater than zero")
    if quantity >= QUANTITY_MAX:
        raise InvalidInput(field, f"must be less than {QUANTITY_MAX:,.0f}")
    exponent = quantity.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -QUANTITY_PLACES:
        raise InvalidInput(field, f"must have at most {QUANTITY_PLACES} decimal places")


class AssistanceRequest(Aggregate):
    """A member state's request for assistance in a crisis; every change to it is an event."""

    class Posted(Aggregate.Created):
        actor: Actor
        crisis_id: UUID
        member_state: str
        sector: str
        title: str
        description: str
        quantity: Decimal
        unit: str
        priority: int
        needed_by: date
        admin_code: str
        item: str
        transport_needed: bool
        escort_needed: bool

    class Amended(Aggregate.Event):
        """Carries every amendable term as it stands after the amendment."""

        actor: Actor
        sector: str
        title: str
        description: str
        quantity: Decimal
        unit: str
        priority: int
        needed_by: date
        admin_code: str
        item: str
        transport_needed: bool
        escort_needed: bool

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, AssistanceRequest)
            aggregate.need = _need_of(self)

    class LinkedToSafeHaven(Aggregate.Event):
        """The request is for the population of a safe haven of the same state and crisis."""

        actor: Actor
        safe_haven_id: UUID

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, AssistanceRequest)
            aggregate.safe_haven_id = self.safe_haven_id

    class Cancelled(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, AssistanceRequest)
            aggregate.cancelled = True
            aggregate.cancellation_reason = self.reason

    class Committed(Aggregate.Event):
        """The requesting state accepted a match: its quantity now counts as committed."""

        actor: Actor
        match_id: UUID
        quantity: Decimal
        organisation_id: str | None
        offering_state: str | None
        over_cover: bool

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, AssistanceRequest)
            aggregate.commitments[self.match_id] = Commitment(
                self.quantity, self.organisation_id, self.offering_state
            )

    class Released(Aggregate.Event):
        """A committed match was declined or cancelled before dispatch."""

        actor: Actor
        match_id: UUID

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, AssistanceRequest)
            del aggregate.commitments[self.match_id]

    class Dispatched(Aggregate.Event):
        actor: Actor
        match_id: UUID
        quantity: Decimal

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, AssistanceRequest)
            held = aggregate.commitments[self.match_id]
            aggregate.commitments[self.match_id] = dataclasses.replace(held, dispatched=self.quantity)

    class Received(Aggregate.Event):
        actor: Actor
        match_id: UUID
        quantity: Decimal

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, AssistanceRequest)
            held = aggregate.commitments[self.match_id]
            aggregate.commitments[self.match_id] = dataclasses.replace(
                held, delivered=self.quantity, received=True
            )

    def __init__(
        self,
        actor: Actor,
        crisis_id: UUID,
        member_state: str,
        sector: str,
        title: str,
        description: str,
        quantity: Decimal,
        unit: str,
        priority: int,
        needed_by: date,
        admin_code: str,
        item: str,
        transport_needed: bool,
        escort_needed: bool,
    ) -> None:
        self.posted_by = actor
        self.crisis_id = crisis_id
        self.member_state = MemberState(member_state)
        self.need = Need(
            Sector(sector),
            title,
            description,
            quantity,
            unit,
            priority,
            needed_by,
            admin_code,
            item,
            transport_needed,
            escort_needed,
        )
        self.cancelled = False
        self.cancellation_reason: str | None = None
        self.commitments: dict[UUID, Commitment] = {}
        self.safe_haven_id: UUID | None = None

    def link_to_safe_haven(
        self, haven_id: UUID, haven_state: MemberState, haven_crisis: UUID, *, actor: Actor
    ) -> None:
        """Needs of a haven's population: a haven of the requesting state, in the same crisis."""
        if self.cancelled:
            raise InvalidTransition(f"request {self.id} is cancelled")
        if haven_state is not self.member_state or haven_crisis != self.crisis_id:
            raise InvalidInput("safeHavenId", "the safe haven is of another state or crisis")
        if self.safe_haven_id == haven_id:
            raise InvalidInput("safeHavenId", "the request is already linked to this safe haven")
        self.trigger_event(self.LinkedToSafeHaven, actor=actor, safe_haven_id=haven_id)

    @classmethod
    def post(
        cls, crisis_id: UUID, member_state: MemberState, need: Need, *, today: date, actor: Actor
    ) -> AssistanceRequest:
        """Post a new request; ``today`` is the requesting state's date, for the needed-by check."""
        need = need.checked(member_state, today)
        return cls._create(
            cls.Posted,
            id=uuid4(),
            actor=actor,
            crisis_id=crisis_id,
            member_state=member_state.value,
            **_event_fields(need),
        )

    # Quantities and the status they imply.
    @property
    def requested(self) -> Decimal:
        return self.need.quantity

    @property
    def committed(self) -> Decimal:
        return sum((c.quantity for c in self.commitments.values()), ZERO)

    @property
    def in_transit(self) -> Decimal:
        return sum((c.dispatched for c in self.commitments.values() if not c.received), ZERO)

    @property
    def delivered(self) -> Decimal:
        return sum((c.delivered for c in self.commitments.values()), ZERO)

    @property
    def status(self) -> RequestStatus:
        return status_of(
            cancelled=self.cancelled,
            requested=self.requested,
            committed=self.committed,
            delivered=self.delivered,
        )

    # Commands of the requesting state.
    def amend(self, need: Need, *, today: date, actor: Actor) -> None:
        self._require_active("amend")
        need = need.checked(self.member_state, today)
        if need == self.need:
            raise InvalidInput("input", "the amendment changes nothing")
        if (need.item, need.unit) != (self.need.item, self.need.unit) and self.commitments:
            raise InvalidTransition("the item or unit cannot change once matches are committed")
        self.trigger_event(self.Amended, actor=actor, **_event_fields(need))

    def cancel(self, reason: str, *, actor: Actor) -> None:
        self._require_active("cancel")
        if self.commitments:
            raise InvalidTransition("cancel or decline its committed matches first")
        reason = text("reason", reason, REASON_MAX, required=False)
        self.trigger_event(self.Cancelled, actor=actor, reason=reason)

    # Steps of a match, recorded on the request it serves.
    def commit(
        self,
        match_id: UUID,
        quantity: Decimal,
        *,
        organisation_id: str | None,
        offering_state: str | None,
        over_cover: bool,
        actor: Actor,
    ) -> None:
        """Count an accepted match as committed: never beyond what was requested, unless the
        requesting state accepts an over-cover."""
        self._require_active("commit to")
        if match_id in self.commitments:
            raise InvalidTransition(f"match {match_id} is already committed to this request")
        if not over_cover and self.committed + quantity > self.requested:
            raise OverCommitment(
                f"committing {quantity} would bring this request to {self.committed + quantity} "
                f"{self.need.unit}, above the {self.requested} requested; accept it as an over-cover "
                "or reduce the match"
            )
        self.trigger_event(
            self.Committed,
            actor=actor,
            match_id=match_id,
            quantity=quantity,
            organisation_id=organisation_id,
            offering_state=offering_state,
            over_cover=over_cover,
        )

    def release(self, match_id: UUID, *, actor: Actor) -> None:
        held = self.commitments.get(match_id)
        if held is None:
            return
        if held.dispatched:
            raise InvalidTransition("a dispatched match can no longer be released")
        self.trigger_event(self.Released, actor=actor, match_id=match_id)

    def dispatch(self, match_id: UUID, quantity: Decimal, *, actor: Actor) -> None:
        self._commitment(match_id)
        self.trigger_event(self.Dispatched, actor=actor, match_id=match_id, quantity=quantity)

    def receive(self, match_id: UUID, quantity: Decimal, *, actor: Actor) -> None:
        held = self._commitment(match_id)
        if quantity > held.dispatched:
            raise InvalidInput(
                "quantityReceived",
                f"{quantity} is more than the {held.dispatched} dispatched",
                refusal=Refusal.OVER_RECEIPT,
            )
        self.trigger_event(self.Received, actor=actor, match_id=match_id, quantity=quantity)

    def _commitment(self, match_id: UUID) -> Commitment:
        try:
            return self.commitments[match_id]
        except KeyError:
            raise InvalidTransition(f"match {match_id} is not committed to this request") from None

    def _require_active(self, action: str) -> None:
        if self.cancelled:
            raise InvalidTransition(f"cannot {action} request {self.id}: it is cancelled")


class OverCommitment(InvalidTransition):
    """More would be committed to a request than it asks for."""

    refusal = Refusal.OVER_COMMITMENT


def status_of(
    *, cancelled: bool, requested: Decimal, committed: Decimal, delivered: Decimal
) -> RequestStatus:
    if cancelled:
        return RequestStatus.CANCELLED
    if delivered >= requested:
        return RequestStatus.CLOSED
    if committed >= requested:
        return RequestStatus.COVERED
    if committed > 0:
        return RequestStatus.PARTIALLY_COVERED
    return RequestStatus.OPEN


_NEED_FIELDS = [field.name for field in dataclasses.fields(Need)]


def _event_fields(need: Need) -> dict[str, Any]:
    fields = {name: getattr(need, name) for name in _NEED_FIELDS}
    fields["sector"] = need.sector.value
    return fields


def _need_of(event: AssistanceRequest.Amended) -> Need:
    fields = {name: getattr(event, name) for name in _NEED_FIELDS}
    fields["sector"] = Sector(event.sector)
    return Need(**fields)
