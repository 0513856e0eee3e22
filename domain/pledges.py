"""Pledges, followed as OCHA FTS follows a flow: pledge → commitment → paid contribution."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.errors import InvalidInput, InvalidTransition, Refusal
from domain.money import Conversion, check_amount
from domain.requests import REASON_MAX
from domain.text import check_characters, text

ZERO = Decimal(0)


class Earmarking(enum.Enum):
    """Grand Bargain earmarking categories, as FTS records them."""

    UNEARMARKED = "unearmarked"
    SOFTLY_EARMARKED = "softly-earmarked"
    EARMARKED = "earmarked"
    TIGHTLY_EARMARKED = "tightly-earmarked"


class DestinationKind(enum.Enum):
    FUND = "fund"
    REQUEST = "request"
    PROJECT = "project"
    CRISIS = "crisis"  # unearmarked to a crisis


class PledgeStatus(enum.Enum):
    PLEDGED = "pledged"
    COMMITTED = "committed"
    PARTIALLY_PAID = "partially-paid"
    PAID = "paid"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Payment:
    amount: Decimal
    usd_amount: Decimal
    paid_on: date
    refunded: Decimal = ZERO
    usd_refunded: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.amount - self.refunded


class Pledge(Aggregate):
    class Made(Aggregate.Created):
        actor: Actor
        organisation_id: UUID
        destination_kind: str
        destination_id: UUID
        amount: Decimal
        currency: str
        usd_rate: Decimal
        rate_date: date
        usd_amount: Decimal
        earmarking: str
        in_kind: bool
        annual_portions: list[dict[str, Any]]
        description: str

    class Committed(Aggregate.Event):
        """Legally binding now: usually a signed agreement."""

        actor: Actor
        due_date: date
        reference: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Pledge)
            aggregate.due_date = self.due_date
            aggregate.reference = self.reference

    class PaymentRecorded(Aggregate.Event):
        actor: Actor
        payment_id: UUID
        amount: Decimal
        usd_rate: Decimal
        rate_date: date
        usd_amount: Decimal
        paid_on: date

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Pledge)
            aggregate.payments[self.payment_id] = Payment(self.amount, self.usd_amount, self.paid_on)

    class Refunded(Aggregate.Event):
        actor: Actor
        payment_id: UUID
        amount: Decimal
        usd_amount: Decimal
        reason: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Pledge)
            paid = aggregate.payments[self.payment_id]
            aggregate.payments[self.payment_id] = dataclasses.replace(
                paid, refunded=paid.refunded + self.amount, usd_refunded=paid.usd_refunded + self.usd_amount
            )

    class Cancelled(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Pledge)
            aggregate.cancelled = True

    def __init__(
        self,
        actor: Actor,
        organisation_id: UUID,
        destination_kind: str,
        destination_id: UUID,
        amount: Decimal,
        currency: str,
        usd_rate: Decimal,
        rate_date: date,
        usd_amount: Decimal,
        earmarking: str,
        in_kind: bool,
        annual_portions: list[dict[str, Any]],
        description: str,
    ) -> None:
        self.pledged_by = actor
        self.organisation_id = organisation_id
        self.destination_kind = DestinationKind(destination_kind)
        self.destination_id = destination_id
        self.amount = amount
        self.currency = currency
        self.conversion = Conversion(usd_rate, rate_date)
        self.usd_amount = usd_amount
        self.earmarking = Earmarking(earmarking)
        self.in_kind = in_kind
        self.annual_portions = [(int(p["year"]), Decimal(p["amount"])) for p in annual_portions]
        self.description = description
        self.due_date: date | None = None
        self.reference: str | None = None
        self.payments: dict[UUID, Payment] = {}
        self.cancelled = False

    @classmethod
    def make(
        cls,
        *,
        organisation_id: UUID,
        destination_kind: DestinationKind,
        destination_id: UUID,
        amount: Decimal,
        currency: str,
        conversion: Conversion,
        earmarking: Earmarking,
        in_kind: bool = False,
        annual_portions: list[tuple[int, Decimal]] | None = None,
        description: str = "",
        actor: Actor,
    ) -> Pledge:
        currency = check_characters("currency", currency).strip().upper()
        check_amount(amount, currency)
        conversion = Conversion.checked(currency, conversion.usd_rate, conversion.on)
        portions = annual_portions or []
        if portions:
            years = [year for year, _ in portions]
            if len(set(years)) != len(years) or any(not 2000 <= y <= 2100 for y in years):
                raise InvalidInput("annualPortions", "give each year once, as a four-digit year")
            for _, portion in portions:
                check_amount(portion, currency, "annualPortions")
            if sum(p for _, p in portions) != amount:
                raise InvalidInput("annualPortions", "the annual portions must add up to the amount")
        if destination_kind is DestinationKind.FUND and earmarking is Earmarking.TIGHTLY_EARMARKED:
            raise InvalidInput("earmarking", "a contribution to a pooled fund cannot be tightly earmarked")
        return cls._create(
            cls.Made,
            id=uuid4(),
            actor=actor,
            organisation_id=organisation_id,
            destination_kind=destination_kind.value,
            destination_id=destination_id,
            amount=amount,
            currency=currency,
            usd_rate=conversion.usd_rate,
            rate_date=conversion.on,
            usd_amount=conversion.usd(amount),
            earmarking=earmarking.value,
            in_kind=in_kind,
            annual_portions=[{"year": y, "amount": a} for y, a in sorted(portions)],
            description=text("description", description, 2000, required=False),
        )

    @property
    def paid(self) -> Decimal:
        """Net of refunds, in the pledge's currency."""
        return sum((p.net for p in self.payments.values()), ZERO)

    @property
    def usd_paid(self) -> Decimal:
        return sum((p.usd_amount - p.usd_refunded for p in self.payments.values()), ZERO)

    @property
    def status(self) -> PledgeStatus:
        if self.cancelled:
            return PledgeStatus.CANCELLED
        if self.paid >= self.amount:
            return PledgeStatus.PAID
        if self.paid > 0:
            return PledgeStatus.PARTIALLY_PAID
        if self.due_date is not None:
            return PledgeStatus.COMMITTED
        return PledgeStatus.PLEDGED

    def commit(self, due_date: date, reference: str, *, actor: Actor) -> None:
        if self.status is not PledgeStatus.PLEDGED:
            raise InvalidTransition(f"pledge {self.id} is {self.status.value}, not pledged")
        reference = text("reference", reference, 200, required=False)
        self.trigger_event(self.Committed, actor=actor, due_date=due_date, reference=reference)

    def record_payment(self, amount: Decimal, conversion: Conversion, paid_on: date, *, actor: Actor) -> UUID:
        """A payment against the commitment; several may follow, never more than pledged."""
        if self.status not in (PledgeStatus.COMMITTED, PledgeStatus.PARTIALLY_PAID):
            raise InvalidTransition(f"pledge {self.id} is {self.status.value}: commit it before paying")
        check_amount(amount, self.currency)
        if self.paid + amount > self.amount:
            raise InvalidInput(
                "amount",
                f"{amount} {self.currency} would exceed the {self.amount} pledged ({self.paid} paid)",
                refusal=Refusal.OVER_PAYMENT,
            )
        conversion = Conversion.checked(self.currency, conversion.usd_rate, conversion.on)
        payment_id = uuid4()
        self.trigger_event(
            self.PaymentRecorded,
            actor=actor,
            payment_id=payment_id,
            amount=amount,
            usd_rate=conversion.usd_rate,
            rate_date=conversion.on,
            usd_amount=conversion.usd(amount),
            paid_on=paid_on,
        )
        return payment_id

    def refund(self, payment_id: UUID, amount: Decimal, reason: str, *, actor: Actor) -> Decimal:
        """Return (part of) a payment; the USD value refunded is at the payment's own rate."""
        payment = self.payments.get(payment_id)
        if payment is None:
            raise InvalidInput("paymentId", f"pledge {self.id} has no payment {payment_id}")
        check_amount(amount, self.currency)
        if amount > payment.net:
            raise InvalidInput(
                "amount",
                f"only {payment.net} {self.currency} of that payment remain",
                refusal=Refusal.OVER_REFUND,
            )
        usd = (
            payment.usd_amount - payment.usd_refunded
            if amount == payment.net
            else (amount * payment.usd_amount / payment.amount).quantize(Decimal("0.01"))
        )
        self.trigger_event(
            self.Refunded,
            actor=actor,
            payment_id=payment_id,
            amount=amount,
            usd_amount=usd,
            reason=text("reason", reason, REASON_MAX, required=False),
        )
        return usd

    def cancel(self, reason: str, *, actor: Actor) -> None:
        """Only what was not paid can be cancelled: a paid pledge is refunded, not cancelled."""
        if self.cancelled:
            raise InvalidTransition(f"pledge {self.id} is already cancelled")
        if self.paid > 0:
            raise InvalidTransition(f"pledge {self.id} has payments: refund them, it cannot be cancelled")
        self.trigger_event(
            self.Cancelled, actor=actor, reason=text("reason", reason, REASON_MAX, required=False)
        )
