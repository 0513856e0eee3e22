"""Pooled event-store connections: a dead one is never handed out, a live one costs no round trip;
and the LISTEN waker wakes on other processes' commits."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from contextlib import closing
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, func, select, text

from projections.database import SQLITE_CONNECTIONS, SQLITE_MMAP_BYTES, create_read_engine, reader, writer
from projections.prepared import Prepared
from services.bootstrap import start
from services.coordination import Concord
from services.infrastructure.deadlines import DatabaseTimeout, within
from services.infrastructure.psycopg_pool_internals import check_quickly
from services.infrastructure.storage import storage_for
from services.migrate import migrate
from services.settings import Settings
from tests.conftest import PostgresServer

pytestmark = pytest.mark.postgres


@pytest.fixture
def concord(postgres_server: PostgresServer, tmp_path: Any) -> Any:
    settings = Settings(database_url=postgres_server.new_database(), data_dir=tmp_path / "var")
    app = Concord(storage_for(settings).event_store_env)
    try:
        yield app
    finally:
        app.close()


def _backend_pid(concord: Concord) -> int:
    with concord.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
        return int(conn.info.backend_pid)


def _terminate(admin_url: str, pid: int) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.05)


def test_the_pool_uses_the_quick_check(concord: Concord) -> None:
    assert concord.recorder.datastore.pool._check is check_quickly  # type: ignore[attr-defined]


def test_a_connection_the_server_closed_is_not_handed_out(
    concord: Concord, postgres_server: PostgresServer
) -> None:
    concord.recorder.max_notification_id()  # a connection is now idle in the pool
    dead = _backend_pid(concord)
    _terminate(postgres_server.admin_url, dead)

    with concord.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
        # Not the dead one, and it works at the first attempt (no retry needed).
        assert conn.info.backend_pid != dead
        assert conn.execute("SELECT 1").fetchone() is not None
    assert concord.recorder.datastore.pool.get_stats().get("connections_lost", 0) == 0  # type: ignore[attr-defined]


def test_the_check_refuses_a_closed_connection_and_passes_a_live_one(postgres_server: PostgresServer) -> None:
    live = psycopg.connect(postgres_server.admin_url, autocommit=True)
    check_quickly(live)  # nothing waiting on the socket: passes without a query
    pid = live.info.backend_pid
    _terminate(postgres_server.admin_url, pid)
    with pytest.raises(psycopg.OperationalError):
        check_quickly(live)
    live.close()
    with pytest.raises(psycopg.OperationalError):
        check_quickly(live)


async def test_the_listen_waker_wakes_on_another_processs_commit(concord: Concord) -> None:
    from projections.wakers import ListenWaker  # noqa: PLC0415

    waker = ListenWaker(concord.recorder, check_every=0.1)
    wakeup = waker.listener()
    await waker.start()
    try:
        await wakeup.wait(timeout=5)  # the wake-up it gives once it listens
        wakeup.clear()
        # Another process: a plain connection that records nothing but notifies the channel,
        # as eventsourcing's insert does in every transaction that records events.
        pool = concord.recorder.datastore.pool  # type: ignore[attr-defined]
        with psycopg.connect(
            pool.conninfo, autocommit=True, **{k: v for k, v in pool.kwargs.items() if k != "row_factory"}
        ) as other:
            other.execute(f'NOTIFY "{concord.recorder.channel_name}"')  # type: ignore[attr-defined]
        started = time.monotonic()
        await asyncio.wait_for(wakeup.wait(timeout=30), timeout=5)
        assert time.monotonic() - started < 5
    finally:
        await waker.stop()


async def test_a_read_model_connection_the_server_closed_is_replaced_without_a_failed_query(
    postgres_server: PostgresServer, tmp_path: Any
) -> None:
    """The read engine checks a connection without a round trip (no pool_pre_ping): one whose
    backend ended is replaced before a query runs on it, and queries run outside transactions."""
    settings = Settings(database_url=postgres_server.new_database(), data_dir=tmp_path / "var")
    engine = reader(create_read_engine(storage_for(settings).read_url))
    try:
        async with engine.connect() as conn:
            dead = int(await conn.scalar(text("SELECT pg_backend_pid()")))
            first = await conn.scalar(text("SELECT txid_current()"))
            second = await conn.scalar(text("SELECT txid_current()"))
            assert first != second  # each statement on its own: no BEGIN, no ROLLBACK
        await asyncio.to_thread(_terminate, postgres_server.admin_url, dead)
        await asyncio.sleep(0.1)  # the event loop sees the socket close

        async with engine.connect() as conn:
            assert int(await conn.scalar(text("SELECT pg_backend_pid()"))) != dead
    finally:
        await engine.dispose()


async def test_a_sqlite_file_is_in_wal_mode_before_the_first_command(tmp_path: Any) -> None:
    """Switching to WAL fails at once while another connection reads: the switch is made before
    the event store and the read models open their first connections, not by whichever comes first."""
    settings = Settings(data_dir=tmp_path / "var")
    storage = storage_for(settings)
    migrate(storage)  # Alembic leaves the file in SQLite's default rollback-journal mode
    assert storage.sqlite_path is not None
    before = _journal_mode(storage.sqlite_path)
    runtime = await start(settings, run_projections=False)
    try:
        after_start = _journal_mode(storage.sqlite_path)
    finally:
        await runtime.close()

    assert before == "delete"
    assert after_start == "wal"


def _journal_mode(path: Any) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])


def test_a_wait_for_a_pooled_connection_ends_at_the_callers_deadline(
    postgres_server: PostgresServer, tmp_path: Any
) -> None:
    settings = Settings(database_url=postgres_server.new_database(), data_dir=tmp_path / "var")
    env = {**storage_for(settings).event_store_env, "POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "0"}
    with Concord(env) as concord:
        pool = concord.recorder.datastore.pool  # type: ignore[attr-defined]
        taken = pool.getconn()  # the only connection: given back after 5 s at the latest
        once = threading.Lock()

        def give_back() -> None:
            if once.acquire(blocking=False):
                pool.putconn(taken)

        timer = threading.Timer(5, give_back)
        timer.start()
        started = time.monotonic()
        try:
            with pytest.raises(DatabaseTimeout), within(0.5):
                concord.recorder.max_notification_id()
            waited = time.monotonic() - started
        finally:
            timer.cancel()
            give_back()

    assert waited < 1.5  # the bound, and at most one of eventsourcing's pauses between attempts


async def test_read_model_connections_opened_for_a_burst_of_reads_are_kept(
    postgres_server: PostgresServer, tmp_path: Any
) -> None:
    """After a burst of commands their reads come all at once: the connections opened for one
    burst serve the next, none opened for one query and closed after it."""
    settings = Settings(database_url=postgres_server.new_database(), data_dir=tmp_path / "var")
    engine = reader(create_read_engine(storage_for(settings).read_url, pool_size=8))

    async def burst() -> set[int]:
        together = asyncio.Barrier(16)

        async def read() -> int:
            async with engine.connect() as conn:
                backend = int(await conn.scalar(text("SELECT pg_backend_pid()")))
                await together.wait()  # every read holds its connection at once
                return backend

        return set(await asyncio.gather(*(read() for _ in range(16))))

    try:
        first = await burst()
        second = await burst()
    finally:
        await engine.dispose()

    assert len(first) == 16
    assert second == first


async def test_sqlite_read_connections_opened_for_a_burst_of_reads_are_kept(tmp_path: Any) -> None:
    """On SQLite each connection is a thread of aiosqlite's, started when it opens: a burst's
    connections serve the next burst too."""
    settings = Settings(data_dir=tmp_path / "var")
    settings.data_dir.mkdir()
    engine = reader(create_read_engine(storage_for(settings).read_url))

    async def burst() -> list[Any]:
        together = asyncio.Barrier(SQLITE_CONNECTIONS)

        async def read() -> Any:
            async with engine.connect() as conn:
                await conn.scalar(text("SELECT 1"))
                opened = (await conn.get_raw_connection()).driver_connection
                await together.wait()  # every read holds its connection at once
                return opened

        return await asyncio.gather(*(read() for _ in range(SQLITE_CONNECTIONS)))

    try:
        first = await burst()
        second = await burst()
    finally:
        await engine.dispose()

    assert len({id(c) for c in first}) == SQLITE_CONNECTIONS
    assert {id(c) for c in second} == {id(c) for c in first}


async def test_sqlite_reads_take_the_connection_last_returned_and_read_through_a_memory_map(
    tmp_path: Any,
) -> None:
    """The connection whose pages are cached serves the next read (not the pool's oldest), and
    every connection reads the file's pages through a memory map, from the page cache they share."""
    settings = Settings(data_dir=tmp_path / "var")
    settings.data_dir.mkdir()
    engine = reader(create_read_engine(storage_for(settings).read_url))

    async def held(count: int) -> list[Any]:
        together = asyncio.Barrier(count)

        async def read() -> Any:
            async with engine.connect() as conn:
                await conn.scalar(text("SELECT 1"))
                opened = (await conn.get_raw_connection()).driver_connection
                await together.wait()
                return opened

        return await asyncio.gather(*(read() for _ in range(count)))

    try:
        three = await held(3)  # opened, and returned in turn
        after = []
        for _ in range(3):
            async with engine.connect() as conn:
                after.append((await conn.get_raw_connection()).driver_connection)
                mapped = await conn.scalar(text("PRAGMA mmap_size"))
    finally:
        await engine.dispose()

    assert len({id(c) for c in three}) == 3
    assert len({id(c) for c in after}) == 1  # one read at a time: always the same connection
    assert mapped == SQLITE_MMAP_BYTES


async def test_sqlite_statements_run_one_at_a_time_through_sqlalchemy_and_prepared(tmp_path: Any) -> None:
    """Reads at once on SQLite each take the event loop's turn, whether SQLAlchemy runs them or a
    prepared statement does: a function of the statements' own counts how many run together."""
    settings = Settings(data_dir=tmp_path / "var")
    settings.data_dir.mkdir()
    engine = reader(create_read_engine(storage_for(settings).read_url))
    lock = threading.Lock()
    counts = {"running": 0, "most": 0}

    def held() -> int:
        with lock:
            counts["running"] += 1
            counts["most"] = max(counts["most"], counts["running"])
        time.sleep(0.005)  # in SQLite's thread, Python's lock let go
        with lock:
            counts["running"] -= 1
        return 1

    @event.listens_for(engine.sync_engine, "connect")
    def add_function(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("held", 0, held)

    prepared = Prepared(select(func.held()), engine.dialect)
    opened: set[int] = set()

    async def through_sqlalchemy() -> Any:
        async with engine.connect() as conn:
            opened.add(id((await conn.get_raw_connection()).driver_connection))
            return await conn.scalar(text("SELECT held()"))

    async def through_prepared() -> Any:
        return (await prepared.rows(engine, {}))[0][0]

    try:
        found = await asyncio.gather(*(f() for f in [through_sqlalchemy, through_prepared] * 6))
    finally:
        await engine.dispose()

    assert found == [1] * 12
    assert len(opened) > 1  # several connections, each its own thread, at once
    assert counts["most"] == 1


async def test_a_write_waiting_for_sqlites_write_lock_holds_up_no_read(tmp_path: Any) -> None:
    """A projection's ``BEGIN IMMEDIATE``, or a write in a transaction begun otherwise, waits in its
    thread while another connection writes (the event store's): neither takes the turn the reads
    wait for, and the transaction that holds the lock finishes meanwhile."""
    settings = Settings(data_dir=tmp_path / "var")
    settings.data_dir.mkdir()
    storage = storage_for(settings)
    engine = create_read_engine(storage.read_url)
    async with engine.begin() as conn:  # the file, in WAL mode, and a table
        await conn.execute(text("CREATE TABLE written (id INTEGER)"))
    assert storage.sqlite_path is not None
    blocker = sqlite3.connect(storage.sqlite_path, isolation_level=None)

    async def immediate() -> None:
        async with writer(engine).begin() as conn:
            await conn.execute(text("INSERT INTO written VALUES (1)"))

    async def deferred() -> None:
        async with engine.begin() as conn:  # BEGIN, then the write waits for the lock
            await conn.execute(text("INSERT INTO written VALUES (2)"))

    try:
        blocker.execute("BEGIN IMMEDIATE")
        writing = [asyncio.create_task(immediate()), asyncio.create_task(deferred())]
        await asyncio.sleep(0.3)  # both writes are waiting for the lock
        assert not any(task.done() for task in writing)
        started = time.monotonic()
        async with reader(engine).connect() as conn:
            assert await conn.scalar(text("SELECT 2")) == 2
        assert time.monotonic() - started < 2
        blocker.execute("ROLLBACK")
        await asyncio.wait_for(asyncio.gather(*writing), 10)
        async with engine.connect() as conn:
            assert sorted(await conn.scalars(text("SELECT id FROM written"))) == [1, 2]
    finally:
        blocker.close()
        await engine.dispose()
