"""The assistance request aggregate: given / when / then."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.access import Actor
from domain.codes import MemberState, Sector
from domain.errors import InvalidInput, InvalidTransition
from domain.requests import AssistanceRequest, RequestStatus
from tests.factories import a_need

TODAY = date(2026, 11, 28)
CRISIS = uuid4()
ACTOR = Actor(principal="coordinator-phl", role="coordinator", scope="own-state", member_state="PHL")


def posted(**overrides: object) -> AssistanceRequest:
    return AssistanceRequest.post(CRISIS, MemberState.PHL, a_need(**overrides), today=TODAY, actor=ACTOR)


def test_posting_records_what_is_needed_as_one_event() -> None:
    request = posted()

    events = request.collect_events()
    assert [type(e) for e in events] == [AssistanceRequest.Posted]
    assert request.status is RequestStatus.OPEN
    assert request.member_state is MemberState.PHL
    assert request.need == a_need()


def test_text_is_trimmed_and_the_p_code_upper_cased() -> None:
    request = posted(title="  Water trucking  ", admin_code=" ph1536 ")

    assert request.need.title == "Water trucking"
    assert request.need.admin_code == "PH1536"


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("quantity", {"quantity": Decimal(0)}),
        ("quantity", {"quantity": Decimal(-3)}),
        ("quantity", {"quantity": Decimal("NaN")}),
        ("quantity", {"quantity": Decimal("1.00001")}),
        ("quantity", {"quantity": Decimal("1e13")}),
        ("priority", {"priority": 0}),
        ("priority", {"priority": 6}),
        ("neededBy", {"needed_by": date(2026, 11, 27)}),
        ("title", {"title": "   "}),
        ("title", {"title": "x" * 201}),
        ("description", {"description": "x" * 4001}),
        ("unit", {"unit": ""}),
        ("adminCode", {"admin_code": "TH15"}),
        ("adminCode", {"admin_code": "PH15A"}),
        ("adminCode", {"admin_code": ""}),
        ("item", {"item": "SHL-SPACESHIP"}),
        ("item", {"item": "HEA-EMT"}),
    ],
)
def test_a_need_that_can_never_be_right_is_refused_naming_the_field(
    field: str, overrides: dict[str, object]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        posted(**overrides)

    assert refused.value.field == field


def test_needed_today_is_still_accepted() -> None:
    assert posted(needed_by=TODAY).need.needed_by == TODAY


def test_myanmar_p_codes_with_the_iso3_prefix_are_accepted() -> None:
    request = AssistanceRequest.post(
        CRISIS, MemberState.MMR, a_need(admin_code="MMR001"), today=TODAY, actor=ACTOR
    )

    assert request.need.admin_code == "MMR001"


def test_amending_records_the_new_terms() -> None:
    request = posted()
    request.collect_events()

    request.amend(
        a_need(priority=5, sector=Sector.WSH, item="WSH-HYGIENE", unit="kit"), today=TODAY, actor=ACTOR
    )

    [amended] = request.collect_events()
    assert isinstance(amended, AssistanceRequest.Amended)
    assert (amended.priority, amended.sector) == (5, "WSH")
    assert request.need.priority == 5
    assert request.version == 2


def test_an_amendment_that_changes_nothing_is_refused() -> None:
    request = posted()

    with pytest.raises(InvalidInput, match="changes nothing"):
        request.amend(a_need(), today=TODAY, actor=ACTOR)


def test_cancelling_keeps_the_request_on_record_as_cancelled() -> None:
    request = posted()

    request.cancel("covered by the host community", actor=ACTOR)

    assert request.status is RequestStatus.CANCELLED
    assert request.cancellation_reason == "covered by the host community"


def test_a_cancelled_request_cannot_be_amended_or_cancelled_again() -> None:
    request = posted()
    request.cancel("", actor=ACTOR)

    with pytest.raises(InvalidTransition):
        request.amend(a_need(priority=1), today=TODAY, actor=ACTOR)
    with pytest.raises(InvalidTransition):
        request.cancel("again", actor=ACTOR)


def test_replaying_the_events_rebuilds_the_same_request() -> None:
    request = posted()
    request.amend(a_need(quantity=Decimal("120.5")), today=TODAY, actor=ACTOR)
    request.cancel("duplicate", actor=ACTOR)
    events = request.collect_events()

    replayed = None
    for event in events:
        replayed = event.mutate(replayed)

    assert isinstance(replayed, AssistanceRequest)
    assert replayed.need == request.need
    assert replayed.crisis_id == CRISIS
    assert replayed.status is RequestStatus.CANCELLED
    assert replayed.version == 3
    assert all(event.actor == ACTOR for event in events)


@given(
    quantity=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("999999999999"), places=4),
    priority=st.integers(min_value=1, max_value=5),
    state=st.sampled_from(MemberState),
    digits=st.from_regex(r"\d{1,12}", fullmatch=True),
)
def test_every_valid_need_of_every_member_state_is_accepted(
    quantity: Decimal, priority: int, state: MemberState, digits: str
) -> None:
    need = a_need(quantity=quantity, priority=priority, admin_code=state.iso2 + digits)

    request = AssistanceRequest.post(CRISIS, state, need, today=TODAY, actor=ACTOR)

    assert request.need.quantity == quantity
    assert request.member_state is state
