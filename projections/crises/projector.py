"""The ``crises`` read model: each crisis, its affected states and its phase."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.crises import Crisis
from projections.crises.tables import crises
from projections.projector import touch


class CrisesProjector:
    name = "crises"
    tables: tuple[Table, ...] = (crises,)
    topics = frozenset(get_topic(cls) for cls in (Crisis.Opened, Crisis.PhaseChanged))

    async def project(self, conn: AsyncConnection, event: Any, position: int) -> None:
        if isinstance(event, Crisis.Opened):
            await conn.execute(
                insert(crises).values(
                    id=event.originator_id,
                    name=event.name,
                    affected_states=",".join(event.affected_states),
                    start_date=event.start_date,
                    phase=event.phase,
                    opened_at=event.timestamp,
                    updated_at=event.timestamp,
                    opened_position=position,
                    position=position,
                )
            )
        elif isinstance(event, Crisis.PhaseChanged):
            await touch(conn, crises, event, position, phase=event.phase)
