"""The ``matches`` read model: each proposed match and its status."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.matches import Match, MatchStatus
from projections.matches.tables import matches
from projections.projector import touch

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
        await touch(conn, matches, event, position, **values)
