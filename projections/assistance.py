"""Read models of crises, offers and matches."""

from __future__ import annotations

from decimal import Decimal
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic
from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.crises import Crisis
from domain.matches import Match, MatchStatus
from domain.offers import Offer
from projections.tables import crises, matches, offers


async def _touch(conn: AsyncConnection, table: Table, event: Any, position: int, **values: Any) -> None:
    await conn.execute(
        update(table)
        .where(table.c.id == event.originator_id)
        .values(updated_at=event.timestamp, position=position, **values)
    )


class CrisesProjector:
    name = "crises"
    tables: tuple[Table, ...] = (crises,)
    topics = frozenset(get_topic(cls) for cls in (Crisis.Opened, Crisis.PhaseChanged))

    async def project(self, conn: AsyncConnection, event: Any, position: int) -> None:
        if isinstance(event, Crisis.Opened):
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
        elif isinstance(event, Crisis.PhaseChanged):
            await _touch(conn, crises, event, position, phase=event.phase)


class OffersProjector:
    name = "offers"
    tables: tuple[Table, ...] = (offers,)
    topics = frozenset(
        get_topic(cls) for cls in (Offer.Posted, Offer.Allocated, Offer.Released, Offer.Withdrawn)
    )

    async def project(self, conn: AsyncConnection, event: Any, position: int) -> None:
        await self._handler(type(event))(self, event, conn, position)

    @singledispatchmethod
    async def _apply(self, event: Any, conn: AsyncConnection, position: int) -> None:
        """Events of other kinds leave this read model as it is."""

    # The handler for an event's class, looked up without the function functools' singledispatchmethod
    # builds on every access (a rebuild projects hundreds of thousands of events).
    _handler = staticmethod(_apply.dispatcher.dispatch)

    @_apply.register
    async def _posted(self, event: Offer.Posted, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            insert(offers).values(
                id=event.originator_id,
                crisis_id=event.crisis_id,
                organisation_id=UUID(event.organisation_id) if event.organisation_id else None,
                offering_state=event.offering_state,
                sector=event.sector,
                item=event.item,
                quantity=event.quantity,
                allocated=Decimal(0),
                unit=event.unit,
                available_from=event.available_from,
                available_until=event.available_until,
                serves=",".join(event.serves),
                delivery_mode=event.delivery_mode,
                standby_capacity=event.standby_capacity,
                description=event.description,
                withdrawn=False,
                posted_at=event.timestamp,
                updated_at=event.timestamp,
                posted_position=position,
                position=position,
            )
        )

    @_apply.register
    async def _allocated(self, event: Offer.Allocated, conn: AsyncConnection, position: int) -> None:
        await self._add(conn, event, position, event.quantity)

    @_apply.register
    async def _released(self, event: Offer.Released, conn: AsyncConnection, position: int) -> None:
        await self._add(conn, event, position, -event.quantity)

    @staticmethod
    async def _add(conn: AsyncConnection, event: Any, position: int, quantity: Decimal) -> None:
        # In Python, not SQL: SQLite would add the stored decimals as binary floats.
        allocated = await conn.scalar(select(offers.c.allocated).where(offers.c.id == event.originator_id))
        await _touch(conn, offers, event, position, allocated=(allocated or Decimal(0)) + quantity)

    @_apply.register
    async def _withdrawn(self, event: Offer.Withdrawn, conn: AsyncConnection, position: int) -> None:
        await _touch(conn, offers, event, position, withdrawn=True)


_STATUS_OF = {
    Match.Accepted: MatchStatus.ACCEPTED,
    Match.Confirmed: MatchStatus.CONFIRMED,
    Match.Dispatched: MatchStatus.DISPATCHED,
    Match.Delivered: MatchStatus.DELIVERED,
    Match.Declined: MatchStatus.DECLINED,
    Match.Cancelled: MatchStatus.CANCELLED,
}


class MatchesProjector:
    name = "matches"
    tables: tuple[Table, ...] = (matches,)
    topics = frozenset(get_topic(cls) for cls in (Match.Proposed, *_STATUS_OF))

    async def project(self, conn: AsyncConnection, event: Any, position: int) -> None:
        if isinstance(event, Match.Proposed):
            await conn.execute(
                insert(matches).values(
                    id=event.originator_id,
                    crisis_id=event.crisis_id,
                    request_id=event.request_id,
                    offer_id=event.offer_id,
                    quantity=event.quantity,
                    unit=event.unit,
                    status=MatchStatus.PROPOSED.value,
                    over_cover=False,
                    proposed_by=event.actor.principal,
                    proposed_at=event.timestamp,
                    updated_at=event.timestamp,
                    proposed_position=position,
                    position=position,
                )
            )
            return
        status = _STATUS_OF.get(type(event))
        if status is None:
            return
        values: dict[str, Any] = {"status": status.value}
        if isinstance(event, Match.Accepted):
            values["over_cover"] = event.over_cover
        elif isinstance(event, Match.Dispatched):
            values["dispatched"] = event.quantity
        elif isinstance(event, Match.Delivered):
            values["received"] = event.quantity_received
        elif isinstance(event, Match.Declined | Match.Cancelled):
            values["reason"] = event.reason or None
        await _touch(conn, matches, event, position, **values)
