"""The ``movements`` read model: movements, and the displacement stocks (``displacement_changes``).

Movements and displacement figures are one projector: an arrival changes the stocks of the areas
it left and reached, which the projector reads from the movement's own row.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.codes import MemberState
from domain.displacement import DisplacementAssessment, StockChange, stock_changes
from domain.havens import admin1
from domain.movements import Movement, MovementKind, MovementStatus, Place
from projections.movements.tables import displacement_changes, movements

_M = Movement
_STATUS = {
    _M.VoluntarinessConfirmed: MovementStatus.VOLUNTARINESS_CONFIRMED,
    _M.Approved: MovementStatus.APPROVED,
    _M.Started: MovementStatus.IN_TRANSIT,
    _M.Arrived: MovementStatus.ARRIVED,
    _M.Postponed: MovementStatus.POSTPONED,
    _M.Cancelled: MovementStatus.CANCELLED,
}


class MovementsProjector:
    name = "movements"
    tables: tuple[Table, ...] = (movements, displacement_changes)
    topics = frozenset(
        get_topic(cls)
        for cls in (_M.Planned, _M.ClearedForSecurity, *_STATUS, DisplacementAssessment.Recorded)
    )

    async def project(self, conn: AsyncConnection, event: Any, position: int) -> None:
        if isinstance(event, _M.Planned):
            await self._planned(conn, event, position)
            return
        if isinstance(event, DisplacementAssessment.Recorded):
            await self._assessed(conn, event, position)
            return
        values: dict[str, Any] = {}
        if type(event) in _STATUS:
            values["status"] = _STATUS[type(event)].value
        if isinstance(event, _M.VoluntarinessConfirmed):
            values.update(
                voluntariness_confirmed_by=event.confirmed_by,
                voluntariness_method=event.method,
                voluntariness_confirmed_on=event.confirmed_on,
            )
        elif isinstance(event, _M.ClearedForSecurity):
            values["cleared_risk"] = event.risk
        elif isinstance(event, _M.Started):
            values["departed_on"] = event.departed_on
        elif isinstance(event, _M.Postponed):
            values.update(planned_departure=event.planned_departure, planned_arrival=event.planned_arrival)
        elif isinstance(event, _M.Arrived):
            values.update(arrived_on=event.arrived_on, people_arrived=event.people_arrived)
            await self._arrived(conn, event, position)
        await conn.execute(
            update(movements)
            .where(movements.c.id == event.originator_id)
            .values(updated_at=event.timestamp, position=position, **values)
        )

    async def _planned(self, conn: AsyncConnection, event: Any, position: int) -> None:
        origin, destination = Place.from_dict(event.origin), Place.from_dict(event.destination)
        state = MemberState(destination.country)
        assert destination.admin_code is not None
        await conn.execute(
            insert(movements).values(
                id=event.originator_id,
                crisis_id=event.crisis_id,
                kind=event.kind,
                status=MovementStatus.PLANNED.value,
                origin_country=origin.country,
                origin_admin_code=origin.admin_code,
                origin_haven_id=origin.safe_haven_id,
                destination_state=state.value,
                destination_admin_code=destination.admin_code,
                destination_admin1=admin1(destination.admin_code, state),
                destination_haven_id=destination.safe_haven_id,
                people=sum(event.group.values()),
                group_counts=event.group,
                vulnerable=event.vulnerable,
                planned_departure=event.planned_departure,
                planned_arrival=event.planned_arrival,
                planned_at=event.timestamp,
                updated_at=event.timestamp,
                planned_position=position,
                position=position,
            )
        )

    async def _arrived(self, conn: AsyncConnection, event: Any, position: int) -> None:
        row = (await conn.execute(select(movements).where(movements.c.id == event.originator_id))).one()
        origin = Place(row.origin_country, row.origin_admin_code, row.origin_haven_id)
        destination = Place(row.destination_state, row.destination_admin_code, row.destination_haven_id)
        changes = stock_changes(MovementKind(row.kind), origin, destination, event.people_arrived)
        for area, change in enumerate(changes):
            await _change(
                conn,
                position,
                area,
                row.crisis_id,
                change,
                event.arrived_on,
                f"movement:{row.kind}",
                event.originator_id,
            )

    async def _assessed(self, conn: AsyncConnection, event: Any, position: int) -> None:
        """An assessment sets the stocks: the change is the difference from what was known."""
        stocks = (
            await conn.execute(
                select(
                    func.coalesce(func.sum(displacement_changes.c.displaced), 0),
                    func.coalesce(func.sum(displacement_changes.c.returned), 0),
                    func.coalesce(func.sum(displacement_changes.c.resettled), 0),
                ).where(
                    displacement_changes.c.crisis_id == event.crisis_id,
                    displacement_changes.c.admin_code == event.admin_code,
                )
            )
        ).one()
        change = StockChange(
            event.member_state,
            event.admin_code,
            displaced=event.displaced - int(stocks[0]),
            returned=event.returned - int(stocks[1]),
            resettled=event.resettled - int(stocks[2]),
        )
        await _change(
            conn, position, 0, event.crisis_id, change, event.as_of, event.source, event.originator_id
        )


async def _change(
    conn: AsyncConnection,
    position: int,
    area: int,
    crisis_id: UUID,
    change: StockChange,
    as_of: Any,
    source: str,
    source_id: UUID,
) -> None:
    await conn.execute(
        insert(displacement_changes).values(
            position=position,
            area=area,
            crisis_id=crisis_id,
            country=change.country,
            admin_code=change.admin_code,
            as_of=as_of,
            displaced=change.displaced,
            returned=change.returned,
            resettled=change.resettled,
            source=source[:200],
            source_id=source_id,
        )
    )
