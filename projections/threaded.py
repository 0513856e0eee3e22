"""A catch-up's transactions, each run whole on a thread of its own over a plain (sync) connection.

Projectors are written against an ``AsyncConnection``: every statement an ``await``, which on
aiosqlite is a hop to its thread and back and on asyncpg a greenlet switch and a turn of the event
loop. A catch-up runs tens of thousands of statements in a row; it costs less to run each of its
transactions whole on one thread, through the ``sync`` face of a plain connection (psycopg on
PostgreSQL, sqlite3 on SQLite) whose awaits return at once, and to await only the transaction.
The event loop stays free meanwhile (for /readyz and the API); the live follower keeps its own path.

The thread's connection gets the bulk settings of ``projections.rebuilding`` on SQLite and is
closed when the catch-up ends (no pool keeps it), so no setting outlives it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from projections.database import sqlite_begin, sqlite_pragmas
from projections.rebuilding import BULK_SQLITE_PRAGMAS

T = TypeVar("T")

_twins: weakref.WeakKeyDictionary[Any, Engine] = weakref.WeakKeyDictionary()


def sync_twin(engine: AsyncEngine) -> Engine:
    """A plain engine on ``engine``'s database, with its execution options (a writer's BEGIN
    IMMEDIATE, a shadow rebuild's schema); connections are closed, not pooled, when given back."""
    key = engine.sync_engine
    base = _twins.get(key)
    if base is None:
        url = engine.url
        if url.get_backend_name() == "sqlite":
            base = create_engine(
                url.set(drivername="sqlite+pysqlite"), poolclass=NullPool, connect_args={"timeout": 30}
            )
            event.listen(base, "connect", sqlite_pragmas)
            event.listen(base, "connect", _bulk_pragmas)
            event.listen(base, "begin", sqlite_begin)
        else:
            base = create_engine(url.set(drivername="postgresql+psycopg"), poolclass=NullPool)
        _twins[key] = base
    return base.execution_options(**engine.get_execution_options())


def _bulk_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for name, value in BULK_SQLITE_PRAGMAS.items():
        cursor.execute(f"PRAGMA {name}={int(value)}")
    cursor.close()


class SyncFace:
    """What projectors call on an ``AsyncConnection``, answered at once by a plain connection."""

    def __init__(self, conn: Connection) -> None:
        self.sync_connection = conn
        self.dialect = conn.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self.sync_connection.execute(statement, parameters)

    async def scalar(self, statement: Any, parameters: Any = None) -> Any:
        return self.sync_connection.scalar(statement, parameters)

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> Any:
        return self.sync_connection.exec_driver_sql(statement, parameters)

    def in_transaction(self) -> bool:
        return self.sync_connection.in_transaction()


class InThread:
    """One connection on one thread for a whole catch-up; ``transaction`` runs work there."""

    def __init__(self, engine: Engine, name: str = "catch-up") -> None:
        self._engine = engine
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._conn: Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __aenter__(self) -> InThread:
        try:
            await self._run(self._open)
        except BaseException:
            self._thread.shutdown(wait=False)
            raise
        return self

    async def __aexit__(self, *_: object) -> None:
        try:
            await self._run(self._close)
        finally:
            self._thread.shutdown(wait=False)

    async def transaction(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """``work(connection)`` in one transaction on the thread, committed if it returns."""
        return await self._run(self._transaction, work)

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    def _open(self) -> None:
        self._conn = self._engine.connect()
        self._loop = asyncio.new_event_loop()  # for the projectors' coroutines, none of which waits

    def _close(self) -> None:
        if self._loop is not None:
            self._loop.close()
        if self._conn is not None:
            self._conn.close()

    def _transaction(self, work: Callable[[Any], Awaitable[T]]) -> T:
        assert self._conn is not None
        assert self._loop is not None
        with self._conn.begin():
            return self._loop.run_until_complete(work(SyncFace(self._conn)))
