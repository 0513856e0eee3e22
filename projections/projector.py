"""What every projector is: a stable name, the tables it owns, and how it applies one event."""

from __future__ import annotations

from typing import Any, Protocol

from eventsourcing.domain import DomainEventProtocol
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


async def touch(conn: AsyncConnection, table: Table, event: Any, position: int, **values: Any) -> None:
    """The event's aggregate's row in ``table`` updated at the event, with ``values``."""
    await conn.execute(
        update(table)
        .where(table.c.id == event.originator_id)
        .values(updated_at=event.timestamp, position=position, **values)
    )
