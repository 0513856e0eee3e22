"""Tells live subscribers (dashboards) when the read models have caught up past new events.

The signal comes from the log itself: on PostgreSQL LISTEN/NOTIFY, so every API process hears
every process's commits; on SQLite this process's own commits. A poll of the log's head while
someone listens covers what no signal reports (another process writing to the SQLite file).
A subscriber is told only once every projection has applied the new events, so that a query it
then runs sees them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from projections.progress import Progress
from projections.wakers import Wakeup

log = logging.getLogger(__name__)

#: How long one wait for the projections lasts before it is renewed (they may be far behind).
_CATCH_UP_WAIT = 60.0


class _Subscriber:
    def __init__(self, position: int) -> None:
        self.position = position
        self.changed = asyncio.Event()


class LogFeed:
    """One per process: follows the log's head and announces positions the read models reached.

    Lives on one event loop. ``head`` is called in a thread (it asks the event store).
    """

    def __init__(
        self, wakeup: Wakeup, progress: Progress, head: Callable[[], int], *, poll_interval: float
    ) -> None:
        self._wakeup = wakeup
        self._progress = progress
        self._head = head
        self._poll_interval = poll_interval
        self._subscribers: set[_Subscriber] = set()
        self._subscribed = asyncio.Event()
        self.announced = 0

    async def follow(self) -> AsyncIterator[int]:
        """Where the read models stand now, then each new position they reach, coalesced."""
        subscriber = _Subscriber(max(self.announced, self._progress.reached))
        self._subscribers.add(subscriber)
        self._subscribed.set()
        try:
            yield subscriber.position
            while True:
                await subscriber.changed.wait()
                subscriber.changed.clear()
                yield subscriber.position
        finally:
            self._subscribers.discard(subscriber)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    async def run(self) -> None:
        """Until cancelled; idle (no queries, no polling) while nobody subscribes."""
        while True:
            if not self._subscribers:
                self._subscribed.clear()
                await self._subscribed.wait()
                self.announced = max(self.announced, self._progress.reached)
            await self._wakeup.wait(self._poll_interval)
            self._wakeup.clear()
            try:
                target = max(self._wakeup.latest, await asyncio.to_thread(self._head))
            except Exception:
                log.warning("could not read the head of the log; retrying", exc_info=True)
                await asyncio.sleep(self._poll_interval)
                continue
            if target > self.announced:
                while not await self._progress.wait_for(target, _CATCH_UP_WAIT):
                    log.info("live updates wait for the projections to reach %d", target)
                self._announce(max(target, self._progress.reached))

    def _announce(self, position: int) -> None:
        self.announced = position
        for subscriber in self._subscribers:
            subscriber.position = position
            subscriber.changed.set()
