"""How far the projections have read the log, and waiting for a position (read-your-writes)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from projections.wakers import Wakeup

log = logging.getLogger(__name__)


class Progress:
    """Positions reached by each projection; wakes readers the moment all reach theirs.

    Lives on one event loop: call ``advance`` from that loop's thread.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self._positions = dict.fromkeys(names, 0)
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self.waiter_added = asyncio.Event()

    @property
    def reached(self) -> int:
        """The position every projection has reached."""
        return min(self._positions.values(), default=0)

    def positions(self) -> dict[str, int]:
        return dict(self._positions)

    def advance(self, name: str, position: int) -> None:
        self._positions[name] = position
        reached = self.reached
        still_waiting = []
        for wanted, future in self._waiters:
            if wanted <= reached:
                if not future.done():
                    future.set_result(None)
            elif not future.done():
                still_waiting.append((wanted, future))
        self._waiters = still_waiting

    @property
    def has_waiters(self) -> bool:
        return bool(self._waiters)

    async def wait_for(self, position: int, timeout: float) -> bool:
        """True once every projection has reached ``position``; False after ``timeout`` seconds."""
        if position <= self.reached:
            return True
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((position, future))
        self.waiter_added.set()
        try:
            async with asyncio.timeout(timeout):  # not wait_for: see projections.wakers
                await future
        except TimeoutError:
            return False
        return True


async def follow_tracking_table(
    progress: Progress,
    read_positions: Callable[[], Awaitable[dict[str, int]]],
    interval: float,
    wakeup: Wakeup | None = None,
) -> None:
    """Keep ``progress`` current from the tracking table, for an API whose projections run elsewhere.

    Reads only while someone waits for a position, so an idle API costs the database nothing. A
    failed read (the database restarting) is retried at the next interval: this task must outlive
    an outage, or every later read-your-writes would time out. With ``wakeup`` (the projecting
    process's announcements, on PostgreSQL) it reads as soon as the projections move, and the
    interval is only a fallback.
    """
    while True:
        if not progress.has_waiters:
            progress.waiter_added.clear()
            await progress.waiter_added.wait()
        try:
            positions = await read_positions()
        except Exception:
            log.warning("could not read the projections' positions; retrying", exc_info=True)
            positions = {}
        for name, position in positions.items():
            if name in progress.positions():
                progress.advance(name, position)
        if wakeup is None:
            await asyncio.sleep(interval)
        else:
            await wakeup.wait(interval)
            wakeup.clear()
