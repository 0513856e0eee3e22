"""The ``assistance_requests`` read model: one row per request as it now stands."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from eventsourcing.utils import get_topic
from sqlalchemy import Table, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.requests import AssistanceRequest, RequestStatus
from projections.tables import assistance_requests

_Posted = AssistanceRequest.Posted
_Amended = AssistanceRequest.Amended
_Cancelled = AssistanceRequest.Cancelled


class RequestsProjector:
    name = "assistance_requests"
    tables: tuple[Table, ...] = (assistance_requests,)
    topics = frozenset(get_topic(cls) for cls in (_Posted, _Amended, _Cancelled))

    async def project(self, conn: AsyncConnection, event: Any, position: int) -> None:
        await self._apply(event, conn, position)

    @singledispatchmethod
    async def _apply(self, event: Any, conn: AsyncConnection, position: int) -> None:
        """Events of other kinds leave this read model as it is."""

    @_apply.register
    async def _posted(self, event: _Posted, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            insert(assistance_requests).values(
                id=event.originator_id,
                member_state=event.member_state,
                sector=event.sector,
                title=event.title,
                description=event.description,
                quantity=event.quantity,
                unit=event.unit,
                priority=event.priority,
                needed_by=event.needed_by,
                admin_code=event.admin_code,
                status=RequestStatus.OPEN.value,
                version=event.originator_version,
                posted_at=event.timestamp,
                updated_at=event.timestamp,
                posted_position=position,
                position=position,
            )
        )

    @_apply.register
    async def _amended(self, event: _Amended, conn: AsyncConnection, position: int) -> None:
        await self._update(
            conn,
            event,
            position,
            sector=event.sector,
            title=event.title,
            description=event.description,
            quantity=event.quantity,
            unit=event.unit,
            priority=event.priority,
            needed_by=event.needed_by,
            admin_code=event.admin_code,
        )

    @_apply.register
    async def _cancelled(self, event: _Cancelled, conn: AsyncConnection, position: int) -> None:
        await self._update(
            conn,
            event,
            position,
            status=RequestStatus.CANCELLED.value,
            cancellation_reason=event.reason or None,
        )

    @staticmethod
    async def _update(conn: AsyncConnection, event: Any, position: int, **values: Any) -> None:
        await conn.execute(
            update(assistance_requests)
            .where(assistance_requests.c.id == event.originator_id)
            .values(
                version=event.originator_version,
                updated_at=event.timestamp,
                position=position,
                **values,
            )
        )
