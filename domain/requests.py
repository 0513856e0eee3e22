"""An assistance request: one need posted by the relief coordinator of a member state."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState, Sector
from domain.errors import InvalidInput, InvalidTransition

TITLE_MAX = 200
DESCRIPTION_MAX = 4000
UNIT_MAX = 32
REASON_MAX = 1000
QUANTITY_MAX = Decimal("1e12")
QUANTITY_PLACES = 4
_PCODE_DIGITS = re.compile(r"\d{1,12}")


class RequestStatus(enum.Enum):
    OPEN = "open"
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

    def checked(self, member_state: MemberState, today: date) -> Need:
        """The need with its text trimmed, or InvalidInput naming the first bad field."""
        title = _text("title", self.title, TITLE_MAX, required=True)
        description = _text("description", self.description, DESCRIPTION_MAX, required=False)
        unit = _text("unit", self.unit, UNIT_MAX, required=True)
        _check_quantity(self.quantity)
        if not 1 <= self.priority <= 5:
            raise InvalidInput("priority", "must be from 1 (lowest) to 5 (highest)")
        if self.needed_by < today:
            raise InvalidInput("neededBy", f"{self.needed_by.isoformat()} is in the past")
        admin_code = check_admin_code(member_state, self.admin_code)
        return Need(
            self.sector,
            title,
            description,
            self.quantity,
            unit,
            self.priority,
            self.needed_by,
            admin_code,
        )


def check_admin_code(member_state: MemberState, admin_code: str) -> str:
    """A P-code of the requesting state: its ISO2 (or, as Myanmar's COD uses, ISO3) prefix + digits."""
    code = admin_code.strip().upper()
    for prefix in (member_state.iso2, member_state.value):
        if code.startswith(prefix) and _PCODE_DIGITS.fullmatch(code[len(prefix) :]):
            return code
    raise InvalidInput(
        "adminCode",
        f"{admin_code!r} is not a P-code of {member_state.label} "
        f"(expected {member_state.iso2} followed by digits, e.g. {member_state.iso2}15)",
    )


def _text(field: str, value: str, maximum: int, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(field, "must not be empty")
    if len(value) > maximum:
        raise InvalidInput(field, f"must be at most {maximum} characters (got {len(value)})")
    return value


def _check_quantity(quantity: Decimal) -> None:
    if not quantity.is_finite() or quantity <= 0:
        raise InvalidInput("quantity", "must be a number greater than zero")
    if quantity >= QUANTITY_MAX:
        raise InvalidInput("quantity", f"must be less than {QUANTITY_MAX:,.0f}")
    exponent = quantity.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -QUANTITY_PLACES:
        raise InvalidInput("quantity", f"must have at most {QUANTITY_PLACES} decimal places")


class AssistanceRequest(Aggregate):
    """A member state's request for assistance; every change to it is an event."""

    class Posted(Aggregate.Created):
        actor: Actor
        member_state: str
        sector: str
        title: str
        description: str
        quantity: Decimal
        unit: str
        priority: int
        needed_by: date
        admin_code: str

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

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, AssistanceRequest)
            aggregate.need = _need_of(self)

    class Cancelled(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, AssistanceRequest)
            aggregate.status = RequestStatus.CANCELLED
            aggregate.cancellation_reason = self.reason

    def __init__(
        self,
        actor: Actor,
        member_state: str,
        sector: str,
        title: str,
        description: str,
        quantity: Decimal,
        unit: str,
        priority: int,
        needed_by: date,
        admin_code: str,
    ) -> None:
        self.posted_by = actor
        self.member_state = MemberState(member_state)
        self.need = Need(Sector(sector), title, description, quantity, unit, priority, needed_by, admin_code)
        self.status = RequestStatus.OPEN
        self.cancellation_reason: str | None = None

    @classmethod
    def post(cls, member_state: MemberState, need: Need, *, today: date, actor: Actor) -> AssistanceRequest:
        """Post a new request; ``today`` is the requesting state's date, for the needed-by check."""
        need = need.checked(member_state, today)
        return cls._create(
            cls.Posted,
            id=uuid4(),
            actor=actor,
            member_state=member_state.value,
            **_event_fields(need),
        )

    def amend(self, need: Need, *, today: date, actor: Actor) -> None:
        self._require_open("amend")
        need = need.checked(self.member_state, today)
        if need == self.need:
            raise InvalidInput("input", "the amendment changes nothing")
        self.trigger_event(self.Amended, actor=actor, **_event_fields(need))

    def cancel(self, reason: str, *, actor: Actor) -> None:
        self._require_open("cancel")
        reason = _text("reason", reason, REASON_MAX, required=False)
        self.trigger_event(self.Cancelled, actor=actor, reason=reason)

    def _require_open(self, action: str) -> None:
        if self.status is not RequestStatus.OPEN:
            msg = f"cannot {action} request {self.id}: it is {self.status.value}"
            raise InvalidTransition(msg)


def _event_fields(need: Need) -> dict[str, Any]:
    return {
        "sector": need.sector.value,
        "title": need.title,
        "description": need.description,
        "quantity": need.quantity,
        "unit": need.unit,
        "priority": need.priority,
        "needed_by": need.needed_by,
        "admin_code": need.admin_code,
    }


def _need_of(event: AssistanceRequest.Amended) -> Need:
    return Need(
        Sector(event.sector),
        event.title,
        event.description,
        event.quantity,
        event.unit,
        event.priority,
        event.needed_by,
        event.admin_code,
    )
