"""Keeps the coverage cells: each request event takes the request's old share out of its cell and
puts the new one in, so that a cell always holds the sums over its live requests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import Table
from sqlalchemy.exc import NoResultFound
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.requests import AssistanceRequest
from projections.coverage.tables import coverage_cells, coverage_commitments, coverage_requests
from projections.held import HeldRows, Row
from projections.projector import ProjectorBase, handles
from projections.sums import ZERO, SumCells, Terms

_R = AssistanceRequest
SUMS = ("requested", "committed", "delivered")
Key = tuple[UUID, str, str]  # crisis, member state, sector
KEY_COLUMNS = ("crisis_id", "member_state", "sector")


class Share(NamedTuple):
    """What one request adds to its cell: nothing once cancelled; its committed and delivered
    quantities are counted up to what it asks for. A tuple: one is made for every event."""

    key: Key
    quantity: Decimal
    committed: Decimal
    delivered: Decimal
    live: bool

    def terms(self) -> tuple[Decimal, Decimal, Decimal]:
        return self.quantity, min(self.committed, self.quantity), min(self.delivered, self.quantity)

    def counted(self) -> Terms:
        return (self.key, self.terms()) if self.live else None


class CoverageProjector(ProjectorBase):
    """Its cells, the requests' shares and the commitments are held for a batch (projections.held):
    a catch-up's thousands of requests read and rewrote the same few cells once per event."""

    name = "coverage"
    tables: tuple[Table, ...] = (coverage_cells, coverage_requests, coverage_commitments)

    def __init__(self) -> None:
        self._cells = SumCells(coverage_cells, KEY_COLUMNS, "requests", SUMS, named=False)
        self._shares = HeldRows(coverage_requests)
        self._commitments = HeldRows(coverage_commitments)

    async def end_batch(self, conn: AsyncConnection) -> None:
        for held in (self._cells, self._shares, self._commitments):
            await held.write(conn)

    def drop_batch(self) -> None:
        for held in (self._cells, self._shares, self._commitments):
            held.clear()

    @handles(_R.Posted)
    async def _posted(self, event: _R.Posted, conn: AsyncConnection, position: int) -> None:
        key = (event.crisis_id, event.member_state, event.sector)
        await self._move(conn, event.originator_id, None, Share(key, event.quantity, ZERO, ZERO, live=True))

    @handles(_R.Amended)
    async def _amended(self, event: _R.Amended, conn: AsyncConnection, position: int) -> None:
        before = await self._share(conn, event.originator_id)
        after = before._replace(key=(*before.key[:2], event.sector), quantity=event.quantity)
        await self._move(conn, event.originator_id, before, after)

    @handles(_R.Cancelled)
    async def _cancelled(self, event: _R.Cancelled, conn: AsyncConnection, position: int) -> None:
        before = await self._share(conn, event.originator_id)
        await self._move(conn, event.originator_id, before, before._replace(live=False))

    @handles(_R.Committed)
    async def _committed(self, event: _R.Committed, conn: AsyncConnection, position: int) -> None:
        before = await self._share(conn, event.originator_id)
        self._commitments.add(
            (event.match_id,),
            {
                "match_id": event.match_id,
                "request_id": event.originator_id,
                "quantity": event.quantity,
                "delivered": ZERO,
            },
        )
        after = before._replace(committed=before.committed + event.quantity)
        await self._move(conn, event.originator_id, before, after)

    @handles(_R.Released)
    async def _released(self, event: _R.Released, conn: AsyncConnection, position: int) -> None:
        before = await self._share(conn, event.originator_id)
        held = await self._commitment(conn, event.match_id)
        self._commitments.remove((event.match_id,))
        after = before._replace(
            committed=before.committed - held["quantity"],
            delivered=before.delivered - held["delivered"],
        )
        await self._move(conn, event.originator_id, before, after)

    @handles(_R.Received)
    async def _received(self, event: _R.Received, conn: AsyncConnection, position: int) -> None:
        before = await self._share(conn, event.originator_id)
        held = await self._commitment(conn, event.match_id)
        self._commitments.change((event.match_id,), {"delivered": event.quantity})
        after = before._replace(delivered=before.delivered - held["delivered"] + event.quantity)
        await self._move(conn, event.originator_id, before, after)

    async def _share(self, conn: AsyncConnection, request_id: UUID) -> Share:
        row = await _one(self._shares, conn, (request_id,))
        key = (row["crisis_id"], row["member_state"], row["sector"])
        return Share(key, row["quantity"], row["committed"], row["delivered"], row["live"])

    async def _commitment(self, conn: AsyncConnection, match_id: UUID) -> Row:
        return await _one(self._commitments, conn, (match_id,))

    async def _move(
        self, conn: AsyncConnection, request_id: UUID, before: Share | None, after: Share
    ) -> None:
        """Record the request's new share, and change its cell (or cells, if its sector changed) by
        the difference."""
        crisis, state, sector = after.key
        row = {
            "request_id": request_id,
            "crisis_id": crisis,
            "member_state": state,
            "sector": sector,
            "quantity": after.quantity,
            "committed": after.committed,
            "delivered": after.delivered,
            "live": after.live,
        }
        if before is None:
            self._shares.add((request_id,), row)
        else:
            self._shares.put((request_id,), row)
        await self._cells.move(conn, None if before is None else before.counted(), after.counted())


async def _one(held: HeldRows, conn: AsyncConnection, key: tuple[Any, ...]) -> Row:
    row = await held.get(conn, key)
    if row is None:
        raise NoResultFound(f"no row of {held.table.name} for {key}")
    return row
