"""The ``security_incidents`` read model: incidents reported against relief workers, open or closed."""

from __future__ import annotations

from sqlalchemy import Table, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.codes import MemberState
from domain.havens import admin1
from domain.security import IncidentStatus, SecurityIncident
from projections.projector import ProjectorBase, handles
from projections.security_incidents.tables import security_incidents

_I = SecurityIncident


class SecurityIncidentsProjector(ProjectorBase):
    name = "security_incidents"
    tables: tuple[Table, ...] = (security_incidents,)

    @handles(_I.Reported)
    async def _reported(self, event: _I.Reported, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            insert(security_incidents).values(
                id=event.originator_id,
                crisis_id=event.crisis_id,
                member_state=event.member_state,
                admin_code=event.admin_code,
                admin1=admin1(event.admin_code, MemberState(event.member_state)),
                occurred_on=event.occurred_on,
                kind=event.kind,
                severity=event.severity,
                status=IncidentStatus.OPEN.value,
                description=event.description,
                affected_organisations=event.affected_organisations,
                reported_at=event.timestamp,
                reported_position=position,
                position=position,
            )
        )

    @handles(_I.Closed)
    async def _closed(self, event: _I.Closed, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            update(security_incidents)
            .where(security_incidents.c.id == event.originator_id)
            .values(status=IncidentStatus.CLOSED.value, closed_at=event.timestamp, position=position)
        )
