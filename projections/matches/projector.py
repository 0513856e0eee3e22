"""The ``matches`` read model: each proposed match and its status."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.matches import STATUS_AFTER, Match, MatchStatus
from projections.matches.tables import matches
from projections.projector import ProjectorBase, handles, touch

#: The events that move a match on from proposed, and the status each leaves it in.
_STATUS_OF = {event: status for event, status in STATUS_AFTER.items() if event is not Match.Proposed}


class MatchesProjector(ProjectorBase):
    name = "matches"
    tables: tuple[Table, ...] = (matches,)

    @handles(Match.Proposed)
    async def _proposed(self, event: Match.Proposed, conn: AsyncConnection, position: int) -> None:
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

    @handles(*_STATUS_OF)
    async def _moved_on(self, event: Any, conn: AsyncConnection, position: int) -> None:
        values: dict[str, Any] = {"status": _STATUS_OF[type(event)].value}
        if isinstance(event, Match.Accepted):
            values["over_cover"] = event.over_cover
        elif isinstance(event, Match.Dispatched):
            values["dispatched"] = event.quantity
        elif isinstance(event, Match.Delivered):
            values["received"] = event.quantity_received
        elif isinstance(event, Match.Declined | Match.Cancelled):
            values["reason"] = event.reason or None
        await touch(conn, matches, event, position, **values)
