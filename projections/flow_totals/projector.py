"""Keeps the flow totals: each pledge or allocation event takes the flow's old share out of its cell
and puts the new one in, so that a cell always holds the sums over its live flows, as the flows in
the FTS shape (projections/flows/queries.py) would add up."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.funds import StabilityFund
from domain.pledges import Pledge
from domain.projects import Project
from domain.requests import AssistanceRequest
from projections.flow_totals.tables import flow_totals, flow_totals_destinations, flow_totals_flows
from projections.held import HeldRows
from projections.projector import handles
from projections.sums import ZERO, FlowSharesProjector, HeldFlows, Share

#: source, FTS status, year, crisis
KEY_COLUMNS = ("source_id", "status", "year", "crisis_id")
_P = Pledge
_F = StabilityFund


class FlowTotalsProjector(FlowSharesProjector):
    """Its cells, the flows' shares and the destinations' crises are held for a batch
    (projections.held): a catch-up's thousands of flows read and rewrote the same few cells."""

    name = "flow_totals"
    tables: tuple[Table, ...] = (flow_totals, flow_totals_flows, flow_totals_destinations)

    def __init__(self) -> None:
        self._flows = HeldFlows(flow_totals, flow_totals_flows, KEY_COLUMNS)
        self._destinations = HeldRows(flow_totals_destinations)

    async def end_batch(self, conn: AsyncConnection) -> None:
        await self._flows.write(conn)
        await self._destinations.write(conn)

    def drop_batch(self) -> None:
        self._flows.clear()
        self._destinations.clear()

    @handles(AssistanceRequest.Posted, Project.Registered)
    async def _destination(self, event: Any, conn: AsyncConnection, position: int) -> None:
        self._destinations.add(
            (event.originator_id,), {"id": event.originator_id, "crisis_id": event.crisis_id}
        )

    @handles(_P.Made)
    async def _made(self, event: _P.Made, conn: AsyncConnection, position: int) -> None:
        if event.destination_kind == "crisis":
            crisis: UUID | None = event.destination_id
        else:
            crisis = await self._crisis_of(conn, event.destination_id)
        key = (event.organisation_id, "pledge", event.timestamp.date().year, crisis)
        share = Share(key, event.amount, ZERO, event.usd_amount, ZERO)
        await self._flows.move(conn, event.originator_id, None, share)

    @handles(_F.AllocationApproved)
    async def _allocated(self, event: _F.AllocationApproved, conn: AsyncConnection, position: int) -> None:
        crisis = await self._crisis_of(conn, event.destination_id)
        usd = event.usd_amount
        status = "paid" if usd <= ZERO else "commitment"
        key = (event.originator_id, status, event.timestamp.date().year, crisis)
        await self._flows.move(conn, event.allocation_id, None, Share(key, usd, ZERO, usd, ZERO))

    async def _crisis_of(self, conn: AsyncConnection, destination_id: UUID) -> UUID | None:
        row = await self._destinations.get(conn, (destination_id,))
        return None if row is None else row["crisis_id"]
