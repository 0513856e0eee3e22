"""The catch-up reader: pages of the log, decoded once for the projections catching up, the next
read while one is used; each projection takes what it wants of them, and one that fails stops alone."""

from __future__ import annotations

import asyncio
import threading
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from projections.catchup import Page, catch_up_together, pages
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
    assert [event for page in got for event in page.events(0, {"kept"})] == [
        (f"event {i}", i) for i in range(6, 26, 3)
    ]
    assert decoded == list(range(6, 26, 3))
    assert recorder.reads == [4, 14, 24, 25]


async def test_the_next_page_is_read_before_the_current_one_is_done_with() -> None:
    recorder = FakeRecorder(30)
    async with aclosing(pages(RecorderLogReader(recorder), str, {"kept"}, after=0, size=10)) as log:
        first = await anext(log)
        # Not asked for yet: the page after the first is read anyway, while the first is written.
        assert await asyncio.to_thread(recorder.read_after.setdefault(first.last, threading.Event()).wait, 10)
        assert (await anext(log)).last == 20


class FakePart:
    """A projection's side of a catch-up that records the events it was given; it fails on the
    page ending at ``fail_at``."""

    def __init__(self, position: int, topics: set[str], fail_at: int | None = None) -> None:
        self.position = position
        self.topics = frozenset(topics)
        self.read = 0
        self.fail_at = fail_at
        self.taken: list[tuple[Any, int]] = []
        self.calls: list[str] = []

    async def open(self) -> None:
        self.calls.append("open")

    async def take(self, page: Page) -> None:
        if page.last <= self.position:
            return
        if page.last == self.fail_at:
            raise RuntimeError("projector bug")
        self.taken += page.events(self.position, self.topics)
        self.position = page.last
        self.read += page.read

    async def finish(self) -> None:
        self.calls.append("finish")

    async def close(self) -> None:
        self.calls.append("close")


class TwoTopicRecorder(FakeRecorder):
    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.log = [FakeNotification(i, ("a", "b", "c")[i % 3]) for i in range(1, length + 1)]


async def _together(at_once: bool) -> None:
    recorder = TwoTopicRecorder(25)
    decoded: list[int] = []

    def decode(notification: FakeNotification) -> str:
        decoded.append(notification.id)
        if notification.id == 23:
            raise ValueError("undecodable")
        return f"event {notification.id}"

    wants_a, wants_b_later = FakePart(0, {"a"}), FakePart(12, {"b", "c"})
    fails = FakePart(0, {"a", "b"}, fail_at=20)
    parts = [wants_a, wants_b_later, fails]
    reader = RecorderLogReader(recorder)
    outcomes = await catch_up_together(parts, reader, decode, size=10, at_once=at_once)

    assert recorder.reads == [0, 10, 20, 25]  # each page read once for all three
    assert decoded == list(range(1, 26))  # each event decoded once
    assert wants_a.taken == [(f"event {i}", i) for i in range(3, 26, 3)]
    # 23 (topic "c") could not be decoded: the part that wants it stops there, alone.
    assert wants_b_later.taken == [(f"event {i}", i) for i in range(13, 21) if i % 3 != 0]
    assert isinstance(outcomes[1], ValueError)
    assert fails.taken == [(f"event {i}", i) for i in range(1, 11) if i % 3 != 2]
    assert isinstance(outcomes[2], RuntimeError)
    assert outcomes[0] is None
    assert wants_a.position == 25
    assert wants_a.calls == ["open", "finish", "close"]
    assert fails.calls == ["open", "close"]  # not finished: the follower takes it from its row


async def test_a_shared_catch_up_reads_and_decodes_each_page_once_one_after_another() -> None:
    await _together(at_once=False)


async def test_a_shared_catch_up_reads_and_decodes_each_page_once_all_at_once() -> None:
    await _together(at_once=True)
