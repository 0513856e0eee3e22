"""Signals that new events were recorded, so that a projection runner reads without sleep-polling."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

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

    def listener(self) -> Wakeup:
        wakeup = Wakeup()
        self._listeners.append(wakeup)
        return wakeup

    def wake(self, position: int | None = None) -> None:
        """Safe to call from any thread, e.g. right after the application commits."""
        self._loop.call_soon_threadsafe(self._wake_all, position)

    def _wake_all(self, position: int | None) -> None:
        for wakeup in self._listeners:
            wakeup.set(position)

    async def start(self) -> None:
        """Begin listening for outside signals (none here)."""

    async def stop(self) -> None:
        """Stop listening."""


class SubscriptionWaker(Waker):
    """Wakes on PostgreSQL LISTEN/NOTIFY, through eventsourcing's subscription to the log.

    Each notification the subscription yields was committed by some process; the runner then
    reads the log itself, so the subscription only needs to tell it *that* there is more. If the
    subscription fails (the database restarted), it is opened again, and the runner is woken in
    case it missed something meanwhile; until then its poll interval covers the gap.
    """

    def __init__(self, recorder: Any, *, retry_after: float = 1.0) -> None:
        super().__init__()
        self._recorder = recorder
        self._retry_after = retry_after
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._subscription: Any = None
        self._thread: threading.Thread | None = None

    async def start(self) -> None:
        self._thread = threading.Thread(target=self._listen, name="concord-log-listener", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                subscription = self._recorder.subscribe(gt=self._recorder.max_notification_id())
                with self._lock:
                    # stop() may have run while the subscription was being opened: it must
                    # not be left running, holding a pooled connection that close() waits for.
                    self._subscription = subscription
                    if self._stopping.is_set():
                        subscription.stop()
                with subscription:
                    self.wake()
                    for notification in subscription:
                        self.wake(notification.id)
            except Exception:
                log.warning("the log subscription failed; reopening it", exc_info=True)
            self._stopping.wait(self._retry_after)

    async def stop(self) -> None:
        with self._lock:
            self._stopping.set()
            if self._subscription is not None:
                self._subscription.stop()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 10)
