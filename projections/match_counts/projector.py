"""Keeps the match counts: a match proposed is counted in its requesting state's cell of its status,
and each change of status moves it from one cell to the other. A cell that counts none is deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.matches import STATUS_AFTER, Match
from domain.requests import AssistanceRequest
from projections.held import HeldRows
from projections.match_counts.tables import match_counts, match_counts_matches, match_counts_requests
from projections.projector import ProjectorBase, handles

#: The events that move a match on from proposed.
_MOVED_ON = tuple(event for event in STATUS_AFTER if event is not Match.Proposed)


class MatchCountsProjector(ProjectorBase):
    """Its cells, requests and matches are held for a batch (projections.held): a catch-up counts
    thousands of matches into a few hundred cells."""

    name = "match_counts"
    tables: tuple[Table, ...] = (match_counts, match_counts_requests, match_counts_matches)

    def __init__(self) -> None:
        self._cells = HeldRows(match_counts)
        self._requests = HeldRows(match_counts_requests)
        self._matches = HeldRows(match_counts_matches)

    async def end_batch(self, conn: AsyncConnection) -> None:
        for held in (self._cells, self._requests, self._matches):
            await held.write(conn)

    def drop_batch(self) -> None:
        for held in (self._cells, self._requests, self._matches):
            held.clear()

    @handles(AssistanceRequest.Posted)
    async def _posted(self, event: AssistanceRequest.Posted, conn: AsyncConnection, position: int) -> None:
        key = self._requests.key(event.originator_id)
        self._requests.add(key, {"request_id": event.originator_id, "member_state": event.member_state})

    @handles(Match.Proposed)
    async def _proposed(self, event: Match.Proposed, conn: AsyncConnection, position: int) -> None:
        request = await self._requests.get(conn, self._requests.key(event.request_id))
        if request is None:
            raise LookupError(f"match {event.originator_id}: no request {event.request_id} was posted")
        state, status = request["member_state"], STATUS_AFTER[Match.Proposed].value
        key = self._matches.key(event.originator_id)
        self._matches.add(key, {"match_id": event.originator_id, "member_state": state, "status": status})
        await self._count(conn, state, status, 1)

    @handles(*_MOVED_ON)
    async def _moved_on(self, event: Any, conn: AsyncConnection, position: int) -> None:
        key = self._matches.key(event.originator_id)
        match = await self._matches.get(conn, key)
        if match is None:
            raise LookupError(f"match {event.originator_id} was never proposed")
        before, after = match["status"], STATUS_AFTER[type(event)].value
        if before == after:
            return
        self._matches.change(key, {"status": after})
        await self._count(conn, match["member_state"], before, -1)
        await self._count(conn, match["member_state"], after, 1)

    async def _count(self, conn: AsyncConnection, state: str, status: str, change: int) -> None:
        key = self._cells.key(state, status)
        cell = await self._cells.get(conn, key)
        if cell is None:
            self._cells.put(key, {"member_state": state, "status": status, "matches": change})
        elif cell["matches"] + change == 0:
            self._cells.remove(key)
        else:
            self._cells.change(key, {"matches": cell["matches"] + change})
