"""The ``safe_havens`` read model: capacity, occupancy and status of each haven."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic
from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.codes import MemberState
from domain.havens import HavenStatus, SafeHaven, admin1
from projections.tables import safe_havens

_H = SafeHaven


class SafeHavensProjector:
    name = "safe_havens"
    tables: tuple[Table, ...] = (safe_havens,)
    topics = frozenset(get_topic(cls) for cls in (_H.Designated, _H.Admitted, _H.Departed, _H.StatusChanged))

    async def project(self, conn: AsyncConnection, event: Any, position: int) -> None:
        if isinstance(event, _H.Designated):
            await conn.execute(
                insert(safe_havens).values(
                    id=event.originator_id,
                    crisis_id=event.crisis_id,
                    member_state=event.member_state,
                    name=event.name,
                    admin1=admin1(event.admin_code, MemberState(event.member_state)),
                    admin_code=event.admin_code,
                    latitude=event.latitude,
                    longitude=event.longitude,
                    capacity_day=event.capacity_day,
                    capacity_night=event.capacity_night,
                    occupancy=0,
                    services=",".join(event.services),
                    status=HavenStatus.OPEN.value,
                    designated_at=event.timestamp,
                    updated_at=event.timestamp,
                    designated_position=position,
                    position=position,
                )
            )
            return
        values: dict[str, Any]
        if isinstance(event, _H.Admitted | _H.Departed):
            occupancy = await conn.scalar(
                select(safe_havens.c.occupancy).where(safe_havens.c.id == event.originator_id)
            )
            change = event.people if isinstance(event, _H.Admitted) else -event.people
            values = {"occupancy": (occupancy or 0) + change}
        elif isinstance(event, _H.StatusChanged):
            values = {"status": event.status}
        else:
            return
        await conn.execute(
            update(safe_havens)
            .where(safe_havens.c.id == event.originator_id)
            .values(updated_at=event.timestamp, position=position, **values)
        )
