"""The ``crises`` read model: each crisis, its affected states and its phase."""

from __future__ import annotations

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.crises import Crisis
from projections.crises.tables import crises
from projections.projector import ProjectorBase, handles, touch


class CrisesProjector(ProjectorBase):
    name = "crises"
    tables: tuple[Table, ...] = (crises,)

    @handles(Crisis.Opened)
    async def _opened(self, event: Crisis.Opened, conn: AsyncConnection, position: int) -> None:
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

    @handles(Crisis.PhaseChanged)
    async def _phase_changed(self, event: Crisis.PhaseChanged, conn: AsyncConnection, position: int) -> None:
        await touch(conn, crises, event, position, phase=event.phase)
