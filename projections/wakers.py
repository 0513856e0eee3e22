"""Signals that new events were recorded, so that a projection runner reads without sleep-polling."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)


class Wakeup:
    """One runner's own signal: clearing it never swallows another runner's wake-up."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.latest = 0  # the highest log position a signal named

    def set(self, position: int | None = None) -> None:
        if position is not None and position > self.latest:
            self.latest = position
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    async def wait(self, timeout: float) -> None:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
        # arrives as the event is set, and a runner being shut down then never stops.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._event.wait()


class Waker:
    """Wakes every runner that listens; ``wake`` may be called from any thread."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._listeners: list[Wakeup] = []
        self._pending: int | None = None  # a wake-up scheduled on the loop and not yet delivered
        self._pending_lock = threading.Lock()

    def listener(self) -> Wakeup:
        wakeup = Wakeup()
        self._listeners.append(wakeup)
        return wakeup

    def wake(self, position: int | None = None) -> None:
        """Safe to call from any thread, e.g. right after the application commits. Wake-ups that
        arrive before the loop has delivered the last one join it (with the highest position)."""
        with self._pending_lock:
            if self._pending is not None:
                self._pending = max(self._pending, position or 0)
                return
            self._pending = position or 0
        try:
            self._loop.call_soon_threadsafe(self._wake_all)
        except RuntimeError:  # the loop is closed: nobody is left to wake
            with self._pending_lock:
                self._pending = None

    def _wake_all(self) -> None:
        with self._pending_lock:
            position, self._pending = self._pending, None
        for wakeup in self._listeners:
            wakeup.set(position or None)

    async def start(self) -> None:
        """Begin listening for outside signals (none here)."""

    async def stop(self) -> None:
        """Stop listening."""


class ListenWaker(Waker):
    """Wakes on PostgreSQL LISTEN/NOTIFY: every transaction that records events notifies the
    event table's channel, whichever process committed it.

    Only the fact that the log grew matters here (the runners read the log themselves), so the
    listener holds a connection of its own, outside the pool, and reads nothing but the
    notifications: eventsourcing's subscription would read every new notification again in a
    thread of its own. Notifications that arrive together wake the runners once. If the
    connection fails (the database restarted), it is opened again and the runners are woken in
    case something was missed meanwhile; until then their poll interval covers the gap.
    """

    def __init__(
        self,
        recorder: Any,
        *,
        channel: str | None = None,
        retry_after: float = 1.0,
        check_every: float = 0.5,
    ) -> None:
        """``channel``: another channel than the event table's, on the same database."""
        super().__init__()
        pool = recorder.datastore.pool
        self._conninfo: str = pool.conninfo
        self._connect_kwargs = {k: v for k, v in pool.kwargs.items() if k != "row_factory"}
        self._channel: str = channel or recorder.channel_name
        self._retry_after = retry_after
        self._check_every = check_every  # how soon the thread notices stop()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    async def start(self) -> None:
        self._thread = threading.Thread(target=self._listen, name="concord-log-listener", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, **self._connect_kwargs) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
                    self.wake()  # whatever was recorded while (re)connecting
                    while not self._stopping.is_set():
                        if any(True for _ in conn.notifies(timeout=self._check_every, stop_after=1)):
                            self.wake()
            except Exception:
                if not self._stopping.is_set():
                    log.warning("listening for new events failed; listening again", exc_info=True)
            self._stopping.wait(self._retry_after)

    async def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 10)
