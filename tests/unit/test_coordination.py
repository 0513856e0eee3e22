"""The command service on the in-memory event store: commands, access, idempotency, audit."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from domain.access import Role
from domain.codes import MemberState, Sector
from domain.errors import InvalidInput
from domain.organisations import OrganisationType
from domain.requests import AssistanceRequest, RequestStatus
from services.coordination import Command, Concord
from services.errors import NotFound
from services.idempotency import CommandInFlight, IdempotencyKeyReused, receipt_id
from services.identity.access import Forbidden, Principal, Unauthenticated
from services.identity.policy import Scope
from services.infrastructure.eventsourcing_internals import fast_decoder
from tests.conftest import fixed_today
from tests.factories import a_need

PHL = Command(Principal("maria@dswd.gov.ph", Role.COORDINATOR, MemberState.PHL), "corr-1")
THA = Command(Principal("somchai@ddpm.go.th", Role.COORDINATOR, MemberState.THA))
SECRETARIAT = Command(Principal("officer@asean.org", Role.SECRETARIAT))


@pytest.fixture
def concord() -> Iterator[Concord]:
    app = Concord({"PERSISTENCE_MODULE": "eventsourcing.popo"}, today=fixed_today)
    yield app
    app.close()


@pytest.fixture
def crisis(concord: Concord) -> UUID:
    opened = concord.open_crisis(SECRETARIAT, "Marawi displacement", [MemberState.PHL], date(2026, 11, 1))
    return opened.aggregate.id


def test_a_posted_request_is_stored_and_its_log_position_returned(concord: Concord, crisis: UUID) -> None:
    recorded = concord.post_request(PHL, crisis, MemberState.PHL, a_need())

    stored = concord.get_request(recorded.aggregate.id)
    assert stored.need == recorded.aggregate.need
    assert recorded.position == concord.recorder.max_notification_id()


def test_every_event_records_who_did_it(concord: Concord, crisis: UUID) -> None:
    request_id = concord.post_request(PHL, crisis, MemberState.PHL, a_need()).aggregate.id
    concord.amend_request(PHL, request_id, priority=5)

    events = list(concord.events.get(request_id))

    assert [e.actor.principal for e in events] == ["maria@dswd.gov.ph"] * 2  # type: ignore[attr-defined]
    posted = events[0]
    assert isinstance(posted, AssistanceRequest.Posted)
    assert (posted.actor.role, posted.actor.scope, posted.actor.member_state) == (
        "coordinator",
        "own-state",
        "PHL",
    )
    assert posted.actor.correlation_id == "corr-1"


def test_an_amendment_changes_only_the_named_terms(concord: Concord, crisis: UUID) -> None:
    request_id = concord.post_request(PHL, crisis, MemberState.PHL, a_need()).aggregate.id

    recorded = concord.amend_request(
        PHL, request_id, priority=5, sector=Sector.HEA, item="HEA-IEHK", unit="kit"
    )

    need = concord.get_request(request_id).need
    assert (need.priority, need.sector, need.title) == (5, Sector.HEA, a_need().title)
    assert recorded.position == concord.recorder.max_notification_id()


def test_cancelling_is_recorded_as_an_event(concord: Concord, crisis: UUID) -> None:
    request_id = concord.post_request(PHL, crisis, MemberState.PHL, a_need()).aggregate.id

    concord.cancel_request(PHL, request_id, "duplicate of an earlier request")

    assert concord.get_request(request_id).status is RequestStatus.CANCELLED


def test_a_coordinator_acts_for_its_own_state_only(concord: Concord, crisis: UUID) -> None:
    request_id = concord.post_request(PHL, crisis, MemberState.PHL, a_need()).aggregate.id

    with pytest.raises(Forbidden):
        concord.post_request(THA, crisis, MemberState.PHL, a_need())
    with pytest.raises(Forbidden):
        concord.amend_request(THA, request_id, priority=1)
    with pytest.raises(Forbidden):
        concord.post_request(SECRETARIAT, crisis, MemberState.PHL, a_need())

    assert concord.recorder.max_notification_id() == 2  # the crisis and the one request


def test_an_unknown_request_is_not_found(concord: Concord) -> None:
    with pytest.raises(NotFound):
        concord.amend_request(PHL, uuid.uuid4(), priority=1)


def test_a_refused_command_stores_nothing(concord: Concord, crisis: UUID) -> None:
    with pytest.raises(InvalidInput):
        concord.post_request(PHL, crisis, MemberState.PHL, a_need(quantity=Decimal(0)))

    assert concord.recorder.max_notification_id() == 1  # only the crisis


def test_the_same_idempotency_key_and_payload_returns_the_first_result(
    concord: Concord, crisis: UUID
) -> None:
    command = Command(PHL.principal, idempotency_key="post-tarpaulins-1")

    first = concord.post_request(command, crisis, MemberState.PHL, a_need())
    again = concord.post_request(command, crisis, MemberState.PHL, a_need())

    assert again.replayed
    assert again.aggregate.id == first.aggregate.id
    assert concord.recorder.max_notification_id() == first.position
    topics = [n.topic for n in concord.recorder.select_notifications(2, 10)]
    assert len(topics) == 2  # the request's event and its receipt, in one transaction
    assert concord.repository.get(receipt_id(PHL.principal, "post-tarpaulins-1"))


def test_a_retry_after_other_commands_returns_the_first_position_not_the_head(
    concord: Concord, crisis: UUID
) -> None:
    command = Command(PHL.principal, idempotency_key="post-tarpaulins-2")
    first = concord.post_request(command, crisis, MemberState.PHL, a_need())
    later = concord.post_request(PHL, crisis, MemberState.PHL, a_need(priority=1))

    again = concord.post_request(command, crisis, MemberState.PHL, a_need())

    assert again.replayed
    assert later.position > first.position
    assert again.position == first.position


def test_the_same_key_with_a_different_payload_is_refused(concord: Concord, crisis: UUID) -> None:
    command = Command(PHL.principal, idempotency_key="k-1")
    concord.post_request(command, crisis, MemberState.PHL, a_need())

    with pytest.raises(IdempotencyKeyReused):
        concord.post_request(command, crisis, MemberState.PHL, a_need(priority=1))


def test_keys_belong_to_their_principal(concord: Concord, crisis: UUID) -> None:
    other = Command(Principal("jose@dswd.gov.ph", Role.COORDINATOR, MemberState.PHL), idempotency_key="k-1")
    first = concord.post_request(
        Command(PHL.principal, idempotency_key="k-1"), crisis, MemberState.PHL, a_need()
    )

    second = concord.post_request(other, crisis, MemberState.PHL, a_need())

    assert second.aggregate.id != first.aggregate.id


def test_a_duplicate_while_the_first_is_in_flight_is_refused(concord: Concord, crisis: UUID) -> None:
    command = Command(PHL.principal, idempotency_key="k-2")
    with concord._in_flight.hold(receipt_id(PHL.principal, "k-2")), pytest.raises(CommandInFlight):
        concord.post_request(command, crisis, MemberState.PHL, a_need())


def test_a_request_as_it_was_at_a_past_moment(concord: Concord, crisis: UUID) -> None:
    request_id = concord.post_request(PHL, crisis, MemberState.PHL, a_need(priority=2)).aggregate.id
    between = datetime.now(UTC)
    concord.amend_request(PHL, request_id, priority=5)

    then = concord.request_as_of(request_id, between)

    assert then.need.priority == 2
    assert concord.get_request(request_id).need.priority == 5
    with pytest.raises(NotFound):
        concord.request_as_of(request_id, datetime(2000, 1, 1, tzinfo=UTC))


def test_history_is_for_the_owning_state_and_the_secretariat(concord: Concord, crisis: UUID) -> None:
    request_id = concord.post_request(PHL, crisis, MemberState.PHL, a_need()).aggregate.id

    assert len(concord.request_history(PHL.principal, request_id).events) == 1
    assert len(concord.request_history(SECRETARIAT.principal, request_id).events) == 1
    with pytest.raises(Forbidden):
        concord.request_history(THA.principal, request_id)


def test_a_suspended_organisation_can_no_longer_command(concord: Concord, crisis: UUID) -> None:
    government = concord.register_organisation(
        SECRETARIAT,
        "Department of Social Welfare and Development",
        OrganisationType.MEMBER_STATE_GOVERNMENT,
        member_state=MemberState.PHL,
    ).aggregate
    coordinator = Command(Principal("ana@dswd.gov.ph", Role.COORDINATOR, MemberState.PHL, government.id))
    concord.post_request(coordinator, crisis, MemberState.PHL, a_need())

    concord.suspend_organisation(SECRETARIAT, government.id, "audit pending")

    with pytest.raises(Forbidden, match="suspended"):
        concord.post_request(coordinator, crisis, MemberState.PHL, a_need())
    concord.reinstate_organisation(SECRETARIAT, government.id)
    concord.post_request(coordinator, crisis, MemberState.PHL, a_need())


def test_only_the_secretariat_registers_organisations(concord: Concord) -> None:
    with pytest.raises(Forbidden):
        concord.register_organisation(PHL, "Acme Relief", OrganisationType.NGO)


def test_an_api_key_is_stored_only_as_a_hash_and_can_be_revoked(concord: Concord) -> None:
    issued = concord.issue_api_key(
        SECRETARIAT.actor(Scope.ANY),
        name="PHL logistics integration",
        role=Role.COORDINATOR,
        member_state=MemberState.PHL,
    )

    principal = concord.principal_for_api_key(issued.key)
    stored = b"".join(n.state for n in concord.recorder.select_notifications(1, 10))

    assert principal.role is Role.COORDINATOR
    assert principal.member_state is MemberState.PHL
    assert issued.key.encode() not in stored
    concord.revoke_api_key(SECRETARIAT.actor(Scope.ANY), issued.account_id)
    with pytest.raises(Unauthenticated):
        concord.principal_for_api_key(issued.key)
    with pytest.raises(Unauthenticated):
        concord.principal_for_api_key("concord_not-a-key")


def test_a_key_issued_before_hints_were_kept_reads_back_with_none(concord: Concord) -> None:
    issued = concord.issue_api_key(SECRETARIAT.actor(Scope.ANY), name="feed", role=Role.VIEWER)
    [notification] = concord.recorder.select_notifications(1, 1)
    state = json.loads(notification.state)
    del state["key_hint"], state["class_version"]  # as version 1 of the event was stored
    old = StoredEvent(
        notification.originator_id,
        notification.originator_version,
        notification.topic,
        json.dumps(state).encode(),
    )

    read = [concord.mapper.to_domain_event(old), fast_decoder(concord.mapper)(old)]

    assert [event.key_hint for event in read] == ["", ""]  # type: ignore[attr-defined]
    assert read[0].mutate(None).key_hint == ""  # type: ignore[attr-defined]
    assert concord.get_service_account(issued.account_id).key_hint == issued.key[-4:]


def test_a_person_issues_keys_acting_as_they_do_and_the_secret_only_once(concord: Concord) -> None:
    command = Command(PHL.principal, idempotency_key="issue-1")
    issued = concord.issue_own_api_key(command, "PHL logistics feed")
    again = concord.issue_own_api_key(command, "PHL logistics feed")
    acting = concord.principal_for_api_key(issued.key or "")

    assert (acting.role, acting.member_state, acting.via) == (Role.COORDINATOR, MemberState.PHL, "api-key")
    assert again.recorded.aggregate.id == issued.recorded.aggregate.id
    assert again.key is None  # the secret was never stored: a retry cannot show it again
    with pytest.raises(Forbidden, match="never wider"):
        concord.issue_own_api_key(PHL, "wider", role=Role.SECRETARIAT)
    with pytest.raises(Forbidden, match="own state"):
        concord.issue_own_api_key(PHL, "elsewhere", member_state=MemberState.THA)
    with pytest.raises(Forbidden, match="issues no API keys"):
        concord.issue_own_api_key(Command(acting), "a key's key")


def test_only_its_issuer_or_the_secretariat_revokes_a_key(concord: Concord) -> None:
    colleague = Command(Principal("jose@dswd.gov.ph", Role.COORDINATOR, MemberState.PHL))
    mine = concord.issue_own_api_key(PHL, "mine").recorded.aggregate.id
    theirs = concord.issue_own_api_key(colleague, "theirs").recorded.aggregate.id

    with pytest.raises(Forbidden, match="made itself only"):
        concord.revoke_own_api_key(PHL, theirs)
    concord.revoke_own_api_key(PHL, mine)
    concord.revoke_own_api_key(SECRETARIAT, theirs)

    assert concord.get_service_account(mine).revoked
    assert concord.get_service_account(theirs).revoked
