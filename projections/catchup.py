"""Reading the log ahead for a catch-up (a rebuild): the next page is read and decoded in a thread
while the one before is written, so the database's time and ours overlap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Collection
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
