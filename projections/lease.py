"""One active projection worker per database: a PostgreSQL advisory lock on a session of its own.

A second ``concord project`` waits, trying the lock every ``poll_interval`` seconds; when the
first dies its session ends, PostgreSQL releases the lock and the second takes over. (Two active
workers would still apply nothing twice — the tracking row's guarded update sees to that — but
they would duplicate the work.)
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

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
