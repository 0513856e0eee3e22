"""A command waits for the event store until its deadline, then gives up; its retry with the same
idempotency key records it exactly once, whether or not the first attempt was recorded after all.

The event store is held up for real: another connection holds the lock every insert needs (the
events table's on PostgreSQL, the file's write lock on SQLite).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import date
from uuid import UUID

import psycopg
import pytest

from domain.codes import MemberState
from services.coordination import Command, Concord, Recorded
from services.idempotency import receipt_id
from services.identity.tokens import DevSigner
from services.infrastructure.deadlines import DatabaseTimeout, within
from services.infrastructure.log_positions import position_of
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.api import GRAPHQL_RESPONSE, POST, Client, serving
from tests.conftest import fixed_today
from tests.factories import a_need
from tests.resilience.history import PHL, SECRETARIAT

BOUND = 1.0  # seconds a command may wait here
SLACK = 1.0  # a retry's pause and a busy machine


class HeldInserts:
    """Every insert into the event store waits from ``take()`` to ``release()`` (or ``at_most``
    seconds: a command that waits for longer fails its test rather than hanging it)."""

    def __init__(self, settings: Settings, at_most: float = 10) -> None:
        self._storage = storage_for(settings)
        self._url = settings.database_url
        self._at_most = at_most
        self._held, self._release = threading.Event(), threading.Event()
        self._holder = threading.Thread(target=self._hold, daemon=True)

    def take(self) -> None:
        """Blocks until the lock is held (the in-process projections may be finishing a write)."""
        self._holder.start()
        assert self._held.wait(30), "could not take the lock"

    def release(self) -> None:
        self._release.set()
        self._holder.join(10)

    def _hold(self) -> None:
        if self._storage.sqlite_path is not None:
            conn = sqlite3.connect(self._storage.sqlite_path, timeout=30, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            self._held.set()
            self._release.wait(self._at_most)
            conn.execute("ROLLBACK")
            conn.close()
            return
        assert self._url is not None
        with psycopg.connect(self._url) as pg:
            pg.execute("LOCK TABLE concord_events IN EXCLUSIVE MODE")
            self._held.set()
            self._release.wait(self._at_most)
            pg.rollback()


@contextmanager
def inserts_held(settings: Settings) -> Iterator[None]:
    held = HeldInserts(settings)
    held.take()
    try:
        yield
    finally:
        held.release()


@pytest.fixture
def concord(settings: Settings) -> Iterator[Concord]:
    app = Concord(storage_for(settings).event_store_env, today=fixed_today)
    yield app
    app.close()


@pytest.fixture
def crisis(concord: Concord) -> UUID:
    return concord.open_crisis(SECRETARIAT, "Marawi", [MemberState.PHL], date(2026, 11, 1)).aggregate.id


def posted_titles(concord: Concord, title: str) -> int:
    found = 0
    start = 0
    while notifications := concord.recorder.select_notifications(start, 500, inclusive_of_start=False):
        for notification in notifications:
            if notification.topic.endswith("AssistanceRequest.Posted"):
                found += concord.mapper.to_domain_event(notification).title == title
        start = notifications[-1].id
    return found


def eventually_recorded(concord: Concord, receipt: UUID) -> int:
    deadline = time.monotonic() + 30
    while (position := position_of(concord.recorder, receipt, 1)) is None:
        assert time.monotonic() < deadline, "the held commit never landed"
        time.sleep(0.05)
    return position


def post_within(concord: Concord, command: Command, crisis: UUID, title: str) -> Recorded[object]:
    with within(BOUND):
        return concord.post_request(command, crisis, MemberState.PHL, a_need(title=title))


def test_a_commit_not_confirmed_in_time_is_answered_by_its_retry_with_the_first_result(
    concord: Concord, crisis: UUID, settings: Settings
) -> None:
    keyed = Command(PHL.principal, idempotency_key="held-1")
    with inserts_held(settings):
        started = time.monotonic()
        with pytest.raises(DatabaseTimeout, match="may be recorded"):
            post_within(concord, keyed, crisis, "held commit")
        waited = time.monotonic() - started
    first_position = eventually_recorded(concord, receipt_id(PHL.principal, "held-1"))
    concord.post_request(PHL, crisis, MemberState.PHL, a_need(title="later"))

    retry = post_within(concord, keyed, crisis, "held commit")

    assert BOUND <= waited < BOUND + SLACK
    assert (retry.replayed, retry.position) == (True, first_position)
    assert posted_titles(concord, "held commit") == 1


def test_a_command_still_queued_at_its_deadline_is_not_recorded_and_its_retry_records_it_once(
    concord: Concord, crisis: UUID, settings: Settings
) -> None:
    keyed = Command(PHL.principal, idempotency_key="queued-1")
    with inserts_held(settings):
        ahead = threading.Thread(  # the writer takes it and waits for the lock; no deadline
            target=concord.post_request, args=(PHL, crisis, MemberState.PHL, a_need(title="ahead"))
        )
        ahead.start()
        time.sleep(0.5)
        started = time.monotonic()
        with pytest.raises(DatabaseTimeout, match="not recorded"):
            post_within(concord, keyed, crisis, "queued")
        waited = time.monotonic() - started
    ahead.join(30)
    left_out = position_of(concord.recorder, receipt_id(PHL.principal, "queued-1"), 1)

    retry = post_within(concord, keyed, crisis, "queued")

    assert BOUND <= waited < BOUND + SLACK
    assert left_out is None
    assert not retry.replayed
    assert posted_titles(concord, "queued") == 1
    assert posted_titles(concord, "ahead") == 1


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings.model_copy(update={"command_db_timeout": BOUND}), signer):
        yield running


async def test_a_mutation_held_past_the_bound_answers_503_and_its_retry_records_it_once(
    client: Client, settings: Settings
) -> None:
    """Whether the first attempt was recorded once the lock went (the writer had taken it) or
    not (it was still queued at its deadline) depends on timing; either way the retry's answer
    is the one recording's."""
    headers = {"Accept": GRAPHQL_RESPONSE, "Idempotency-Key": "held-2", **client.coordinator()}
    body = {"query": POST, "variables": {"input": client.request_input(title="held mutation")}}
    held = HeldInserts(settings)
    await asyncio.to_thread(held.take)  # never block the loop: the app's projections run on it
    try:
        started = time.monotonic()
        refused = await client.http.post("/graphql", json=body, headers=headers)
        waited = time.monotonic() - started
    finally:
        await asyncio.to_thread(held.release)
    await client.post(title="later")

    retried = await client.http.post("/graphql", json=body, headers=headers)
    runtime = client.http._transport.app.state.runtime  # type: ignore[attr-defined]
    principal = runtime.authenticator.authenticate(headers["Authorization"])
    recorded_at = position_of(runtime.concord.recorder, receipt_id(principal, "held-2"), 1)

    assert waited < BOUND + SLACK
    assert refused.status_code == 503, refused.text
    assert refused.headers["retry-after"].isdigit()
    assert refused.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert retried.status_code == 200, retried.text
    assert retried.json()["data"]["postRequest"]["position"] == recorded_at
    assert posted_titles(runtime.concord, "held mutation") == 1
