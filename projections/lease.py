"""One active projection worker per database: a PostgreSQL advisory lock on a session of its own,
and ``lead``, which projects only while holding it.

A second ``concord project`` waits, trying the lock every ``poll_interval`` seconds; when the
first dies its session ends, PostgreSQL releases the lock and the second takes over. (Two active
workers would still apply nothing twice — the tracking row's guarded update sees to that — but
they would duplicate the work.)
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

PROJECTIONS_LEASE = "concord:projections"  # one process projects per database


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock`` from a readable name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class ProjectionLease:
    def __init__(self, engine: AsyncEngine, name: str, *, poll_interval: float = 1.0) -> None:
        self._engine = engine
        self._key = lock_key(name)
        self._name = name
        self._poll_interval = poll_interval
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> None:
        """Return once this process holds the lock; wait (polling) while another one does."""
        waiting_logged = False
        while True:
            conn = await self._session()
            if await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}):
                log.info("holding the lock %r: this worker is active", self._name)
                return
            if not waiting_logged:
                log.info("another worker holds the lock %r; waiting to take over", self._name)
                waiting_logged = True
            await asyncio.sleep(self._poll_interval)

    async def watch(self, interval: float = 1.0) -> None:
        """Return when the lock's session is gone (it cannot be trusted to be held any more)."""
        while True:
            await asyncio.sleep(interval)
            try:
                assert self._conn is not None
                await self._conn.scalar(text("SELECT 1"))
            except Exception:
                log.exception("lost the session holding the lock %r", self._name)
                return

    async def release(self) -> None:
        if self._conn is not None:
            await self._conn.close()  # the session's end releases the lock
            self._conn = None

    async def _session(self) -> AsyncConnection:
        if self._conn is None:
            conn = await self._engine.connect()
            self._conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        return self._conn

    async def give_up(self) -> None:
        """Release, whatever state the session is in (it may be gone with the database)."""
        try:
            await self.release()
        except Exception:
            log.debug("closing the lease's session failed", exc_info=True)


async def lead(
    lease: ProjectionLease,
    *,
    project: Callable[[], Coroutine[Any, Any, None]],
    stand_by: Callable[[], Coroutine[Any, Any, None]],
    retired: Callable[[], None] = lambda: None,
) -> None:
    """Run ``project`` only while holding ``lease``, and ``stand_by`` while seeking it.

    Several API processes (``concord serve --workers``, or several hosts) and ``concord project``
    workers may share one database: the one holding the lease projects, the others stand by
    (following the tracking table for read-your-writes) and take over within a second or so of its
    end. A lease whose session is lost (the database restarted) is given up and sought again;
    ``retired`` is called each time projecting stops.
    """
    try:
        while True:
            standby = asyncio.create_task(stand_by())
            try:
                await lease.acquire()
            except Exception:
                log.warning("could not seek the projection lease; again in 1 s", exc_info=True)
                await lease.give_up()
                await asyncio.sleep(1)
                continue
            finally:
                standby.cancel()
                await asyncio.gather(standby, return_exceptions=True)
            projecting = asyncio.create_task(project())
            try:
                await lease.watch()
            finally:
                projecting.cancel()
                await asyncio.gather(projecting, return_exceptions=True)
                retired()
                await lease.give_up()
    finally:
        await lease.give_up()
