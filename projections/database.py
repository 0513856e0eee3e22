"""Async engines for the read side, tuned per back end."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_IMMEDIATE = "sqlite_begin_immediate"


def create_read_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    if url.startswith("sqlite"):
        return sqlite_engine(url)
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def sqlite_engine(url: str, **options: Any) -> AsyncEngine:
    """A SQLite read engine; ``options`` for create_async_engine (a pool's size, in tests)."""
    engine = create_async_engine(url, connect_args={"timeout": 30}, **options)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def writer(engine: AsyncEngine) -> AsyncEngine:
    """The engine for read-model writers (the projection runners), sharing the pool.

    On SQLite their transactions take the write lock at ``BEGIN IMMEDIATE``: a deferred one that
    has read, or is part-way into an INSERT, when another writer commits gets "database is locked"
    at once (SQLITE_BUSY_SNAPSHOT, no busy wait); an immediate one waits its turn (busy_timeout).
    """
    return engine.execution_options(**{_IMMEDIATE: True})


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy, not the driver, begins transactions (_sqlite_begin), so that writers can be immediate.
    dbapi_connection.isolation_level = None
    # WAL lets readers run beside the event store's writer; busy_timeout queues writers.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(_IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
