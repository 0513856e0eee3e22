"""Async engines for the read side, tuned per back end."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import weakref
from collections.abc import Awaitable
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_IMMEDIATE = "sqlite_begin_immediate"
_BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"
#: The SQLite read engine's connections, all kept once opened: the most SQLAlchemy's default pool
#: would open (five, and ten more opened for one query and closed after it).
SQLITE_CONNECTIONS = 15
#: How much of the SQLite file each connection reads through a memory map (``PRAGMA mmap_size``):
#: its pages straight from the operating system's page cache, shared by every connection, rather
#: than copied into each connection's own 2 MB cache. A demo at scale 10 is a 170 MB file.
SQLITE_MMAP_BYTES = 1 << 30
_NO_TRANSACTION = "concord_no_transaction"


def create_read_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """On PostgreSQL up to twice ``pool_size`` connections, each kept once opened: the reads
    after a burst of commands (``postRequest``'s possible duplicates, sixteen at once) took the
    overflow of a pool of ``pool_size``, each overflow connection opened for one query and closed
    after it (TLS negotiation, authentication, a backend started), a few per cent of the API's CPU.
    On SQLite likewise ``SQLITE_CONNECTIONS``, each an aiosqlite thread started when opened, the
    last one returned taken first (its pages are the ones cached: with the pool's default order,
    four reads at once went round every connection it had opened)."""
    if url.startswith("sqlite"):
        return sqlite_engine(url, pool_size=SQLITE_CONNECTIONS, max_overflow=0, pool_use_lifo=True)
    engine = create_async_engine(url, pool_size=2 * pool_size, max_overflow=0)
    event.listen(engine.sync_engine, "checkout", _open_or_replaced)
    return engine


def reader(engine: AsyncEngine) -> AsyncEngine:
    """The engine for queries (the API's reads), sharing the pool: no transaction around them.

    A read's statements each see what was committed when it started, in a transaction or not
    (READ COMMITTED on PostgreSQL; SQLite's autocommit statements), so the BEGIN and ROLLBACK
    around a query were two round trips (two thread hops on SQLite) that bought nothing.
    Writers keep their transactions (``writer``, and the engine itself).
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine.execution_options(**{_NO_TRANSACTION: True})


def _open_or_replaced(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """What ``pool_pre_ping`` is for, without its three round trips on asyncpg (BEGIN, an empty
    query, ROLLBACK) before every query: a connection PostgreSQL closed (a restart, an idle
    timeout, ``pg_terminate_backend``) has seen its socket close, so asyncpg knows it is closed;
    the pool then opens a new one. A connection that dies between this check and its query fails
    that query, and SQLAlchemy invalidates the pool on such a disconnect error."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("PostgreSQL closed this connection")


def sqlite_engine(url: str, **options: Any) -> AsyncEngine:
    """A SQLite read engine; ``options`` for create_async_engine (a pool's size, in tests)."""
    engine = create_async_engine(url, connect_args={"timeout": 30}, **options)
    event.listen(engine.sync_engine, "connect", sqlite_pragmas)
    event.listen(engine.sync_engine, "connect", _taking_turns)
    event.listen(engine.sync_engine, "begin", sqlite_begin)
    return engine


def writer(engine: AsyncEngine) -> AsyncEngine:
    """The engine for read-model writers (the projection runners), sharing the pool.

    On SQLite their transactions take the write lock at ``BEGIN IMMEDIATE``: a deferred one that
    has read, or is part-way into an INSERT, when another writer commits gets "database is locked"
    at once (SQLITE_BUSY_SNAPSHOT, no busy wait); an immediate one waits its turn (busy_timeout).
    """
    return engine.execution_options(**{_IMMEDIATE: True})


def use_wal(path: Path) -> None:
    """Put the SQLite file in WAL mode before any connection of this process shares it. Switching
    a file to WAL needs it to itself and fails at once, with no busy wait, while another
    connection is in a transaction: left to the first connections of the event store and of the
    read models, the switch raced with the projections' first reads ("database is locked")."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=30)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy, not the driver, begins transactions (sqlite_begin), so that writers can be immediate.
    dbapi_connection.isolation_level = None
    # WAL lets readers run beside the event store's writer (use_wal set it before this process
    # connected; a no-op then); busy_timeout queues writers.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()


def sqlite_turn() -> asyncio.Semaphore:
    """This event loop's turn at SQLite: one statement at a time. A SQLite read is CPU
    work in an aiosqlite thread, which hands Python's lock back and forth with the event loop's
    thread on every row it reads; four at once on two cores spent about twice the CPU on the same
    statements (NeedSuggestions at c=4: 7.5 ms of the threads' CPU a call, 3.4 ms one at a time),
    and the calls waited on each other the longer (bench.scale at c=4, scale 10: NeedSuggestions'
    p99 102-127 -> 61-65 ms, Matches' 36-38 -> 12 ms)."""
    loop = asyncio.get_running_loop()
    turn = _sqlite_turns.get(loop)
    if turn is None:
        turn = _sqlite_turns[loop] = asyncio.Semaphore(1)
    return turn


#: Each running event loop's turn at SQLite (a semaphore belongs to one loop).
_sqlite_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _taking_turns(dbapi_connection: Any, _record: Any) -> None:
    """Each call of the aiosqlite connection into its thread (a statement, a fetch) waits for the
    event loop's turn at SQLite (``sqlite_turn``), but a write's: a ``BEGIN IMMEDIATE``, and any
    call on a connection in a transaction. A write may wait in its thread for SQLite's write lock
    (``busy_timeout``), which another transaction holds while its own next statement waits: had it
    the turn, the two would wait for each other until the timeout, and every read behind them.
    Reads take no lock (WAL), so a read that has the turn always finishes. aiosqlite 0.22 sends
    every call through ``Connection._execute``; tests/integration/test_connections.py checks that
    statements through SQLAlchemy and prepared ones alike run one at a time."""
    connection = dbapi_connection.driver_connection
    execute = connection._execute  # noqa: SLF001 (aiosqlite's one way into its thread)

    async def in_turn(function: Any, *args: Any, **kwargs: Any) -> Any:
        if args and args[0] == _BEGIN_IMMEDIATE:
            return await _never_left_holding(connection, execute(function, *args, **kwargs))
        if _writing(connection):
            return await execute(function, *args, **kwargs)
        async with sqlite_turn():
            return await execute(function, *args, **kwargs)

    connection._execute = in_turn  # noqa: SLF001


async def _never_left_holding(connection: Any, begin: Awaitable[Any]) -> Any:
    """A ``BEGIN IMMEDIATE`` whose caller is cancelled (a projection runner stopped) while the
    connection's thread waits for the write lock. The thread still takes the lock once the other
    writer lets it go, and SQLAlchemy, which saw no transaction begin, closes the connection with
    the statement unfinished: SQLite then keeps the connection, and its write lock, until the
    statement is finalised, and every other writer waits for it until its busy_timeout ("database
    is locked"). So the cancellation waits for the thread's BEGIN and rolls it back first."""
    begun = asyncio.ensure_future(begin)
    try:
        return await asyncio.shield(begun)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await begun
            await connection.rollback()
        raise


def _writing(connection: Any) -> bool:
    """Whether the connection is in a transaction (SQLAlchemy's readers never begin one)."""
    try:
        return bool(connection.in_transaction)
    except ValueError:  # closed
        return False


def sqlite_begin(conn: Connection) -> None:
    options = conn.get_execution_options()
    if options.get(_NO_TRANSACTION, False):
        return
    conn.exec_driver_sql(_BEGIN_IMMEDIATE if options.get(_IMMEDIATE, False) else "BEGIN")
