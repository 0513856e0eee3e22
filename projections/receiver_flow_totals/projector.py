"""Keeps the receiver flow totals: each pledge or allocation event takes the flow's old share out of
its cell and puts the new one in, and an amendment that changes a request's sector moves each of its
flows' shares to the new sector's cell, so that a cell always holds the sums over its live flows, as
the flows in the FTS shape (projections/flows/queries.py) would add up."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from sqlalchemy import Table, bindparam, select
from sqlalchemy.exc import NoResultFound
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.funds import StabilityFund
from domain.pledges import Pledge
from domain.projects import Project
from domain.requests import AssistanceRequest
from projections.held import HeldRows
from projections.projector import handles
from projections.receiver_flow_totals.tables import (
    receiver_flow_totals,
    receiver_flow_totals_destinations,
    receiver_flow_totals_flows,
)
from projections.sums import ZERO, FlowSharesProjector, HeldFlows, Share

#: source, FTS status, year, receiving member state, sector and crisis
KEY_COLUMNS = ("source_id", "status", "year", "member_state", "sector", "crisis_id")
_P = Pledge
_F = StabilityFund
_flow = receiver_flow_totals_flows.c
_FLOWS_TO = select(_flow.flow_id).where(_flow.destination_id == bindparam("destination_id"))


class ReceiverFlowTotalsProjector(FlowSharesProjector):
    """Its cells, the flows' shares and the destinations are held for a batch (projections.held),
    and so are the flows of each destination the batch asks for or gives a flow to: an amendment
    moves every flow of its request, those the batch has not written yet too."""

    name = "receiver_flow_totals"
    tables: tuple[Table, ...] = (
        receiver_flow_totals,
        receiver_flow_totals_flows,
        receiver_flow_totals_destinations,
    )

    def __init__(self) -> None:
        self._flows = HeldFlows(receiver_flow_totals, receiver_flow_totals_flows, KEY_COLUMNS)
        self._destinations = HeldRows(receiver_flow_totals_destinations)
        # Flows given to each destination: the batch's new ones, and, once a destination's flows
        # have been asked for (``_read_to``), those the database had when the batch began.
        self._flows_to: dict[UUID, set[UUID]] = {}
        self._read_to: set[UUID] = set()

    async def end_batch(self, conn: AsyncConnection) -> None:
        await self._flows.write(conn)
        await self._destinations.write(conn)
        self._forget_flows_to()

    def drop_batch(self) -> None:
        self._flows.clear()
        self._destinations.clear()
        self._forget_flows_to()

    @handles(AssistanceRequest.Posted, Project.Registered)
    async def _destination(self, event: Any, conn: AsyncConnection, position: int) -> None:
        self._destinations.add(
            (event.originator_id,),
            {
                "id": event.originator_id,
                "crisis_id": event.crisis_id,
                "member_state": event.member_state,
                "sector": event.sector,
            },
        )

    @handles(AssistanceRequest.Amended)
    async def _amended(self, event: AssistanceRequest.Amended, conn: AsyncConnection, position: int) -> None:
        """A new sector moves each of the request's flows to the new sector's cell."""
        request_id = event.originator_id
        held = await self._destinations.get(conn, (request_id,))
        if held is None:
            raise NoResultFound(f"no destination {request_id} in receiver_flow_totals_destinations")
        if held["sector"] == event.sector:
            return
        self._destinations.change((request_id,), {"sector": event.sector})
        for flow_id in sorted(await self._flows_given_to(conn, request_id)):
            before = await self._flows.share(conn, flow_id)
            source, status, year, state, _, crisis = before.key
            after = replace(before, key=(source, status, year, state, event.sector, crisis))
            await self._flows.move(conn, flow_id, before, after)

    @handles(_P.Made)
    async def _made(self, event: _P.Made, conn: AsyncConnection, position: int) -> None:
        state: str | None = None
        sector: str | None = None
        crisis: UUID | None = None
        if event.destination_kind == "crisis":
            crisis = event.destination_id
        else:
            held = await self._destinations.get(conn, (event.destination_id,))
            if held is not None:
                crisis, state, sector = held["crisis_id"], held["member_state"], held["sector"]
        key = (event.organisation_id, "pledge", event.timestamp.date().year, state, sector, crisis)
        share = Share(key, event.amount, ZERO, event.usd_amount, ZERO)
        await self._new_flow(conn, event.originator_id, event.destination_id, share)

    @handles(_F.AllocationApproved)
    async def _allocated(self, event: _F.AllocationApproved, conn: AsyncConnection, position: int) -> None:
        held = await self._destinations.get(conn, (event.destination_id,))
        crisis, state, sector = (
            (held["crisis_id"], held["member_state"], held["sector"]) if held else (None, None, None)
        )
        usd = event.usd_amount
        status = "paid" if usd <= ZERO else "commitment"
        key = (event.originator_id, status, event.timestamp.date().year, state, sector, crisis)
        share = Share(key, usd, ZERO, usd, ZERO)
        await self._new_flow(conn, event.allocation_id, event.destination_id, share)

    async def _new_flow(
        self, conn: AsyncConnection, flow_id: UUID, destination_id: UUID, share: Share
    ) -> None:
        await self._flows.move(conn, flow_id, None, share, destination_id=destination_id)
        self._flows_to.setdefault(destination_id, set()).add(flow_id)

    async def _flows_given_to(self, conn: AsyncConnection, destination_id: UUID) -> set[UUID]:
        """Every flow given to the destination: those written before the batch, read once, and
        the batch's own, not written yet."""
        flows = self._flows_to.setdefault(destination_id, set())
        if destination_id not in self._read_to:
            found = await conn.execute(_FLOWS_TO, {"destination_id": destination_id})
            flows.update(UUID(str(flow_id)) for flow_id in found.scalars())
            self._read_to.add(destination_id)
        return flows

    def _forget_flows_to(self) -> None:
        self._flows_to.clear()
        self._read_to.clear()
