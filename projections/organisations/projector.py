"""The ``organisations`` read model: registered organisations and whether they are suspended."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.organisations import Organisation
from projections.organisations.tables import organisations
from projections.projector import ProjectorBase, handles

_Registered = Organisation.Registered
_Suspended = Organisation.Suspended
_Reinstated = Organisation.Reinstated


class OrganisationsProjector(ProjectorBase):
    name = "organisations"
    tables: tuple[Table, ...] = (organisations,)

    @handles(_Registered)
    async def _registered(self, event: _Registered, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            insert(organisations).values(
                id=event.originator_id,
                name=event.name,
                organisation_type=event.organisation_type,
                hxl_name=event.hxl_name,
                member_state=event.member_state,
                iati_identifier=event.iati_identifier,
                suspended=False,
                registered_at=event.timestamp,
                updated_at=event.timestamp,
                registered_position=position,
                position=position,
            )
        )

    @handles(_Suspended)
    async def _suspended(self, event: _Suspended, conn: AsyncConnection, position: int) -> None:
        await self._set(conn, event, position, suspended=True)

    @handles(_Reinstated)
    async def _reinstated(self, event: _Reinstated, conn: AsyncConnection, position: int) -> None:
        await self._set(conn, event, position, suspended=False)

    @staticmethod
    async def _set(conn: AsyncConnection, event: Any, position: int, **values: Any) -> None:
        await conn.execute(
            update(organisations)
            .where(organisations.c.id == event.originator_id)
            .values(updated_at=event.timestamp, position=position, **values)
        )
