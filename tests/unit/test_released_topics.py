"""A stored event names its class by the module the class was released in. After a class moves,
what was stored under its old topic still reads as that class: events are never rewritten."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from domain.access import Role
from domain.codes import MemberState
from domain.funds import FundWindow, StabilityFund
from domain.pledges import DestinationKind
from services.coordination import Concord
from services.identity.access import Principal, Unauthenticated
from services.identity.policy import Scope
from services.infrastructure.snapshots import StateSnapshot
from tests.conftest import fixed_today

MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
SECRETARIAT = Principal("officer@asean.org", Role.SECRETARIAT)


@pytest.fixture
def concord() -> Iterator[Concord]:
    app = Concord(MEMORY, today=fixed_today)
    yield app
    app.close()


def as_released(stored: StoredEvent, module: str, released_module: str) -> StoredEvent:
    """``stored`` as the code of the release before the move wrote it: its topic, and any topic in
    its state (a created event's ``originator_topic``), name ``released_module``."""
    old, new = module.encode(), released_module.encode()
    return StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic.replace(module, released_module),
        state=stored.state.replace(old, new),
    )


def test_a_service_account_stored_under_its_released_topic_still_authenticates_its_key(
    concord: Concord,
) -> None:
    # Given an API key whose account was issued by the release that kept it in services.service_accounts
    scratch = Concord(MEMORY, today=fixed_today)
    issued = scratch.issue_api_key(
        SECRETARIAT.actor(Scope.ANY),
        name="PHL logistics",
        role=Role.COORDINATOR,
        member_state=MemberState.PHL,
    )
    [written] = scratch.recorder.select_events(issued.account_id)
    scratch.close()
    released = as_released(written, "services.identity.service_accounts", "services.service_accounts")
    assert released.topic == "services.service_accounts:ServiceAccount.Issued"
    assert b'"services.service_accounts:ServiceAccount"' in released.state  # its originator_topic
    concord.recorder.insert_events([released])

    # When the key is presented, then revoked
    principal = concord.principal_for_api_key(issued.key)
    concord.revoke_api_key(SECRETARIAT.actor(Scope.ANY), issued.account_id)

    # Then the old event read as the account, and the account carried on from it
    assert (principal.role, principal.member_state, principal.via) == (
        Role.COORDINATOR,
        MemberState.PHL,
        "api-key",
    )
    with pytest.raises(Unauthenticated, match="revoked"):
        concord.principal_for_api_key(issued.key)
    assert [e.originator_version for e in concord.recorder.select_events(issued.account_id)] == [1, 2]


def test_a_snapshot_stored_under_its_released_topic_still_reads_as_the_aggregate(concord: Concord) -> None:
    # Given a fund whose only record is a snapshot, stored when StateSnapshot lived in services.snapshots
    actor = SECRETARIAT.actor(Scope.ANY)
    fund = StabilityFund.open("ASEAN Stability Fund", actor=actor)
    fund.receive(uuid4(), uuid4(), Decimal(1000), actor=actor)
    fund.allocate(FundWindow.RESERVE, DestinationKind.REQUEST, uuid4(), Decimal(300), "roofs", actor=actor)
    written = concord.mapper.to_stored_event(StateSnapshot.take(fund))
    released = as_released(written, "services.infrastructure.snapshots", "services.snapshots")
    assert released.topic == "services.snapshots:StateSnapshot"
    assert concord.snapshots is not None
    concord.snapshots.recorder.insert_events([released])

    # When the fund is read
    read = concord.repository.get(fund.id)

    # Then it is the fund the snapshot holds, though no event of it is stored
    assert not concord.recorder.select_events(fund.id)
    assert isinstance(read, StabilityFund)
    assert (read.version, read.received, read.allocated) == (fund.version, Decimal(1000), Decimal(300))
