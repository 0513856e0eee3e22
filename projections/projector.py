"""What every projector is: a stable name, the tables it owns, how it applies one event, and how it
ends a batch of them; and the base every projector is built on, which owns the dispatch of an event
to its handler and the batch a projector may hold rows back in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, ClassVar, Protocol, TypeVar

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic
from sqlalchemy import Table, update
from sqlalchemy.ext.asyncio import AsyncConnection


class Projector(Protocol):
    """Writes one read model. ``name`` is its stable key in the tracking table: never rename it."""

    name: str
    tables: tuple[Table, ...]
    topics: frozenset[str]

    async def project(
        self,
        conn: AsyncConnection,
        event: DomainEventProtocol[Any],
        position: int,
    ) -> None: ...

    def batch(self, conn: AsyncConnection) -> AbstractAsyncContextManager[None]:
        """The events projected inside are one batch, in ``conn``'s transaction: a projector may
        hold rows back while it runs and writes them once as it ends; an error inside drops them."""
        ...


Handler = Callable[[Any, Any, AsyncConnection, int], Awaitable[None]]
H = TypeVar("H", bound=Callable[..., Awaitable[None]])
_HANDLES = "_projector_handles"


def handles(*events: type[Any] | str) -> Callable[[H], H]:
    """Marks a projector's method as the handler of these event classes (or, for events the read
    side may not import, their topics): ``async def _posted(self, event, conn, position)``."""

    def mark(handler: H) -> H:
        setattr(handler, _HANDLES, (*getattr(handler, _HANDLES, ()), *events))
        return handler

    return mark


class ProjectorBase:
    """A projector whose methods marked with ``@handles`` apply the events: ``project`` calls the one
    for the event's class (or the nearest of its bases), and leaves the read model as it is for any
    other event. ``topics``, unless the class names them, are those of the events it handles."""

    name: str
    tables: tuple[Table, ...]
    topics: frozenset[str]
    # The handler of each event class met so far (None: no handler), found once per class: a rebuild
    # projects hundreds of thousands of events, each looked up here by one dictionary access.
    _by_class: ClassVar[dict[type, Handler | None]]
    _by_topic: ClassVar[dict[str, Handler]]

    _in_batch: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        by_class: dict[type, Handler | None] = {}
        by_topic: dict[str, Handler] = {}
        for klass in reversed(cls.__mro__):
            for attribute in vars(klass).values():
                for event in getattr(attribute, _HANDLES, ()):
                    if isinstance(event, str):
                        by_topic[event] = attribute
                    else:
                        by_class[event] = attribute
        cls._by_class, cls._by_topic = by_class, by_topic
        if "topics" not in vars(cls):
            cls.topics = frozenset(get_topic(event) for event in by_class) | frozenset(by_topic)

    async def project(self, conn: AsyncConnection, event: Any, position: int) -> None:
        try:
            handler = self._by_class[type(event)]
        except KeyError:
            handler = self._resolve(type(event))
        if handler is None:
            return
        if self._in_batch:
            await handler(self, event, conn, position)
            return
        async with self.batch(conn):  # on its own, an event is a batch of one
            await handler(self, event, conn, position)

    @asynccontextmanager
    async def batch(self, conn: AsyncConnection) -> AsyncIterator[None]:
        """See ``Projector.batch``: ``end_batch`` writes what the batch held back, ``drop_batch``
        forgets it whether or not the batch ended well, so that nothing outlives the batch (its
        transaction, or savepoint, may still roll back what it wrote)."""
        if self._in_batch:
            raise RuntimeError(f"{self.name}: a batch is already open")
        self._in_batch = True
        try:
            yield
            await self.end_batch(conn)
        finally:
            self._in_batch = False
            self.drop_batch()

    async def end_batch(self, conn: AsyncConnection) -> None:
        """Write the rows held back while the batch ran (none unless the projector holds some)."""

    def drop_batch(self) -> None:
        """Forget the rows held back while the batch ran."""

    @classmethod
    def _resolve(cls, event_class: type) -> Handler | None:
        """The handler of the nearest base of ``event_class`` that has one, or of its topic."""
        handler = next((cls._by_class[base] for base in event_class.__mro__ if base in cls._by_class), None)
        if handler is None:
            handler = cls._by_topic.get(get_topic(event_class))
        cls._by_class[event_class] = handler
        return handler


async def touch(conn: AsyncConnection, table: Table, event: Any, position: int, **values: Any) -> None:
    """The event's aggregate's row in ``table`` updated at the event, with ``values``."""
    await conn.execute(
        update(table)
        .where(table.c.id == event.originator_id)
        .values(updated_at=event.timestamp, position=position, **values)
    )
