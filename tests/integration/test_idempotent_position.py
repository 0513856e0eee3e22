"""An idempotent retry answers with the first recording's log position, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID

import pytest

from domain.codes import MemberState
from services.coordination import Command, Concord
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.conftest import fixed_today
from tests.factories import a_need
from tests.resilience.history import PHL, SECRETARIAT


@pytest.fixture
def concord(settings: Settings) -> Iterator[Concord]:
    app = Concord(storage_for(settings).event_store_env, today=fixed_today)
    yield app
    app.close()


@pytest.fixture
def crisis(concord: Concord) -> UUID:
    return concord.open_crisis(SECRETARIAT, "Marawi", [MemberState.PHL], date(2026, 11, 1)).aggregate.id


def test_a_retry_returns_the_position_of_the_first_recording(concord: Concord, crisis: UUID) -> None:
    keyed = Command(PHL.principal, idempotency_key="tarpaulins-1")
    first = concord.post_request(keyed, crisis, MemberState.PHL, a_need())
    for priority in (1, 2, 3):
        concord.post_request(PHL, crisis, MemberState.PHL, a_need(priority=priority))

    again = concord.post_request(keyed, crisis, MemberState.PHL, a_need())
    in_a_new_process = Concord(concord.env, today=fixed_today)
    try:
        after_a_restart = in_a_new_process.post_request(keyed, crisis, MemberState.PHL, a_need())
    finally:
        in_a_new_process.close()

    assert concord.recorder.max_notification_id() > first.position
    assert (again.replayed, again.position, again.aggregate.id) == (True, first.position, first.aggregate.id)
    assert (after_a_restart.position, after_a_restart.aggregate.id) == (first.position, first.aggregate.id)
