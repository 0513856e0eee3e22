"""How long a call may wait for the event store in all, retries included, before it gives up.

eventsourcing retries a failed read or write ten times, each attempt waiting for a pooled
connection up to the pool's timeout: through an outage a command would wait a minute or more.
A request sets a deadline on its thread instead; the pool's waits
(services.infrastructure.psycopg_pool_internals) and the group commit
(services.infrastructure.group_commit) stop at it with ``DatabaseTimeout``, which the library's
retries do not catch, and the API answers 503 with Retry-After.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_deadline: ContextVar[float | None] = ContextVar("concord_database_deadline", default=None)


class DatabaseTimeout(TimeoutError):
    """The database did not answer before the call's deadline; whether a write it carried was
    recorded is unknown, so a retry must carry the same idempotency key."""


def deadline() -> float | None:
    """This thread's deadline (``time.monotonic()``), if any."""
    return _deadline.get()


def time_left() -> float | None:
    """Seconds until this thread's deadline; None without one. Raises once it has passed."""
    at = _deadline.get()
    if at is None:
        return None
    left = at - time.monotonic()
    if left <= 0:
        msg = "the database did not answer in time"
        raise DatabaseTimeout(msg)
    return left


@contextmanager
def until(at: float | None) -> Iterator[None]:
    """Calls in this block wait for the database until ``at`` (monotonic) at most, or an earlier
    deadline already set."""
    current = _deadline.get()
    if at is None or (current is not None and current <= at):
        yield
        return
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def within(seconds: float) -> AbstractContextManager[None]:
    """Calls in this block wait for the database ``seconds`` at most, in all."""
    return until(time.monotonic() + seconds)


async def in_thread(seconds: float, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a synchronous call into the event store off the event loop, bounded by ``seconds``."""

    def bounded() -> T:
        with within(seconds):
            return call(*args, **kwargs)

    return await asyncio.to_thread(bounded)
