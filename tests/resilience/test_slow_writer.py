"""A transaction that took an earlier position but commits late is never skipped by a projection.

eventsourcing 9.5's PostgreSQL recorder locks the events table (EXCLUSIVE) before it draws
positions from the sequence, so positions are given in commit order: a second writer waits for
the first to commit. These tests hold a real insert open on the library's own connection and
check that the second writer waits, that a projection reading meanwhile does not move past the
open transaction's position, and that it projects both once they commit.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from domain.codes import MemberState
from domain.requests import AssistanceRequest
from projections.assistance_requests import queries as request_queries
from projections.assistance_requests.projector import RequestsProjector
from projections.tracked import TrackedProjection
from services.bootstrap import Runtime, start
from services.coordination import Concord
from services.identity.policy import Scope
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.conftest import PostgresServer, fixed_today
from tests.factories import a_need
from tests.resilience.history import PHL, SECRETARIAT

pytestmark = pytest.mark.postgres


@pytest.fixture
async def runtime(postgres_server: PostgresServer, tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = Settings(database_url=postgres_server.new_database(), data_dir=tmp_path)
    running = await start(settings, run_projections=False, today=fixed_today)
    try:
        yield running
    finally:
        await running.close()


class SlowWriter(threading.Thread):
    """Records a request through the recorder's own insert, then keeps the transaction open."""

    def __init__(self, concord: Concord, crisis_id: object) -> None:
        super().__init__(daemon=True)
        self.concord = concord
        request = AssistanceRequest.post(
            crisis_id,
            MemberState.PHL,
            a_need(title="Slow writer"),
            today=fixed_today(),
            actor=PHL.actor(Scope.OWN_STATE),
        )
        self.request_id = request.id
        self.stored = [concord.mapper.to_stored_event(e) for e in request.collect_events()]
        self.inserted = threading.Event()
        self.commit = threading.Event()
        self.position = 0

    def run(self) -> None:
        recorder = self.concord.recorder
        with recorder.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            recorder._insert_stored_events(curs, self.stored)  # LOCK TABLE, NOTIFY, INSERT
            self.position = curs.fetchone()["notification_id"]
            self.inserted.set()
            self.commit.wait(30)


def waiting_for_a_lock(database_url: str) -> bool:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        ).fetchone()
    return bool(row and row[0] > 0)


async def test_a_slow_writer_is_projected_although_a_later_command_waited_for_it(runtime: Runtime) -> None:
    concord = runtime.concord
    crisis = concord.open_crisis(SECRETARIAT, "Marawi", [MemberState.PHL], date(2026, 11, 1)).aggregate.id
    runner = TrackedProjection(
        RequestsProjector(),
        engine=runtime.read_engine,
        recorder=concord.recorder,
        decode=concord.mapper.to_domain_event,
    )
    await runner.catch_up()
    before = runner.position
    slow = SlowWriter(concord, crisis)
    slow.start()
    assert await asyncio.to_thread(slow.inserted.wait, 10)

    fast = asyncio.create_task(
        asyncio.to_thread(concord.post_request, PHL, crisis, MemberState.PHL, a_need(quantity=Decimal(7)))
    )
    url = runtime.settings.database_url
    assert url is not None
    while not await asyncio.to_thread(waiting_for_a_lock, url):  # the later command queues
        assert not fast.done(), fast
        await asyncio.sleep(0.05)
    await runner.catch_up()  # reads while the slow transaction is open and the fast one waits
    held_at = runner.position
    slow.commit.set()
    fast_position = (await fast).position
    await asyncio.to_thread(slow.join, 10)
    await runner.catch_up()
    page = await request_queries.list_requests(
        runtime.read_engine, request_queries.RequestFilter(), first=10, after=None
    )

    assert held_at == before
    assert before < slow.position < fast_position
    assert {row.title for row in page.rows} == {"Slow writer", a_need().title}
    assert runner.position == fast_position


def test_concord_never_uses_the_insert_function_that_takes_no_table_lock(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """eventsourcing's optional insert function draws positions without the table lock."""
    monkeypatch.setenv("POSTGRES_ENABLE_DB_FUNCTIONS", "y")
    monkeypatch.setenv("CONCORD_POSTGRES_ENABLE_DB_FUNCTIONS", "y")
    settings = Settings(database_url=postgres_server.new_database(), data_dir=tmp_path)
    concord = Concord(storage_for(settings).event_store_env)
    try:
        assert concord.recorder.datastore.enable_db_functions is False
    finally:
        concord.close()
