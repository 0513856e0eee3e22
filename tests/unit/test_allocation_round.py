"""The allocation round as a command: proposals through the normal path, recorded with the round."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.allocation import NeedLine, OfferLine, Parameters
from domain.errors import InvalidInput
from domain.matches import MatchStatus
from domain.offers import Offer
from domain.requests import AssistanceRequest
from domain.rounds import parameters_of
from services.commands.allocation_rounds import Snapshot
from services.coordination import Command
from services.identity.access import Forbidden
from tests.unit.test_matching import PHL, SECRETARIAT, World


@pytest.fixture
def world() -> Iterator[World]:
    made = World()
    yield made
    made.concord.close()


def need_line(request: AssistanceRequest) -> NeedLine:
    return NeedLine(
        request_id=request.id,
        crisis_id=request.crisis_id,
        member_state=request.member_state.value,
        item=request.need.item,
        unit=request.need.unit,
        open_quantity=request.requested - request.committed,
        priority=request.need.priority,
        needed_by=request.need.needed_by,
    )


def offer_line(offer: Offer) -> OfferLine:
    return OfferLine(
        offer_id=offer.id,
        crisis_id=offer.crisis_id,
        party=offer.organisation_id or "",
        home_state=None,
        item=offer.terms.item,
        unit=offer.terms.unit,
        remaining=offer.remaining,
        available_from=offer.terms.available_from,
        available_until=offer.terms.available_until,
        serves=frozenset(s.value for s in offer.terms.serves),
    )


def snapshot(world: World, requests: list[AssistanceRequest], offers: list[Offer]) -> Snapshot:
    return Snapshot([need_line(r) for r in requests], [offer_line(o) for o in offers], position=7)


def test_a_round_proposes_matches_that_follow_the_normal_lifecycle(world: World) -> None:
    concord = world.concord
    request = concord.get_request(world.request(100))
    offers = [concord.get_offer(world.offer(30)), concord.get_offer(world.offer(50))]

    held = concord.run_allocation_round(
        SECRETARIAT, world.crisis, snapshot(world, [request], offers)
    ).aggregate

    assert sorted(p.quantity for p in held.proposals) == [30, 50]
    assert held.read_position == 7
    assert held.objective["min_state_coverage"] == pytest.approx(0.8)
    assert [concord.get_offer(o.id).remaining for o in offers] == [0, 0]
    match = concord.get_match(held.proposals[0].match_id)
    assert match.status is MatchStatus.PROPOSED
    concord.accept_match(PHL, match.id)
    assert concord.get_request(request.id).committed == match.quantity
    assert concord.get_allocation_round(held.id).proposals == held.proposals


def test_a_round_records_its_inputs_whole_and_re_solving_them_reproduces_it(world: World) -> None:
    concord = world.concord
    requests = [concord.get_request(world.request(q)) for q in (100, 40, 7)]
    offers = [concord.get_offer(world.offer(q)) for q in (30, 50, 12)]
    read = snapshot(world, requests, offers)
    withdrawn = offers[2].id
    concord.withdraw_offer(world.donor, withdrawn, "gone")

    held = concord.get_allocation_round(
        concord.run_allocation_round(SECRETARIAT, world.crisis, read).aggregate.id
    )

    assert held.inputs() == (read.needs, read.offers)
    assert held.skipped  # the withdrawn offer's line: still part of what the solver found
    assert concord.reproduces(held)


def test_a_line_whose_offer_changed_since_the_read_is_skipped_with_the_reason(world: World) -> None:
    concord = world.concord
    request = concord.get_request(world.request(100))
    kept, withdrawn = concord.get_offer(world.offer(30)), concord.get_offer(world.offer(50))
    read = snapshot(world, [request], [kept, withdrawn])
    concord.withdraw_offer(world.donor, withdrawn.id, "sent elsewhere")

    held = concord.run_allocation_round(SECRETARIAT, world.crisis, read).aggregate

    assert [(p.offer_id, p.quantity) for p in held.proposals] == [(kept.id, Decimal(30))]
    [skipped] = held.skipped
    assert (skipped.offer_id, skipped.quantity) == (withdrawn.id, Decimal(50))
    assert "withdrawn" in skipped.reason
    assert concord.get_offer(withdrawn.id).remaining == 50


def test_only_the_secretariat_runs_a_round_and_a_retry_records_it_once(world: World) -> None:
    concord = world.concord
    read = snapshot(world, [concord.get_request(world.request(10))], [concord.get_offer(world.offer(10))])
    keyed = Command(SECRETARIAT.principal, idempotency_key="round-2026-11-28")

    with pytest.raises(Forbidden):
        concord.run_allocation_round(PHL, world.crisis, read)
    first = concord.run_allocation_round(keyed, world.crisis, read)
    again = concord.run_allocation_round(keyed, world.crisis, read)

    assert again.replayed
    assert again.aggregate.id == first.aggregate.id
    assert concord.get_offer(read.offers[0].offer_id).remaining == 0


def test_a_round_for_an_unknown_crisis_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="crisisId"):
        world.concord.run_allocation_round(SECRETARIAT, uuid4(), Snapshot([], [], 0))


def test_a_round_recorded_before_the_preference_stage_re_solves_without_it() -> None:
    recorded = {k: v for k, v in Parameters().as_dict().items() if k != "preference_stage"}

    assert parameters_of(recorded) == Parameters(preference_stage=False)
    assert parameters_of(Parameters().as_dict()) == Parameters()
