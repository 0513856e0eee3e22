"""The ``movements`` read model: movements, and the displacement stocks (``displacement_changes``).

Movements and displacement figures are one projector: an arrival changes the stocks of the areas
it left and reached, which the projector reads from the movement's own row.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.codes import MemberState
from domain.displacement import DisplacementAssessment, StockChange, stock_changes
from domain.havens import admin1
from domain.movements import Movement, MovementKind, MovementStatus, Place
from projections.movements.tables import displacement_changes, movements
from projections.projector import ProjectorBase, handles, touch

_M = Movement
_STATUS = {
    _M.VoluntarinessConfirmed: MovementStatus.VOLUNTARINESS_CONFIRMED,
    _M.Approved: MovementStatus.APPROVED,
    _M.Started: MovementStatus.IN_TRANSIT,
    _M.Arrived: MovementStatus.ARRIVED,
    _M.Postponed: MovementStatus.POSTPONED,
    _M.Cancelled: MovementStatus.CANCELLED,
}


class MovementsProjector(ProjectorBase):
    name = "movements"
    tables: tuple[Table, ...] = (movements, displacement_changes)

    @handles(_M.VoluntarinessConfirmed)
    async def _confirmed(
        self, event: _M.VoluntarinessConfirmed, conn: AsyncConnection, position: int
    ) -> None:
        await _moved(
            conn, event, position,
            voluntariness_confirmed_by=event.confirmed_by,
            voluntariness_method=event.method,
            voluntariness_confirmed_on=event.confirmed_on,
        )  # fmt: skip

    @handles(_M.ClearedForSecurity)
    async def _cleared(self, event: _M.ClearedForSecurity, conn: AsyncConnection, position: int) -> None:
        await _moved(conn, event, position, cleared_risk=event.risk)

    @handles(_M.Started)
    async def _started(self, event: _M.Started, conn: AsyncConnection, position: int) -> None:
        await _moved(conn, event, position, departed_on=event.departed_on)

    @handles(_M.Postponed)
    async def _postponed(self, event: _M.Postponed, conn: AsyncConnection, position: int) -> None:
        await _moved(
            conn, event, position,
            planned_departure=event.planned_departure, planned_arrival=event.planned_arrival,
        )  # fmt: skip

    @handles(_M.Approved, _M.Cancelled)
    async def _status_changed(self, event: Any, conn: AsyncConnection, position: int) -> None:
        await _moved(conn, event, position)

    @handles(_M.Planned)
    async def _planned(self, event: _M.Planned, conn: AsyncConnection, position: int) -> None:
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

    @handles(_M.Arrived)
    async def _arrived(self, event: _M.Arrived, conn: AsyncConnection, position: int) -> None:
        await self._arrived_stocks(conn, event, position)
        await _moved(conn, event, position, arrived_on=event.arrived_on, people_arrived=event.people_arrived)

    async def _arrived_stocks(self, conn: AsyncConnection, event: Any, position: int) -> None:
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

    @handles(DisplacementAssessment.Recorded)
    async def _assessed(
        self, event: DisplacementAssessment.Recorded, conn: AsyncConnection, position: int
    ) -> None:
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


async def _moved(conn: AsyncConnection, event: Any, position: int, **values: Any) -> None:
    """The movement's row at the event: its new status, if the event sets one, and ``values``."""
    if type(event) in _STATUS:
        values = {"status": _STATUS[type(event)].value, **values}
    await touch(conn, movements, event, position, **values)


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
