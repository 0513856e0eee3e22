"""Catching up the way a rebuild goes: projections far behind the head of the log (a server started
on a log they have not seen: after a restore, a bulk import, a new projection) are brought up to it
in big batches, the next page read and decoded in a thread while the one before is written, their
rows sent in bulk, and the collector run less often; then the live follower takes over.

Each batch is still one transaction holding the projection's rows and its tracking position, moved
under the same guard as the live follower's: exactly-once per projection holds, and a process that
dies part-way resumes from the last committed batch. While it runs, the positions reached are
reported as each batch commits, so readiness says truthfully how far behind each projection is.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import time
from collections.abc import AsyncGenerator, Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from projections.log_reader import LogReader
from projections.projector import Projector

log = logging.getLogger(__name__)


class TrackedProjection(Protocol):
    """What a catch-up needs of ``projections.tracked.TrackedProjection`` (which imports this module)."""

    projector: Projector
    position: int

    async def catch_up(self, on_batch: Any = None, *, batch_size: int | None = None) -> int: ...


Tracked = TypeVar("Tracked", bound=TrackedProjection)


class CatchUp:
    """Decides which runners are far behind and catches them up (``TrackedProjection.catch_up``):
    all at once on PostgreSQL, each on a connection of its own; one after another on SQLite, whose
    file has one writer at a time. ``after`` is how many positions behind the head counts as far
    (None: never); ``every`` how often, at most, a busy follower looks again."""

    def __init__(
        self,
        engine: Any,
        recorder: Any,
        *,
        after: int | None,
        batch_size: int,
        every: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._at_once = engine.dialect.name == "postgresql"
        self._recorder = recorder
        self._after = after
        self._batch_size = batch_size
        self._every = every
        self._clock = clock
        self._looked = -every

    def due(self) -> bool:
        """Whether to look again (the follower is reading full pages: it may have fallen behind)."""
        return self._after is not None and self._clock() - self._looked >= self._every

    async def run(self, runners: Sequence[Tracked]) -> list[Tracked]:
        """Catch up those of ``runners`` far behind the head; returns those that failed, whose
        position in memory is no longer to be trusted (re-read it from the tracking row)."""
        if self._after is None or not runners:
            return []
        self._looked = self._clock()
        head = await asyncio.to_thread(self._recorder.max_notification_id) or 0
        behind = [r for r in runners if head - r.position > self._after]
        if not behind:
            return []
        names = ", ".join(f"{r.projector.name} ({head - r.position})" for r in behind)
        log.info("catching up %d projections with the log's head at %d: %s", len(behind), head, names)
        if self._at_once:
            outcomes = await asyncio.gather(*(self._one(r) for r in behind), return_exceptions=True)
        else:
            outcomes = [await _outcome(self._one(r)) for r in behind]
        failed = []
        for runner, outcome in zip(behind, outcomes, strict=True):
            if isinstance(outcome, asyncio.CancelledError):
                raise outcome
            if isinstance(outcome, BaseException):
                log.warning(
                    "%s: catch-up stopped; the follower goes on from its tracking row",
                    runner.projector.name,
                    exc_info=outcome,
                )
                failed.append(runner)
        return failed

    async def _one(self, runner: TrackedProjection) -> None:
        started = self._clock()
        read = await runner.catch_up(batch_size=self._batch_size)
        elapsed = self._clock() - started
        log.info(
            "%s caught up to %d: %d notifications in %.1f s",
            runner.projector.name,
            runner.position,
            read,
            elapsed,
        )


async def _outcome(work: Any) -> Any:
    try:
        return await work
    except asyncio.CancelledError:
        raise
    except Exception as error:
        return error


@dataclass(frozen=True)
class Page:
    events: list[tuple[Any, int]]  # the projector's events in the page, decoded, with their positions
    last: int  # the position of the page's last notification, whether the projector reads it or not
    read: int  # notifications in the page


def read_page(
    reader: LogReader, decode: Callable[[Any], Any], topics: Collection[str], after: int, size: int
) -> Page | None:
    """The page of the log after position ``after``; None at its end."""
    page = reader.read(after, size, topics)
    if page is None:
        return None
    return Page([(decode(n), n.id) for n in page.notifications], page.last, page.read)


async def pages(
    reader: LogReader, decode: Callable[[Any], Any], topics: Collection[str], *, after: int, size: int
) -> AsyncGenerator[Page, None]:
    """The log's pages after ``after``, up to its end when the last page is read, one read ahead."""
    ahead = asyncio.ensure_future(asyncio.to_thread(read_page, reader, decode, topics, after, size))
    try:
        while (page := await ahead) is not None:
            ahead = asyncio.ensure_future(
                asyncio.to_thread(read_page, reader, decode, topics, page.last, size)
            )
            yield page
    finally:
        if not ahead.done():
            ahead.cancel()  # the thread finishes its read; nobody waits for it


# A catch-up allocates millions of short-lived objects (rows, states, events), each page's held
# until it is written. At the collector's default threshold (700 allocations) they are scanned again
# and again, promoted, and then set off collections of the whole heap: 20-30 % of a rebuild's CPU
# (A/B on a 200,000-event log). They hold no cycles, so collecting a hundred times less often while
# a catch-up runs frees the same memory; the thresholds come back when the last catch-up ends.
FEWER_COLLECTIONS_THRESHOLD = 100_000
_lock = threading.Lock()
_catching_up = 0
_thresholds: tuple[int, int, int] = (0, 0, 0)


@contextmanager
def fewer_collections() -> Iterator[None]:
    global _catching_up, _thresholds  # noqa: PLW0603 - one setting for the process, like gc's
    with _lock:
        if _catching_up == 0:
            _thresholds = gc.get_threshold()
            gc.set_threshold(max(FEWER_COLLECTIONS_THRESHOLD, _thresholds[0]), *_thresholds[1:])
        _catching_up += 1
    try:
        yield
    finally:
        with _lock:
            _catching_up -= 1
            if _catching_up == 0:
                gc.set_threshold(*_thresholds)
