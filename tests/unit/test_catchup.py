"""The catch-up reader: pages of the log, decoded for one projector, the next read while one is used."""

from __future__ import annotations

import asyncio
import threading
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from projections.catchup import pages
from projections.log_reader import RecorderLogReader


@dataclass(frozen=True)
class FakeNotification:
    id: int
    topic: str


class FakeRecorder:
    """A log of ``length`` notifications, every third one of topic "kept"; remembers each read."""

    def __init__(self, length: int) -> None:
        self.log = [FakeNotification(i, "kept" if i % 3 == 0 else "other") for i in range(1, length + 1)]
        self.reads: list[int] = []
        self.read_after: dict[int, threading.Event] = {}

    def select_notifications(self, start: int, limit: int, *, inclusive_of_start: bool) -> list[Any]:
        assert not inclusive_of_start
        self.reads.append(start)
        self.read_after.setdefault(start, threading.Event()).set()
        return [n for n in self.log if n.id > start][:limit]


async def test_pages_cover_the_log_once_with_only_the_projectors_events_decoded() -> None:
    recorder = FakeRecorder(25)
    decoded: list[int] = []

    def decode(notification: FakeNotification) -> str:
        decoded.append(notification.id)
        return f"event {notification.id}"

    async with aclosing(pages(RecorderLogReader(recorder), decode, {"kept"}, after=4, size=10)) as log:
        got = [page async for page in log]

    assert [(page.last, page.read) for page in got] == [(14, 10), (24, 10), (25, 1)]
    assert [event for page in got for event in page.events] == [(f"event {i}", i) for i in range(6, 26, 3)]
    assert decoded == list(range(6, 26, 3))
    assert recorder.reads == [4, 14, 24, 25]


async def test_the_next_page_is_read_before_the_current_one_is_done_with() -> None:
    recorder = FakeRecorder(30)
    async with aclosing(pages(RecorderLogReader(recorder), str, {"kept"}, after=0, size=10)) as log:
        first = await anext(log)
        # Not asked for yet: the page after the first is read anyway, while the first is written.
        assert await asyncio.to_thread(recorder.read_after.setdefault(first.last, threading.Event()).wait, 10)
        assert (await anext(log)).last == 20
