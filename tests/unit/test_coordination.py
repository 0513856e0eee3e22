"""The command service on the in-memory event store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest

from domain.codes import MemberState, Sector
from domain.errors import InvalidInput
from domain.requests import AssistanceRequest, RequestStatus
from services.coordination import Concord
from services.errors import NotFound
from tests.conftest import fixed_today
from tests.factories import a_need


@pytest.fixture
def concord() -> Iterator[Concord]:
    app = Concord({"PERSISTENCE_MODULE": "eventsourcing.popo"}, today=fixed_today)
    yield app
    app.close()


def test_a_posted_request_is_stored_and_its_log_position_returned(concord: Concord) -> None:
    recorded = concord.post_request(MemberState.IDN, a_need(admin_code="ID73"))

    stored = concord.get_request(recorded.aggregate.id)
    assert stored.need == recorded.aggregate.need
    assert recorded.position == concord.recorder.max_notification_id()


def test_an_amendment_changes_only_the_named_terms(concord: Concord) -> None:
    request_id = concord.post_request(MemberState.PHL, a_need()).aggregate.id

    recorded = concord.amend_request(request_id, priority=5, sector=Sector.HEA)

    need = concord.get_request(request_id).need
    assert (need.priority, need.sector, need.title) == (5, Sector.HEA, a_need().title)
    assert recorded.position == 2


def test_cancelling_is_recorded_as_an_event(concord: Concord) -> None:
    request_id = concord.post_request(MemberState.PHL, a_need()).aggregate.id

    concord.cancel_request(request_id, "duplicate of an earlier request")

    assert concord.get_request(request_id).status is RequestStatus.CANCELLED
    topics = [n.topic for n in concord.recorder.select_notifications(1, 10)]
    assert topics[-1].endswith("AssistanceRequest.Cancelled")


def test_an_unknown_request_is_not_found(concord: Concord) -> None:
    with pytest.raises(NotFound):
        concord.amend_request(uuid.uuid4(), priority=1)


def test_a_refused_command_stores_nothing(concord: Concord) -> None:
    with pytest.raises(InvalidInput):
        concord.post_request(MemberState.PHL, a_need(quantity=Decimal(0)))

    assert concord.recorder.max_notification_id() in (None, 0)


def test_events_survive_the_round_trip_through_the_stored_form(concord: Concord) -> None:
    """Dates and decimals are transcoded, and read back as the same values."""
    request_id = concord.post_request(MemberState.PHL, a_need(quantity=Decimal("0.5"))).aggregate.id

    [notification] = concord.recorder.select_notifications(1, 1)
    event = concord.mapper.to_domain_event(notification)

    assert isinstance(event, AssistanceRequest.Posted)
    assert event.quantity == Decimal("0.5")
    assert event.needed_by == a_need().needed_by
    assert concord.get_request(request_id).need == a_need(quantity=Decimal("0.5"))


def test_listeners_learn_the_position_of_each_commit(concord: Concord) -> None:
    seen: list[int] = []
    stop = concord.on_recorded(seen.append)

    concord.post_request(MemberState.PHL, a_need())
    stop()
    concord.post_request(MemberState.PHL, a_need())

    assert seen == [1]
