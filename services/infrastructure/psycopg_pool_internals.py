"""psycopg-pool used past its API. Written for psycopg-pool 3.3.3 (WRITTEN_FOR, requirements.lock).

Both replace a part of the pool eventsourcing's PostgreSQL recorder makes
(``recorder.datastore.pool``), which takes its check only as a constructor argument and its
timeout only as the pool's:
- The check of a connection on checkout. eventsourcing's ``pre_ping`` makes the pool send an empty
  query on every checkout, so that the dead connections a database restart leaves in the pool are
  not handed out (its ten retries could all draw dead ones): one round trip more for every read
  and write a command makes. A connection the server has closed has something waiting on its
  socket (the server's goodbye, or the end of the stream), and one in use by nobody has nothing
  waiting otherwise; so the socket is polled first, and only a connection with something waiting
  gets the empty query. ``python -m bench.internals``: 128 → 19 µs a checkout on this machine's
  PostgreSQL (2026-12-06, load average about 11). Replaced in the pool's ``_check``.
- The wait for a connection, cut to what is left of the caller's deadline (services.infrastructure.deadlines):
  while the database is down the pool has none to give, and every one of eventsourcing's ten
  attempts would otherwise wait the pool's whole timeout (not for speed). Replaced in the pool's
  ``getconn``, which ``ConnectionPool.connection`` looks up on the instance.

On an upgrade, tests/unit/test_psycopg_pool_internals.py fails first; compare with the new release
where ``ConnectionPool`` keeps and calls its check, and how ``connection`` gets its connection; then
run tests/integration/test_connections.py (PostgreSQL), which ends a pooled backend and waits out a
deadline.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from psycopg import pq
from psycopg_pool import ConnectionPool

from services.infrastructure.deadlines import time_left

# The version whose pool this module follows; a test fails on any other.
WRITTEN_FOR = {"psycopg-pool": "3.3.3"}


def check_quickly(conn: psycopg.Connection[Any]) -> None:
    """Raise if ``conn`` is closed or broken; the pool then discards it and opens another."""
    if conn.closed or conn.pgconn.status != pq.ConnStatus.OK:
        msg = "the connection is closed"
        raise psycopg.OperationalError(msg)
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
    if poller.poll(0):  # the server said something (or hung up) while the connection sat idle
        ConnectionPool.check_connection(conn)


def use_quick_checks(recorder: Any) -> None:
    """Check the connections of an eventsourcing PostgreSQL recorder's pool with ``check_quickly``.

    psycopg_pool takes its check only as a constructor argument, which eventsourcing fills in
    from ``POSTGRES_PRE_PING``; the attribute it keeps it in is replaced here.
    """
    pool = recorder.datastore.pool
    if not hasattr(pool, "_check"):
        msg = "psycopg_pool.ConnectionPool keeps its check elsewhere: see " + __name__
        raise RuntimeError(msg)
    pool._check = check_quickly  # noqa: SLF001


def bound_waits(recorder: Any) -> None:
    """Stop an eventsourcing PostgreSQL recorder's waits for a pooled connection at the caller's
    deadline, with ``DatabaseTimeout`` (which the library's retries let through).

    ``psycopg_pool.ConnectionPool.connection`` takes every connection through ``getconn``, looked
    up on the instance.
    """
    pool = recorder.datastore.pool
    unbounded = pool.getconn

    def getconn(timeout: float | None = None) -> Any:
        left = time_left()  # raises once the deadline has passed
        if left is not None:
            timeout = min(pool.timeout if timeout is None else timeout, left)
        return unbounded(timeout)

    pool.getconn = getconn
