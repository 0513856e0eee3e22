"""This process's own commits, handed to its projections so that they need not read them back.

The group commit's writer knows each batch's notifications the moment it commits them; the log
follower would otherwise wake, ask the database for the same rows and wait for them. The writer
thread adds them here, and the follower takes a page from here when it starts exactly where the
follower stands: the first notification is the one after the slowest runner's position and each
next one follows without a gap. Anything else (another process's commits in between, a gap left
by a rolled-back insert, a runner restarted from its tracking row, more than this holds) and the
follower reads the log as before, so what a projection sees is the same either way.

Only positions that are the log's next ones are taken, and on PostgreSQL an insert holds the
events table's lock from drawing its positions until it commits: no earlier position can still
appear once a later one is committed, so a page from here passes over nothing.
"""

from __future__ import annotations

import collections
from collections.abc import Collection, Sequence

from eventsourcing.persistence import Notification

from projections.log_reader import LogPage


class OwnCommits:
    """The notifications this process committed lately, up to ``limit`` of them (older ones are
    dropped: the follower then reads those from the log). Added to from the writer's thread."""

    def __init__(self, limit: int = 10_000) -> None:
        self._recent: collections.deque[Notification] = collections.deque(maxlen=limit)

    def add(self, notifications: Sequence[Notification]) -> None:
        self._recent.extend(notifications)

    @property
    def empty(self) -> bool:
        return not self._recent

    def page(self, after: int, size: int, topics: Collection[str]) -> LogPage | None:
        """The page ``LogReader.read(after, size, topics)`` would return, if this holds it whole,
        taken out of here; None if not (read the log instead). Drops what is at or before
        ``after``."""
        recent = self._recent
        while recent and recent[0].id <= after:
            recent.popleft()
        if not recent or recent[0].id != after + 1:
            return None
        taken: list[Notification] = []
        expected = after + 1
        for notification in recent:
            if notification.id != expected or len(taken) == size:
                break
            taken.append(notification)
            expected += 1
        for _ in taken:
            recent.popleft()
        kept = [n for n in taken if n.topic in topics]
        return LogPage(kept, taken[-1].id, len(taken))
