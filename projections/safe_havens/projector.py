"""The ``safe_havens`` read model: capacity, occupancy and status of each haven."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.codes import MemberState
from domain.havens import HavenStatus, SafeHaven, admin1
from projections.projector import ProjectorBase, handles, touch
from projections.safe_havens.tables import haven_reservations, safe_havens

_H = SafeHaven


class SafeHavensProjector(ProjectorBase):
    name = "safe_havens"
    tables: tuple[Table, ...] = (safe_havens, haven_reservations)

    @handles(_H.Designated)
    async def _designated(self, event: _H.Designated, conn: AsyncConnection, position: int) -> None:
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

    @handles(_H.Admitted, _H.Departed)
    async def _admitted_or_departed(self, event: Any, conn: AsyncConnection, position: int) -> None:
        occupancy = await conn.scalar(
            select(safe_havens.c.occupancy).where(safe_havens.c.id == event.originator_id)
        )
        change = event.people if isinstance(event, _H.Admitted) else -event.people
        await touch(conn, safe_havens, event, position, occupancy=(occupancy or 0) + change)

    @handles(_H.StatusChanged)
    async def _status_changed(self, event: _H.StatusChanged, conn: AsyncConnection, position: int) -> None:
        await touch(conn, safe_havens, event, position, status=event.status)

    @handles(_H.CapacityReserved)
    async def _reserved(self, event: _H.CapacityReserved, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            insert(haven_reservations).values(
                haven_id=event.originator_id, movement_id=event.movement_id, people=event.people
            )
        )
        await touch(conn, safe_havens, event, position, reserved=safe_havens.c.reserved + event.people)

    @handles(_H.ReservationReleased, _H.MovementReceived)
    async def _released_or_received(self, event: Any, conn: AsyncConnection, position: int) -> None:
        # The reservation's size is on record in the event that made it.
        held = await conn.scalar(
            delete(haven_reservations)
            .where(
                haven_reservations.c.haven_id == event.originator_id,
                haven_reservations.c.movement_id == event.movement_id,
            )
            .returning(haven_reservations.c.people)
        )
        values: dict[str, Any] = {"reserved": safe_havens.c.reserved - (held or 0)}
        if isinstance(event, _H.MovementReceived):
            values["occupancy"] = safe_havens.c.occupancy + event.people
        await touch(conn, safe_havens, event, position, **values)

    @handles(_H.MovementSentOff)
    async def _sent_off(self, event: _H.MovementSentOff, conn: AsyncConnection, position: int) -> None:
        await touch(conn, safe_havens, event, position, occupancy=safe_havens.c.occupancy - event.people)
