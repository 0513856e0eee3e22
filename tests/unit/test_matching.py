"""Offers matched to requests, from proposal to delivery, with the invariants checked at each step."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from domain.access import SYSTEM, Role
from domain.codes import MemberState, Sector
from domain.errors import DomainError, InvalidInput
from domain.matches import Match, MatchStatus
from domain.offers import DeliveryMode, OverAllocation, Terms
from domain.organisations import OrganisationType
from domain.requests import OverCommitment, RequestStatus
from services.coordination import Command, Concord
from services.identity.access import Forbidden, Principal
from tests.conftest import fixed_today
from tests.factories import a_need

SECRETARIAT = Command(Principal("officer@asean.org", Role.SECRETARIAT))
PHL = Command(Principal("maria@dswd.gov.ph", Role.COORDINATOR, MemberState.PHL))
THA = Command(Principal("somchai@ddpm.go.th", Role.COORDINATOR, MemberState.THA))


def terms(**overrides: object) -> Terms:
    values: dict[str, object] = {
        "sector": Sector.SHL,
        "item": "SHL-TARP",
        "quantity": Decimal(80),
        "unit": "piece",
        "available_from": date(2026, 11, 20),
        "available_until": date(2027, 3, 31),
        "serves": frozenset({MemberState.PHL, MemberState.IDN}),
        "delivery_mode": DeliveryMode.IN_KIND,
    }
    values.update(overrides)
    return Terms(**values)  # type: ignore[arg-type]


class World:
    def __init__(self) -> None:
        self.concord = Concord({"PERSISTENCE_MODULE": "eventsourcing.popo"}, today=fixed_today)
        self.crisis = self.concord.open_crisis(
            SECRETARIAT, "Marawi displacement", [MemberState.PHL], date(2026, 11, 1)
        ).aggregate.id
        self.donor_org = self.concord.register_organisation(
            SECRETARIAT, "Japan Platform", OrganisationType.NGO
        ).aggregate.id
        self.donor = Command(Principal("kenji@japanplatform.org", Role.DONOR, organisation_id=self.donor_org))

    def request(self, quantity: int = 100) -> UUID:
        need = a_need(quantity=Decimal(quantity))
        return self.concord.post_request(PHL, self.crisis, MemberState.PHL, need).aggregate.id

    def offer(self, quantity: int = 80) -> UUID:
        return self.concord.post_offer(
            self.donor, self.crisis, terms(quantity=Decimal(quantity))
        ).aggregate.id


@pytest.fixture
def world() -> Iterator[World]:
    made = World()
    yield made
    made.concord.close()


def test_a_match_goes_from_proposed_to_delivered(world: World) -> None:
    concord = world.concord
    request_id, offer_id = world.request(100), world.offer(80)

    match = concord.propose_match(THA, request_id, offer_id, Decimal(50)).aggregate
    concord.accept_match(PHL, match.id)
    concord.confirm_match(world.donor, match.id)
    concord.dispatch_match(world.donor, match.id)
    assert concord.get_request(request_id).in_transit == 50
    delivered = concord.record_delivery(PHL, match.id, Decimal(45)).aggregate

    request, offer = concord.get_request(request_id), concord.get_offer(offer_id)
    assert delivered.status is MatchStatus.DELIVERED
    assert (request.requested, request.committed, request.delivered) == (100, 50, 45)
    assert request.in_transit == 0
    assert request.status is RequestStatus.PARTIALLY_COVERED
    assert offer.remaining == 30
    assert request.commitments[match.id].organisation_id == str(world.donor_org)


def test_nothing_beyond_what_is_offered_is_allocated(world: World) -> None:
    request_id, offer_id = world.request(500), world.offer(80)
    world.concord.propose_match(PHL, request_id, offer_id, Decimal(60))

    with pytest.raises(OverAllocation):
        world.concord.propose_match(PHL, request_id, offer_id, Decimal(21))


def test_nothing_beyond_what_is_requested_is_committed_unless_accepted_as_over_cover(world: World) -> None:
    concord = world.concord
    request_id = world.request(50)
    first = concord.propose_match(PHL, request_id, world.offer(40), Decimal(40)).aggregate
    second = concord.propose_match(PHL, request_id, world.offer(40), Decimal(40)).aggregate
    concord.accept_match(PHL, first.id)

    with pytest.raises(OverCommitment):
        concord.accept_match(PHL, second.id)
    concord.accept_match(PHL, second.id, over_cover=True)

    assert concord.get_request(request_id).committed == 80
    assert concord.get_request(request_id).status is RequestStatus.COVERED


def test_more_cannot_be_received_than_was_dispatched(world: World) -> None:
    concord = world.concord
    match = concord.propose_match(PHL, world.request(), world.offer(), Decimal(10)).aggregate
    concord.accept_match(PHL, match.id)
    concord.confirm_match(world.donor, match.id)
    concord.dispatch_match(world.donor, match.id)

    with pytest.raises(InvalidInput, match="more than"):
        concord.record_delivery(PHL, match.id, Decimal(11))


def test_declining_releases_the_offer_and_the_commitment(world: World) -> None:
    concord = world.concord
    request_id, offer_id = world.request(), world.offer(80)
    match = concord.propose_match(PHL, request_id, offer_id, Decimal(30)).aggregate
    concord.accept_match(PHL, match.id)

    concord.decline_match(world.donor, match.id, "stock diverted")

    assert concord.get_offer(offer_id).remaining == 80
    assert concord.get_request(request_id).committed == 0
    assert concord.get_match(match.id).status is MatchStatus.DECLINED


def test_only_the_parties_take_their_steps(world: World) -> None:
    concord = world.concord
    match = concord.propose_match(PHL, world.request(), world.offer(), Decimal(10)).aggregate
    other_org = concord.register_organisation(SECRETARIAT, "Other Relief", OrganisationType.NGO).aggregate.id
    other_donor = Command(Principal("x@other.org", Role.DONOR, organisation_id=other_org))

    with pytest.raises(Forbidden):
        concord.accept_match(THA, match.id)  # not the requesting state
    concord.accept_match(PHL, match.id)
    with pytest.raises(Forbidden):
        concord.confirm_match(PHL, match.id)  # the requesting state is not the offerer
    with pytest.raises(Forbidden, match="own organisation"):
        concord.confirm_match(other_donor, match.id)


@pytest.mark.parametrize(
    "mismatch",
    [
        {"item": "SHL-BLANKET"},  # same sector and unit, but no substitute for a tarpaulin
        {"unit": "bundle"},
        {"serves": frozenset({MemberState.THA})},
        {"available_from": date(2027, 2, 1), "available_until": date(2027, 3, 1)},
    ],
)
def test_an_offer_that_does_not_fit_the_request_is_refused(world: World, mismatch: dict[str, object]) -> None:
    offer_id = world.concord.post_offer(world.donor, world.crisis, terms(**mismatch)).aggregate.id

    with pytest.raises(InvalidInput):
        world.concord.propose_match(PHL, world.request(), offer_id, Decimal(1))


def test_a_declared_substitute_may_be_matched(world: World) -> None:
    tents = world.concord.post_offer(world.donor, world.crisis, terms(item="SHL-TENT")).aggregate.id

    match = world.concord.propose_match(PHL, world.request(), tents, Decimal(5)).aggregate

    assert match.status is MatchStatus.PROPOSED


def test_an_overdue_need_takes_what_is_available_now(world: World) -> None:
    """Needed by 15 January; on 10 February an offer available since 1 February still fits."""
    later = terms(available_from=date(2027, 2, 1), available_until=date(2027, 3, 1))
    offer = world.concord.get_offer(world.concord.post_offer(world.donor, world.crisis, later).aggregate.id)
    request = world.concord.get_request(world.request())

    match = Match.propose(request, offer, Decimal(5), today=date(2027, 2, 10), actor=SYSTEM)

    assert match.quantity == 5


def test_a_request_with_commitments_cannot_be_cancelled(world: World) -> None:
    concord = world.concord
    request_id = world.request()
    match = concord.propose_match(PHL, request_id, world.offer(), Decimal(10)).aggregate
    concord.accept_match(PHL, match.id)

    with pytest.raises(DomainError):
        concord.cancel_request(PHL, request_id)


class Lifecycle(RuleBasedStateMachine):
    """Any sequence of steps keeps the invariants, and replaying the log gives the live state."""

    requests = Bundle("requests")
    offers = Bundle("offers")
    matches = Bundle("matches")

    def __init__(self) -> None:
        super().__init__()
        self.world = World()
        self.over_covered: set[UUID] = set()

    def teardown(self) -> None:
        self.world.concord.close()

    @rule(target=requests, quantity=st.integers(1, 120))
    def post_request(self, quantity: int) -> UUID:
        return self.world.request(quantity)

    @rule(target=offers, quantity=st.integers(1, 120))
    def post_offer(self, quantity: int) -> UUID:
        return self.world.offer(quantity)

    @rule(target=matches, request=requests, offer=offers, quantity=st.integers(1, 60))
    def propose(self, request: UUID, offer: UUID, quantity: int) -> UUID | None:
        try:
            return self.world.concord.propose_match(PHL, request, offer, Decimal(quantity)).aggregate.id
        except DomainError:
            return None

    def _step(self, call: object, *args: object, **kwargs: object) -> None:
        with contextlib.suppress(DomainError):  # refusals are part of the walk
            call(*args, **kwargs)  # type: ignore[operator]

    @rule(match=matches, over_cover=st.booleans())
    def accept(self, match: UUID | None, over_cover: bool) -> None:
        if match is not None:
            self._step(self.world.concord.accept_match, PHL, match, over_cover=over_cover)
            if over_cover:
                self.over_covered.add(self.world.concord.get_match(match).request_id)

    @rule(match=matches)
    def confirm(self, match: UUID | None) -> None:
        if match is not None:
            self._step(self.world.concord.confirm_match, self.world.donor, match)

    @rule(match=matches)
    def dispatch(self, match: UUID | None) -> None:
        if match is not None:
            self._step(self.world.concord.dispatch_match, self.world.donor, match)

    @rule(match=matches, short=st.integers(0, 5))
    def deliver(self, match: UUID | None, short: int) -> None:
        if match is not None:
            sent = self.world.concord.get_match(match).quantity
            self._step(self.world.concord.record_delivery, PHL, match, max(Decimal(0), sent - short))

    @rule(match=consumes(matches), cancel=st.booleans())
    def end(self, match: UUID | None, cancel: bool) -> None:
        if match is not None:
            call = self.world.concord.cancel_match if cancel else self.world.concord.decline_match
            self._step(call, PHL, match)

    @invariant()
    def offers_are_never_over_allocated(self) -> None:
        for offer in self._all(offer=True):
            assert offer.allocated <= offer.terms.quantity

    @invariant()
    def requests_are_never_over_committed_nor_over_delivered(self) -> None:
        for request in self._all(offer=False):
            if request.id not in self.over_covered:
                assert request.committed <= request.requested
            for held in request.commitments.values():
                assert held.delivered <= held.dispatched <= held.quantity

    @invariant()
    def the_log_replays_to_the_live_state(self) -> None:
        concord = self.world.concord
        for live in self._all(offer=False) + self._all(offer=True):
            replayed = None
            for event in concord.events.get(live.id):
                replayed = event.mutate(replayed)  # type: ignore[attr-defined]
            assert replayed is not None
            assert replayed.__dict__ == live.__dict__

    def _all(self, *, offer: bool) -> list:  # type: ignore[type-arg]
        concord = self.world.concord
        kind = "Offer.Posted" if offer else "AssistanceRequest.Posted"
        ids = [
            n.originator_id
            for n in concord.recorder.select_notifications(1, 10_000)
            if n.topic.endswith(kind)
        ]
        return [concord.repository.get(i) for i in ids]


TestLifecycle = Lifecycle.TestCase
TestLifecycle.settings = hypothesis_settings(max_examples=40, stateful_step_count=25, deadline=None)
