"""Whether the database answers, probed in the background, so that an outage is refused at once.

Without it every request during an outage would wait in eventsourcing's retries (ten attempts,
each waiting for a pooled connection) before failing; with it, requests get 503 with
Retry-After at once, and the first probe that succeeds lets them through again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


SLOW_PROBES_FOR_OUTAGE = 2


class DatabaseWatch:
    def __init__(
        self,
        probe: Callable[[], Awaitable[object]],
        *,
        interval: float = 1.0,
        retry_interval: float = 0.25,
        timeout: float = 2.0,
    ) -> None:
        self._probe = probe
        self._interval = interval
        self._retry_interval = retry_interval
        self._timeout = timeout
        self._suspect = asyncio.Event()
        self._slow = 0  # probes in a row that timed out
        self.available = True

    def suspect(self) -> None:
        """A request just met an outage: probe now rather than at the next interval."""
        self._suspect.set()

    async def run(self) -> None:
        while True:
            self._suspect.clear()
            try:
                async with asyncio.timeout(self._timeout):
                    await self._probe()
            except asyncio.CancelledError:
                raise
            except TimeoutError:
                # A database that is there but slow to answer (a busy machine) is given a second
                # chance; one that refuses or drops the connection is down at once.
                self._slow += 1
                if self._slow >= SLOW_PROBES_FOR_OUTAGE:
                    self._down(f"no answer within {self._timeout:g} s, {self._slow} times in a row")
            except Exception as error:  # any other failure to answer is an outage
                self._slow = 0
                self._down(repr(error))
            else:
                self._slow = 0
                if not self.available:
                    log.warning("the database answers again")
                self.available = True
            pause = self._interval if self.available else self._retry_interval
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):  # not wait_for: see projections.wakers
                    await self._suspect.wait()

    def _down(self, why: str) -> None:
        if self.available:
            log.warning("the database does not answer (%s); refusing requests with 503", why)
        self.available = False
