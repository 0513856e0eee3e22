"""Our own reads of the log return what select_notifications returns, filtered by topic, and a page
still ends at the last notification read, whatever its topic; gaps and open writers included."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from domain.access import Actor
from domain.codes import MemberState
from domain.requests import AssistanceRequest
from projections.assistance_requests.projector import RequestsProjector
from projections.log_reader import (
    Counted,
    LogPage,
    PostgresLogReader,
    RecorderLogReader,
    SQLiteLogReader,
    log_reader,
    reads_finished,
)
from services.bootstrap import Runtime, start
from services.coordination import Concord
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.conftest import fixed_today
from tests.factories import a_need
from tests.integration.test_projections import record_history

ACTOR = Actor(principal="tester", role="coordinator", scope="own-state", member_state="PHL")


@pytest.fixture
async def runtime(settings: Settings) -> Any:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    yield runtime
    await runtime.close()


def as_tuples(page: LogPage | None) -> Any:
    if page is None:
        return None
    rows = [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in page.notifications]
    return rows, page.last, page.read


def every_page(runtime: Runtime, topics: frozenset[str], size: int) -> Iterator[tuple[Any, Any]]:
    """Each page from every starting position, by our reader and by select_notifications."""
    ours, theirs = log_reader(runtime.concord.recorder), RecorderLogReader(runtime.concord.recorder)
    head = runtime.concord.recorder.max_notification_id() or 0
    for after in range(head + 2):
        yield as_tuples(ours.read(after, size, topics)), as_tuples(theirs.read(after, size, topics))


def test_the_store_gets_its_own_reader(settings: Settings) -> None:
    storage = storage_for(settings)
    concord = Concord(storage.event_store_env)
    try:
        expected = PostgresLogReader if storage.is_postgres else SQLiteLogReader
        reader = log_reader(concord.recorder)
        assert isinstance(reader, Counted)
        assert isinstance(reader.reader, expected)
    finally:
        concord.close()


@pytest.mark.parametrize("size", [1, 4, 50])
async def test_pages_are_those_of_select_notifications_filtered_by_topic(runtime: Runtime, size: int) -> None:
    await record_history(runtime, 15)  # a crisis, then requests posted, amended and cancelled
    topics = RequestsProjector.topics - {"domain.requests:AssistanceRequest.Amended"}
    pages = list(every_page(runtime, topics, size))
    for ours, theirs in pages:
        assert ours == theirs
    assert pages[-1][0] is None  # past the end
    kept = {row[3] for ours, _ in pages if ours for row in ours[0]}
    assert kept == topics & {
        "domain.requests:AssistanceRequest.Posted",
        "domain.requests:AssistanceRequest.Cancelled",
    }


async def test_a_page_of_other_topics_still_moves_the_position(runtime: Runtime) -> None:
    await record_history(runtime, 1)  # the crisis opened, then a request posted, amended, cancelled
    page = log_reader(runtime.concord.recorder).read(0, 1, RequestsProjector.topics)
    assert page is not None
    assert (page.notifications, page.last, page.read) == ([], 1, 1)


async def test_no_topics_still_reads_the_positions(runtime: Runtime) -> None:
    await record_history(runtime, 3)
    for ours, theirs in every_page(runtime, frozenset(), 2):
        assert ours == theirs


async def test_a_gap_and_an_open_writer_are_read_as_select_notifications_reads_them(runtime: Runtime) -> None:
    if not runtime.storage.is_postgres:
        pytest.skip("SQLite has one writer at a time and no gaps")
    await record_history(runtime, 3)
    recorder = runtime.concord.recorder
    # A rolled-back insert leaves a gap in the positions.
    with pytest.raises(RuntimeError, match="rolled back"):
        insert_and_roll_back(runtime)
    # An insert still open holds its positions: a page may not pass over them.
    inserted, release = threading.Event(), threading.Event()

    def open_writer() -> None:
        with recorder.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as cursor:
            recorder._insert_stored_events(cursor, request_events(runtime))
            inserted.set()
            release.wait(30)

    writer = threading.Thread(target=open_writer)
    writer.start()
    try:
        assert await asyncio.to_thread(inserted.wait, 10)
        head = recorder.max_notification_id()
        for ours, theirs in every_page(runtime, RequestsProjector.topics, 3):
            assert ours == theirs
            assert ours is None or ours[1] <= head
    finally:
        release.set()
        await asyncio.to_thread(writer.join, 10)
    for ours, theirs in every_page(runtime, RequestsProjector.topics, 3):
        assert ours == theirs
    positions = [n.id for n in recorder.select_notifications(1, 1000)]
    assert positions[-1] > head
    assert len(positions) < positions[-1]  # the rolled-back insert's positions are missing


def insert_and_roll_back(runtime: Runtime) -> None:
    recorder = runtime.concord.recorder
    with recorder.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as cursor:
        recorder._insert_stored_events(cursor, request_events(runtime))
        raise RuntimeError("rolled back")


def request_events(runtime: Runtime) -> list[Any]:
    """A new request's events, stored, in a crisis already in the log."""
    crisis = runtime.concord.recorder.select_notifications(1, 1)[0].originator_id
    request = AssistanceRequest.post(crisis, MemberState.PHL, a_need(), today=fixed_today(), actor=ACTOR)
    return [runtime.concord.mapper.to_stored_event(e) for e in request.collect_events()]


class _SlowRecorder:
    """A recorder whose read of its log waits until it is let go."""

    def __init__(self) -> None:
        self.reading, self.go = threading.Event(), threading.Event()

    def select_notifications(self, *_args: Any, **_kwargs: Any) -> list[Any]:
        self.reading.set()
        self.go.wait(10)
        return []


def test_a_store_is_closed_only_once_the_reads_of_its_log_in_threads_have_ended() -> None:
    """A cancelled catch-up's read ahead goes on in its thread: ``Runtime.close`` waits for it
    (``reads_finished``) before it closes the store under it."""
    recorder = _SlowRecorder()
    reader = threading.Thread(target=log_reader(recorder).read, args=(0, 10, ["topic"]))
    reader.start()
    assert recorder.reading.wait(10)
    try:
        assert reads_finished(recorder, 0.05) is False
    finally:
        recorder.go.set()
    assert reads_finished(recorder, 10) is True
    reader.join(10)
