"""The ``offers`` read model: each offer, and how much of it matches have allocated."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.offers import Offer
from projections.offers.tables import offers
from projections.projector import ProjectorBase, handles, touch


class OffersProjector(ProjectorBase):
    name = "offers"
    tables: tuple[Table, ...] = (offers,)

    @handles(Offer.Posted)
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

    @handles(Offer.Allocated)
    async def _allocated(self, event: Offer.Allocated, conn: AsyncConnection, position: int) -> None:
        await self._add(conn, event, position, event.quantity)

    @handles(Offer.Released)
    async def _released(self, event: Offer.Released, conn: AsyncConnection, position: int) -> None:
        await self._add(conn, event, position, -event.quantity)

    @staticmethod
    async def _add(conn: AsyncConnection, event: Any, position: int, quantity: Decimal) -> None:
        # In Python, not SQL: SQLite would add the stored decimals as binary floats.
        allocated = await conn.scalar(select(offers.c.allocated).where(offers.c.id == event.originator_id))
        await touch(conn, offers, event, position, allocated=(allocated or Decimal(0)) + quantity)

    @handles(Offer.Withdrawn)
    async def _withdrawn(self, event: Offer.Withdrawn, conn: AsyncConnection, position: int) -> None:
        await touch(conn, offers, event, position, withdrawn=True)
