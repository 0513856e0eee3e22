"""Reading the log ahead for a catch-up (a rebuild): the next page is read and decoded in a thread
while the one before is written, so the database's time and ours overlap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Collection
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Page:
    events: list[tuple[Any, int]]  # the projector's events in the page, decoded, with their positions
    last: int  # the position of the page's last notification, whether the projector reads it or not
    read: int  # notifications in the page


def read_page(
    recorder: Any, decode: Callable[[Any], Any], topics: Collection[str], after: int, size: int
) -> Page | None:
    """The page of the log after position ``after``; None at its end."""
    notifications = recorder.select_notifications(after, size, inclusive_of_start=False)
    if not notifications:
        return None
    events = [(decode(n), n.id) for n in notifications if n.topic in topics]
    return Page(events, notifications[-1].id, len(notifications))


async def pages(
    recorder: Any, decode: Callable[[Any], Any], topics: Collection[str], *, after: int, size: int
) -> AsyncGenerator[Page, None]:
    """The log's pages after ``after``, up to its end when the last page is read, one read ahead."""
    ahead = asyncio.ensure_future(asyncio.to_thread(read_page, recorder, decode, topics, after, size))
    try:
        while (page := await ahead) is not None:
            ahead = asyncio.ensure_future(
                asyncio.to_thread(read_page, recorder, decode, topics, page.last, size)
            )
            yield page
    finally:
        if not ahead.done():
            ahead.cancel()  # the thread finishes its read; nobody waits for it
