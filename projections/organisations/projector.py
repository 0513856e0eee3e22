"""The ``organisations`` read model: registered organisations and whether they are suspended."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from eventsourcing.utils import get_topic
from sqlalchemy import Table, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.organisations import Organisation
from projections.organisations.tables import organisations

_Registered = Organisation.Registered
_Suspended = Organisation.Suspended
_Reinstated = Organisation.Reinstated


class OrganisationsProjector:
    name = "organisations"
    tables: tuple[Table, ...] = (organisations,)
    topics = frozenset(get_topic(cls) for cls in (_Registered, _Suspended, _Reinstated))

    async def project(self, conn: AsyncConnection, event: Any, position: int) -> None:
        await self._handler(type(event))(self, event, conn, position)

    @singledispatchmethod
    async def _apply(self, event: Any, conn: AsyncConnection, position: int) -> None:
        """Events of other kinds leave this read model as it is."""

    # The handler for an event's class, looked up without the function functools' singledispatchmethod
    # builds on every access (a rebuild projects hundreds of thousands of events).
    _handler = staticmethod(_apply.dispatcher.dispatch)

    @_apply.register
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

    @_apply.register
    async def _suspended(self, event: _Suspended, conn: AsyncConnection, position: int) -> None:
        await self._set(conn, event, position, suspended=True)

    @_apply.register
    async def _reinstated(self, event: _Reinstated, conn: AsyncConnection, position: int) -> None:
        await self._set(conn, event, position, suspended=False)

    @staticmethod
    async def _set(conn: AsyncConnection, event: Any, position: int, **values: Any) -> None:
        await conn.execute(
            update(organisations)
            .where(organisations.c.id == event.originator_id)
            .values(updated_at=event.timestamp, position=position, **values)
        )
