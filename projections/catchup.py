"""Reading the log ahead for a catch-up (a rebuild): the next page is read and decoded in a thread
while the one before is written, so the database's time and ours overlap."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import AsyncGenerator, Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from projections.log_reader import LogReader


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
