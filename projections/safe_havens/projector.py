"""The ``safe_havens`` read model: capacity, occupancy and status of each haven."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.codes import MemberState
from domain.havens import HavenStatus, SafeHaven, admin1
from projections.safe_havens.tables import haven_reservations, safe_havens

_H = SafeHaven


class SafeHavensProjector:
    name = "safe_havens"
    tables: tuple[Table, ...] = (safe_havens, haven_reservations)
    topics = frozenset(
        get_topic(cls)
        for cls in (
            _H.Designated,
            _H.Admitted,
            _H.Departed,
            _H.StatusChanged,
            _H.CapacityReserved,
            _H.ReservationReleased,
            _H.MovementReceived,
            _H.MovementSentOff,
        )
    )

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
                    reserved=0,
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
        elif isinstance(event, _H.CapacityReserved):
            await conn.execute(
                insert(haven_reservations).values(
                    haven_id=event.originator_id, movement_id=event.movement_id, people=event.people
                )
            )
            values = {"reserved": safe_havens.c.reserved + event.people}
        elif isinstance(event, _H.ReservationReleased | _H.MovementReceived):
            # The reservation's size is on record in the event that made it.
            held = await conn.scalar(
                delete(haven_reservations)
                .where(
                    haven_reservations.c.haven_id == event.originator_id,
                    haven_reservations.c.movement_id == event.movement_id,
                )
                .returning(haven_reservations.c.people)
            )
            values = {"reserved": safe_havens.c.reserved - (held or 0)}
            if isinstance(event, _H.MovementReceived):
                values["occupancy"] = safe_havens.c.occupancy + event.people
        elif isinstance(event, _H.MovementSentOff):
            values = {"occupancy": safe_havens.c.occupancy - event.people}
        else:
            return
        await conn.execute(
            update(safe_havens)
            .where(safe_havens.c.id == event.originator_id)
            .values(updated_at=event.timestamp, position=position, **values)
        )
