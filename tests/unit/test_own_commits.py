"""A process's own commits handed to its projections: a page from them is the page the log reader
would return, or none at all."""

from __future__ import annotations

import uuid

from eventsourcing.persistence import Notification
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.handoff import OwnCommits
from projections.log_reader import RecorderLogReader

TOPICS = ("a:Posted", "a:Amended", "b:Opened")


def notification(position: int, topic: str) -> Notification:
    return Notification(uuid.uuid4(), 1, topic, b"{}", position)


class Log:
    """The whole log as a recorder would return it (gaps where inserts were rolled back)."""

    def __init__(self, notifications: list[Notification]) -> None:
        self.notifications = notifications

    def select_notifications(
        self, start: int, limit: int, *, inclusive_of_start: bool = True
    ) -> list[Notification]:
        after = start if not inclusive_of_start else start - 1
        return [n for n in self.notifications if n.id > after][:limit]


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Notification], list[list[Notification]]]:
    """A log, and the batches of it this process committed (the rest: other processes, or lost)."""
    batches: list[list[Notification]] = []
    log: list[Notification] = []
    position = 0
    for _ in range(draw(st.integers(1, 12))):
        position += draw(st.sampled_from([1, 1, 1, 2]))  # now and then a rolled-back insert's gap
        size = draw(st.integers(1, 4))
        batch = [notification(position + i, draw(st.sampled_from(TOPICS))) for i in range(size)]
        position += size - 1
        log.extend(batch)
        if draw(st.booleans()) or draw(st.booleans()):
            batches.append(batch)
    return log, batches


@settings(max_examples=300, deadline=None)
@given(histories(), st.integers(1, 6), st.sets(st.sampled_from(TOPICS), min_size=1), st.integers(2, 20))
def test_a_page_from_own_commits_is_what_the_log_holds_there(
    history: tuple[list[Notification], list[list[Notification]]], size: int, topics: set[str], limit: int
) -> None:
    """Followed as the follower does (its own commits first, else the log), every position is
    passed once and in order, and each page holds exactly the log's notifications of its span.
    A page from own commits may end sooner than the log's (another process's commits follow)."""
    log, batches = history
    own = OwnCommits(limit=limit)
    for batch in batches:
        own.add(batch)
    reader = RecorderLogReader(Log(log))
    position, seen = 0, []
    while (page := own.page(position, size, topics) or reader.read(position, size, topics)) is not None:
        span = [n for n in log if position < n.id <= page.last]
        assert page.read == len(span) <= size
        assert page.notifications == [n for n in span if n.topic in topics]
        seen += span
        position = page.last
    assert seen == log
    assert own.page(position, size, topics) is None


def test_a_gap_or_an_older_position_sends_the_follower_to_the_log() -> None:
    own = OwnCommits()
    own.add([notification(5, "a:Posted"), notification(6, "a:Posted")])
    assert own.page(3, 10, {"a:Posted"}) is None  # 4 is someone else's: read the log
    page = own.page(4, 10, {"a:Posted"})
    assert page is not None
    assert [n.id for n in page.notifications] == [5, 6]
    assert (page.last, page.read) == (6, 2)
    assert own.empty


def test_what_no_projection_wants_still_moves_the_page_on() -> None:
    own = OwnCommits()
    own.add([notification(1, "b:Opened"), notification(2, "a:Posted"), notification(3, "b:Opened")])
    page = own.page(0, 2, {"a:Posted"})
    assert page is not None
    assert [n.id for n in page.notifications] == [2]
    assert (page.last, page.read) == (2, 2)
    assert not own.empty


def test_it_holds_only_the_latest_ones() -> None:
    own = OwnCommits(limit=2)
    own.add([notification(1, "a:Posted"), notification(2, "a:Posted"), notification(3, "a:Posted")])
    assert own.page(0, 10, {"a:Posted"}) is None  # 1 was dropped: read the log
    page = own.page(1, 10, {"a:Posted"})
    assert page is not None
    assert page.last == 3
