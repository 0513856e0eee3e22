"""Catching up the way a rebuild goes: projections far behind the head of the log (a server started
on a log they have not seen: after a restore, a bulk import, a new projection) are brought up to it
in big batches, the next page read and decoded in a thread while the one before is written, their
rows sent in bulk, and the collector run less often; then the live follower takes over.

The log is read and decoded once for all the projections catching up together: each page, from the
position of the one furthest behind, is handed to each of them (one after another on SQLite, all
at once on PostgreSQL), as the live follower hands its pages on.

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
from collections.abc import AsyncGenerator, Awaitable, Callable, Collection, Iterator, Sequence
from contextlib import aclosing, contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol, TypeVar

from projections.log_reader import LogReader, log_reader
from projections.projector import Projector
from projections.rebuilding import analyse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Page:
    decoded: list[tuple[Any, Any]]  # the page's notifications of the topics read, each with its event
    last: int  # the position of the page's last notification, whether it was wanted or not
    read: int  # notifications in the page

    @cached_property
    def topics(self) -> frozenset[str]:
        """The topics of the page's notifications."""
        return frozenset(notification.topic for notification, _ in self.decoded)

    def events(self, after: int, topics: Collection[str]) -> list[tuple[Any, int]]:
        """The events of ``topics`` past position ``after``, with their positions; an event that
        could not be decoded is raised here."""
        if self.topics.isdisjoint(topics):
            return []  # most projections want none of most pages: not a pass over the page each
        wanted = []
        for notification, event in self.decoded:
            if notification.id > after and notification.topic in topics:
                if isinstance(event, Exception):
                    raise event
                wanted.append((event, notification.id))
        return wanted


class Part(Protocol):
    """One projection's side of a shared catch-up (``projections.tracked.CatchingUp``): ``open``
    takes its position from its tracking row, ``take`` projects what it wants of a page in a
    transaction of its own, ``finish`` writes the position reached, ``close`` lets go of its
    connection (called whether ``open`` succeeded or not)."""

    @property
    def position(self) -> int: ...
    @property
    def topics(self) -> frozenset[str]: ...
    @property
    def read(self) -> int:  # notifications in the pages it took
        ...

    async def open(self) -> None: ...
    async def take(self, page: Page) -> None: ...
    async def finish(self) -> None: ...
    async def close(self) -> None: ...


class TrackedProjection(Protocol):
    """What a catch-up needs of ``projections.tracked.TrackedProjection`` (which imports this module)."""

    projector: Projector
    position: int

    def catching_up(self) -> Part: ...


Tracked = TypeVar("Tracked", bound=TrackedProjection)


class CatchUp:
    """Decides which runners are far behind and catches them up together (``catch_up_together``):
    each transaction on a connection of its own, all at once on PostgreSQL, one after another on
    SQLite, whose file has one writer at a time. ``after`` is how many positions behind the head
    counts as far (None: never); ``every`` how often, at most, a busy follower looks again."""

    def __init__(
        self,
        engine: Any,
        recorder: Any,
        decode: Callable[[Any], Any],
        *,
        after: int | None,
        batch_size: int,
        every: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._at_once = engine.dialect.name == "postgresql"
        self._recorder = recorder
        self._reader = log_reader(recorder)
        self._decode = decode
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
        started = self._clock()
        parts = [r.catching_up() for r in behind]
        outcomes = await catch_up_together(
            parts, self._reader, self._decode, size=self._batch_size, at_once=self._at_once
        )
        elapsed = self._clock() - started
        failed = []
        for runner, part, outcome in zip(behind, parts, outcomes, strict=True):
            if outcome is None:
                name, position = runner.projector.name, runner.position
                log.info("%s caught up to %d: %d notifications in %.1f s", name, position, part.read, elapsed)
                continue
            log.warning(
                "%s: catch-up stopped; the follower goes on from its tracking row",
                runner.projector.name,
                exc_info=outcome,
            )
            failed.append(runner)
        caught_up = [r.projector for r in behind if r not in failed]
        if caught_up and self._at_once:
            await self._analyse(caught_up)
        return failed

    async def _analyse(self, projectors: list[Projector]) -> None:
        """The caught-up tables' statistics for PostgreSQL's planner (``rebuilding.analyse``); a
        failure leaves them to autovacuum."""
        started = self._clock()
        try:
            async with self._engine.begin() as conn:
                await analyse(conn, projectors)
        except Exception:
            log.warning("the caught-up tables were not analysed; autovacuum will", exc_info=True)
            return
        log.info("analysed the tables of %d projections in %.1f s", len(projectors), self._clock() - started)


async def catch_up_together(
    parts: Sequence[Part],
    reader: LogReader,
    decode: Callable[[Any], Any],
    *,
    size: int,
    at_once: bool,
) -> list[BaseException | None]:
    """Catch ``parts`` up with the log's head, each page read and decoded once for all of them
    (from the position of the one furthest behind, of the topics any of them wants) and handed to
    each, one after another or all at once (``at_once``). Each part's batches are transactions of
    its own: one that fails is dropped, what it committed kept, and the others go on. Returns each
    part's outcome: None, or what stopped it."""
    outcomes: list[BaseException | None] = [None] * len(parts)

    async def each(live: list[int], call: Callable[[Part], Awaitable[None]]) -> list[int]:
        if at_once:
            results = await asyncio.gather(*(call(parts[i]) for i in live), return_exceptions=True)
        else:
            results = [await _outcome(call(parts[i])) for i in live]
        for i, result in zip(live, results, strict=True):
            if isinstance(result, asyncio.CancelledError):
                raise result
            if isinstance(result, BaseException):
                outcomes[i] = result
        return [i for i in live if outcomes[i] is None]

    try:
        live = await each(list(range(len(parts))), lambda part: part.open())
        if live:
            topics = frozenset[str]().union(*(parts[i].topics for i in live))
            after = min(parts[i].position for i in live)
            read = pages(reader, _decoding(decode), topics, after=after, size=size)
            with fewer_collections():
                async with aclosing(read) as log:
                    async for page in log:
                        live = await each(live, lambda part, page=page: part.take(page))  # type: ignore[misc]
                        if not live:
                            break
            await each(live, lambda part: part.finish())
    finally:
        for i, part in enumerate(parts):
            closed = await _outcome(part.close())
            if isinstance(closed, BaseException) and outcomes[i] is None:
                outcomes[i] = closed
    return outcomes


def _decoding(decode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``decode``, giving back instead of raising the exception of an event it cannot decode: only
    the projections that want that event fail on it."""

    def safely(notification: Any) -> Any:
        try:
            return decode(notification)
        except Exception as error:
            return error

    return safely


async def _outcome(work: Any) -> Any:
    try:
        return await work
    except asyncio.CancelledError:
        raise
    except Exception as error:
        return error


def read_page(
    reader: LogReader, decode: Callable[[Any], Any], topics: Collection[str], after: int, size: int
) -> Page | None:
    """The page of the log after position ``after``; None at its end."""
    page = reader.read(after, size, topics)
    if page is None:
        return None
    return Page([(n, decode(n)) for n in page.notifications], page.last, page.read)


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
            ahead.cancel()  # the thread finishes its read; a close waits for it (reads_finished)


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
