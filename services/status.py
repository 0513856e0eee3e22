"""How far each projection has read the log, and whether it fails: for /readyz, /metrics and
``concord status``."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import datetime

from projections.failures import tracking_rows
from services.bootstrap import Runtime, all_projectors
from services.infrastructure.deadlines import in_thread

UP_TO_DATE, BEHIND, NEVER_RUN, FAILING = "up to date", "behind", "never run", "failing"


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int | None  # None: the projection has never run against this database
    head: int  # the last position in the log
    error: str | None = None  # the last error while it fails; None once it writes again
    failing_since: datetime | None = None
    failures: int = 0  # how many times it has failed, ever

    @property
    def lag(self) -> int:
        """Positions still to read (gaps in the log included)."""
        return max(self.head - (self.position or 0), 0)

    @property
    def state(self) -> str:
        if self.error is not None:
            return FAILING
        if self.position is None:
            return NEVER_RUN if self.head else UP_TO_DATE
        return UP_TO_DATE if self.lag == 0 else BEHIND


async def projection_status(runtime: Runtime, *, timeout: float | None = None) -> list[ProjectionStatus]:
    """Each projection's position: the tracking table's, or further if this process got there;
    and its failure, as the tracking table records it.

    Raises whatever the event store or the read-model database raise when they cannot answer, and
    ``TimeoutError`` when they have not within ``timeout`` seconds (the event store's retries
    included: its thread gives up then too).
    """
    head_of_log = runtime.concord.recorder.max_notification_id
    async with asyncio.timeout(timeout):
        latest: int | None
        if timeout is None:
            latest = await asyncio.to_thread(head_of_log)
        else:
            latest = await in_thread(timeout, head_of_log)
        head = latest or 0
        tracked = await tracking_rows(runtime.query_engine)
    reached = runtime.progress.positions() if runtime.runners else {}
    statuses = []
    for projector in all_projectors():
        row = tracked.get(projector.name)
        persisted = row.position if row is not None else None
        known = [p for p in (persisted, reached.get(projector.name)) if p is not None]
        status = ProjectionStatus(projector.name, max(known) if known else None, head)
        if row is not None:
            status = dataclasses.replace(
                status, error=row.error, failing_since=row.since, failures=row.failures
            )
        statuses.append(status)
    return statuses
