"""The ``allocation_rounds`` read model: one row per round run, newest first, for the secretariat's list."""

from __future__ import annotations

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.rounds import AllocationRound
from projections.allocation_rounds.tables import allocation_rounds
from projections.projector import ProjectorBase, handles

_Completed = AllocationRound.Completed


class AllocationRoundsProjector(ProjectorBase):
    name = "allocation_rounds"
    tables: tuple[Table, ...] = (allocation_rounds,)

    @handles(_Completed)
    async def _completed(self, event: _Completed, conn: AsyncConnection, position: int) -> None:
        mine, greedy = event.objective, event.greedy_objective
        await conn.execute(
            insert(allocation_rounds).values(
                id=event.originator_id,
                crisis_id=event.crisis_id,
                ran_at=event.timestamp,
                ran_by=event.actor.principal,
                method=event.method,
                need_count=len(event.needs),
                offer_count=len(event.offers),
                proposal_count=len(event.proposals),
                skipped_count=len(event.skipped),
                min_state_coverage=float(mine["min_state_coverage"]),
                weighted_coverage=float(mine["weighted_coverage"]),
                greedy_min_state_coverage=float(greedy["min_state_coverage"]),
                greedy_weighted_coverage=float(greedy["weighted_coverage"]),
                position=position,
            )
        )
