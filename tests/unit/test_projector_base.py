"""The projector base: each event reaches the handler marked for its class, its base class's, or its
topic's; any other event leaves the read model as it is; topics are those of the handlers."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, cast

import pytest
from eventsourcing.utils import get_topic
from sqlalchemy.ext.asyncio import AsyncConnection

from projections.projector import ProjectorBase, handles


class Opened:
    pass


class Reopened(Opened):
    pass


class Closed:
    pass


class Unknown:
    pass


class Recording(ProjectorBase):
    name = "recording"
    tables = ()

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []

    @handles(Opened)
    async def _opened(self, event: Opened, conn: AsyncConnection, position: int) -> None:
        self.seen.append(("opened", position))

    @handles(get_topic(Closed))
    async def _closed(self, event: Any, conn: AsyncConnection, position: int) -> None:
        self.seen.append(("closed", position))


def project(projector: ProjectorBase, *events: object) -> None:
    conn = cast(AsyncConnection, None)

    async def run() -> None:
        for position, event in enumerate(events, 1):
            await projector.project(conn, event, position)

    asyncio.run(run())


def test_each_event_reaches_its_handler_and_others_change_nothing() -> None:
    projector = Recording()
    project(projector, Opened(), Unknown(), Closed(), Opened())
    assert projector.seen == [("opened", 1), ("closed", 3), ("opened", 4)]


def test_an_event_of_a_subclass_reaches_its_base_class_handler() -> None:
    projector = Recording()
    project(projector, Reopened(), Reopened())
    assert projector.seen == [("opened", 1), ("opened", 2)]


def test_the_topics_are_those_of_the_handled_events_unless_named() -> None:
    assert Recording.topics == {get_topic(Opened), get_topic(Closed)}

    class Named(Recording):
        topics = frozenset({"elsewhere:Event"})

    assert Named.topics == {"elsewhere:Event"}


class Holding(ProjectorBase):
    """Holds each event's position until its batch ends, then writes them all at once."""

    name = "holding"
    tables = ()

    def __init__(self) -> None:
        self.held: list[int] = []
        self.written: list[list[int]] = []

    @handles(Opened)
    async def _opened(self, event: Opened, conn: AsyncConnection, position: int) -> None:
        self.held.append(position)

    async def end_batch(self, conn: AsyncConnection) -> None:
        self.written.append(self.held)
        self.held = []

    def drop_batch(self) -> None:
        self.held = []


class Failed(Exception):
    pass


def fail_if(condition: bool) -> None:
    if condition:
        raise Failed


def in_batches(projector: ProjectorBase, *batches: list[object], failing: int | None = None) -> None:
    """Each list of events projected as one batch; the ``failing``-th batch raises after its events."""
    conn = cast(AsyncConnection, None)

    async def run() -> None:
        position = 0
        for index, events in enumerate(batches):
            with contextlib.suppress(Failed):
                async with projector.batch(conn):
                    for event in events:
                        position += 1
                        await projector.project(conn, event, position)
                    fail_if(index == failing)

    asyncio.run(run())


def test_a_batch_writes_what_it_held_once_as_it_ends() -> None:
    projector = Holding()
    in_batches(projector, [Opened(), Closed(), Opened()], [Opened()])
    assert projector.written == [[1, 3], [4]]


def test_an_event_projected_outside_a_batch_is_a_batch_of_its_own() -> None:
    projector = Holding()
    project(projector, Opened(), Opened())
    assert projector.written == [[1], [2]]


def test_a_failed_batch_writes_nothing_and_the_next_holds_none_of_it() -> None:
    projector = Holding()
    in_batches(projector, [Opened(), Opened()], [Opened()], failing=0)
    assert projector.written == [[3]]


def test_a_batch_does_not_open_inside_another() -> None:
    projector = Holding()
    conn = cast(AsyncConnection, None)

    async def run() -> None:
        async with projector.batch(conn), projector.batch(conn):
            pass

    with pytest.raises(RuntimeError, match="already open"):
        asyncio.run(run())
    assert projector.written == []
