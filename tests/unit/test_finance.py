"""Pledges followed to payment, and the Stability Fund's ledger, on the in-memory store."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from domain.access import Role
from domain.codes import MemberState
from domain.errors import DomainError, InvalidInput, InvalidTransition
from domain.funds import FundWindow, InsufficientBalance
from domain.money import Conversion
from domain.organisations import OrganisationType
from domain.pledges import DestinationKind, Earmarking, PledgeStatus
from services.coordination import Command, Concord
from services.identity.access import Forbidden, Principal
from tests.conftest import fixed_today
from tests.factories import a_need

SECRETARIAT = Command(Principal("officer@asean.org", Role.SECRETARIAT))
PHL = Command(Principal("maria@dswd.gov.ph", Role.COORDINATOR, MemberState.PHL))
JPY = Conversion(Decimal("0.0066"), date(2026, 11, 20))


class Ledger:
    def __init__(self) -> None:
        self.concord = Concord({"PERSISTENCE_MODULE": "eventsourcing.popo"}, today=fixed_today)
        concord = self.concord
        self.crisis = concord.open_crisis(
            SECRETARIAT, "Marawi", [MemberState.PHL], date(2026, 11, 1)
        ).aggregate.id
        self.request = concord.post_request(PHL, self.crisis, MemberState.PHL, a_need()).aggregate.id
        self.fund = concord.open_fund(SECRETARIAT, "ASEAN Stability Fund").aggregate.id
        organisation = concord.register_organisation(SECRETARIAT, "JICA", OrganisationType.DIALOGUE_PARTNER)
        self.donor = Command(
            Principal("aiko@jica.go.jp", Role.DONOR, organisation_id=organisation.aggregate.id)
        )

    def pledge(self, amount: str = "1000000", *, to_fund: bool = True, currency: str = "JPY") -> UUID:
        kind, target = (
            (DestinationKind.FUND, self.fund) if to_fund else (DestinationKind.REQUEST, self.request)
        )
        conversion = JPY if currency == "JPY" else Conversion(Decimal(1), date(2026, 11, 20))
        return self.concord.make_pledge(
            self.donor,
            destination_kind=kind,
            destination_id=target,
            amount=Decimal(amount),
            currency=currency,
            conversion=conversion,
            earmarking=Earmarking.SOFTLY_EARMARKED,
        ).aggregate.id

    def commit(self, pledge: UUID) -> None:
        self.concord.commit_pledge(self.donor, pledge, date(2027, 1, 31), "JICA/2026/117")

    def pay(self, pledge: UUID, amount: str) -> UUID:
        recorded = self.concord.record_payment(self.donor, pledge, Decimal(amount), JPY, date(2026, 12, 1))
        return list(recorded.aggregate.payments)[-1]


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    made = Ledger()
    yield made
    made.concord.close()


def test_a_pledge_goes_from_promise_to_paid_contribution(ledger: Ledger) -> None:
    pledge = ledger.pledge("1000000")
    assert ledger.concord.get_pledge(pledge).status is PledgeStatus.PLEDGED
    ledger.commit(pledge)
    ledger.pay(pledge, "400000")
    assert ledger.concord.get_pledge(pledge).status is PledgeStatus.PARTIALLY_PAID
    ledger.pay(pledge, "600000")

    paid = ledger.concord.get_pledge(pledge)
    fund = ledger.concord.get_fund(ledger.fund)
    assert paid.status is PledgeStatus.PAID
    assert paid.usd_amount == Decimal("6600.00")
    assert fund.received == Decimal("6600.00")
    assert fund.balance == Decimal("6600.00")


def test_payments_never_exceed_the_pledge(ledger: Ledger) -> None:
    pledge = ledger.pledge("1000")
    ledger.commit(pledge)
    ledger.pay(pledge, "999")

    with pytest.raises(InvalidInput, match="exceed"):
        ledger.pay(pledge, "2")


def test_payment_needs_a_commitment(ledger: Ledger) -> None:
    with pytest.raises(InvalidTransition, match="commit"):
        ledger.pay(ledger.pledge(), "10")


def test_a_paid_pledge_is_refunded_not_cancelled(ledger: Ledger) -> None:
    pledge = ledger.pledge("1000", to_fund=False)
    ledger.commit(pledge)
    payment = ledger.pay(pledge, "500")

    with pytest.raises(InvalidTransition, match="refund"):
        ledger.concord.cancel_pledge(ledger.donor, pledge, "changed priorities")
    ledger.concord.refund_payment(SECRETARIAT, pledge, payment, Decimal(500), "duplicate transfer")
    ledger.concord.cancel_pledge(ledger.donor, pledge, "changed priorities")

    assert ledger.concord.get_pledge(pledge).status is PledgeStatus.CANCELLED


def test_amounts_follow_the_currency_minor_units(ledger: Ledger) -> None:
    with pytest.raises(InvalidInput, match="decimal places"):
        ledger.pledge("1000.5")  # yen have none
    with pytest.raises(InvalidInput, match="ISO 4217"):
        ledger.concord.make_pledge(
            ledger.donor,
            destination_kind=DestinationKind.FUND,
            destination_id=ledger.fund,
            amount=Decimal(10),
            currency="XBT",
            conversion=JPY,
            earmarking=Earmarking.UNEARMARKED,
        )


def test_only_donors_pledge_and_only_the_secretariat_allocates(ledger: Ledger) -> None:
    with pytest.raises(Forbidden):
        ledger.concord.make_pledge(
            PHL,
            destination_kind=DestinationKind.FUND,
            destination_id=ledger.fund,
            amount=Decimal(10),
            currency="USD",
            conversion=Conversion(Decimal(1), date(2026, 11, 20)),
            earmarking=Earmarking.UNEARMARKED,
        )
    with pytest.raises(Forbidden):
        ledger.concord.allocate_from_fund(
            ledger.donor,
            ledger.fund,
            window=FundWindow.RESERVE,
            destination_kind=DestinationKind.REQUEST,
            destination_id=ledger.request,
            usd_amount=Decimal(1),
            rationale="x",
        )


def test_the_fund_never_allocates_more_than_it_holds(ledger: Ledger) -> None:
    pledge = ledger.pledge("1000000")
    ledger.commit(pledge)
    ledger.pay(pledge, "1000000")  # 6,600 USD

    def allocate(usd: str) -> None:
        ledger.concord.allocate_from_fund(
            SECRETARIAT,
            ledger.fund,
            window=FundWindow.RESERVE,
            destination_kind=DestinationKind.REQUEST,
            destination_id=ledger.request,
            usd_amount=Decimal(usd),
            rationale="tarpaulins before the monsoon",
        )

    allocate("6000")
    with pytest.raises(InsufficientBalance):
        allocate("601")
    fund = ledger.concord.get_fund(ledger.fund)
    decided = ledger.concord.approved_allocation(fund)
    allocation_id = decided.allocation_id
    ledger.concord.disburse(SECRETARIAT, ledger.fund, allocation_id, Decimal("5000"))
    with pytest.raises(InvalidInput, match="exceed the allocation"):
        ledger.concord.disburse(SECRETARIAT, ledger.fund, allocation_id, Decimal("1000.01"))

    assert (decided.window, decided.actor.principal, decided.rationale) == (
        FundWindow.RESERVE.value,
        "officer@asean.org",
        "tarpaulins before the monsoon",
    )


def test_the_allocation_a_command_approved_is_read_from_its_event_even_when_replayed(
    ledger: Ledger,
) -> None:
    """What allocateFromFund answers with: the fund keeps no rationale, so its event is the source."""
    pledge = ledger.pledge("1000000")
    ledger.commit(pledge)
    ledger.pay(pledge, "1000000")  # 6,600 USD
    keyed = Command(SECRETARIAT.principal, idempotency_key="allocation-1")

    def allocate() -> UUID:
        recorded = ledger.concord.allocate_from_fund(
            keyed,
            ledger.fund,
            window=FundWindow.STANDARD,
            destination_kind=DestinationKind.REQUEST,
            destination_id=ledger.request,
            usd_amount=Decimal(600),
            rationale="shelter kits",
        )
        return ledger.concord.approved_allocation(recorded.aggregate).allocation_id

    first = allocate()
    ledger.concord.disburse(SECRETARIAT, ledger.fund, first, Decimal(600))  # the fund drops it
    assert allocate() == first  # the retry is answered from the record, at the version it left
    fund = ledger.concord.get_fund(ledger.fund)
    assert (fund.allocated, fund.open_allocations) == (Decimal(600), {})
    with pytest.raises(TypeError, match="not brought there by an allocation"):
        ledger.concord.approved_allocation(fund)


@given(st.lists(st.integers(1, 10_000), min_size=1, max_size=40))
def test_many_payments_and_refunds_leave_no_rounding_drift(cents: list[int]) -> None:
    """Paid in many parts and refunded whole, a pledge's USD value returns exactly to zero."""
    ledger = Ledger()
    try:
        total = sum(cents)
        pledge = ledger.pledge(str(total), currency="JPY")
        ledger.commit(pledge)
        payments = [ledger.pay(pledge, str(part)) for part in cents]
        for payment, part in zip(payments, cents, strict=True):
            ledger.concord.refund_payment(SECRETARIAT, pledge, payment, Decimal(part), "returned")
        refunded = ledger.concord.get_pledge(pledge)
        fund = ledger.concord.get_fund(ledger.fund)
    finally:
        ledger.concord.close()

    assert refunded.paid == 0
    assert refunded.usd_paid == 0
    assert fund.received - fund.refunded == 0


class FundLedger(RuleBasedStateMachine):
    """Pledge, commit, pay, cancel, refund, allocate, disburse in any order: the ledger holds."""

    pledges = Bundle("pledges")
    payments = Bundle("payments")
    allocations = Bundle("allocations")

    def __init__(self) -> None:
        super().__init__()
        self.ledger = Ledger()

    def teardown(self) -> None:
        self.ledger.concord.close()

    @rule(target=pledges, amount=st.integers(1, 5_000_000), to_fund=st.booleans())
    def pledge(self, amount: int, to_fund: bool) -> UUID:
        return self.ledger.pledge(str(amount), to_fund=to_fund)

    @rule(pledge=pledges)
    def commit(self, pledge: UUID) -> None:
        with contextlib.suppress(DomainError):
            self.ledger.commit(pledge)

    @rule(target=payments, pledge=pledges, amount=st.integers(1, 3_000_000))
    def pay(self, pledge: UUID, amount: int) -> tuple[UUID, UUID | None]:
        try:
            return pledge, self.ledger.pay(pledge, str(amount))
        except DomainError:
            return pledge, None

    @rule(pledge=pledges)
    def cancel(self, pledge: UUID) -> None:
        with contextlib.suppress(DomainError):
            self.ledger.concord.cancel_pledge(self.ledger.donor, pledge, "")

    @rule(paid=payments, amount=st.integers(1, 3_000_000))
    def refund(self, paid: tuple[UUID, UUID | None], amount: int) -> None:
        pledge, payment = paid
        if payment is not None:
            with contextlib.suppress(DomainError):
                self.ledger.concord.refund_payment(SECRETARIAT, pledge, payment, Decimal(amount), "")

    @rule(target=allocations, usd=st.integers(1, 40_000), reserve=st.booleans())
    def allocate(self, usd: int, reserve: bool) -> UUID | None:
        try:
            recorded = self.ledger.concord.allocate_from_fund(
                SECRETARIAT,
                self.ledger.fund,
                window=FundWindow.RESERVE if reserve else FundWindow.STANDARD,
                destination_kind=DestinationKind.REQUEST,
                destination_id=self.ledger.request,
                usd_amount=Decimal(usd),
                rationale="need assessed",
            )
        except DomainError:
            return None
        return self.ledger.concord.approved_allocation(recorded.aggregate).allocation_id

    @rule(allocation=allocations, usd=st.integers(1, 40_000))
    def disburse(self, allocation: UUID | None, usd: int) -> None:
        if allocation is not None:
            with contextlib.suppress(DomainError):
                self.ledger.concord.disburse(SECRETARIAT, self.ledger.fund, allocation, Decimal(usd))

    @invariant()
    def disbursed_within_allocated_within_what_was_received(self) -> None:
        fund = self.ledger.concord.get_fund(self.ledger.fund)
        assert fund.balance >= 0
        for allocation in fund.open_allocations.values():
            assert 0 <= allocation.disbursed < allocation.usd_amount
        assert fund.allocated <= fund.received - fund.refunded

    @invariant()
    def the_fund_holds_what_its_pledges_paid(self) -> None:
        concord = self.ledger.concord
        fund = concord.get_fund(self.ledger.fund)
        paid_in = Decimal(0)
        for notification in concord.recorder.select_notifications(1, 100_000):
            if notification.topic.endswith("Pledge.Made"):
                pledge = concord.get_pledge(notification.originator_id)
                assert 0 <= pledge.paid <= pledge.amount
                if pledge.destination_kind is DestinationKind.FUND:
                    paid_in += pledge.usd_paid
        assert fund.received - fund.refunded == paid_in


TestFundLedger = FundLedger.TestCase
TestFundLedger.settings = hypothesis_settings(max_examples=30, stateful_step_count=25, deadline=None)
