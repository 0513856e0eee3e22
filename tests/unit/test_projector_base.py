"""The projector base: each event reaches the handler marked for its class, its base class's, or its
topic's; any other event leaves the read model as it is; topics are those of the handlers."""

from __future__ import annotations

import asyncio
from typing import Any, cast

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
