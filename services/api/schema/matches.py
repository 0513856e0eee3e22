"""Matches over GraphQL: a quantity of an offer allocated to a request, followed to delivery."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from domain import codes, matches
from projections.matches import queries as match_queries
from services.api.schema import history
from services.api.schema.context import Info
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.match_types import MATCH_HISTORY, Match, MatchConnection, MatchEdge, MatchPayload
from services.api.schema.paging import (
    check_first,
    decode_cursor,
    encode_cursor,
    page_info,
)
from services.api.schema.scalars import (
    LogPosition,
    MatchStatus,
    MemberState,
    parse_id,
)
from services.coordination import Recorded
from services.errors import NotFound


@strawberry.input
class MatchFilter:
    crisis: list[strawberry.ID] | None = None
    request: list[strawberry.ID] | None = None
    offer: list[strawberry.ID] | None = None
    status: list[MatchStatus] | None = None
    requesting_state: list[MemberState] | None = strawberry.field(
        default=None, description="only matches serving the requests of these member states"
    )


def matches_status(status: MatchStatus) -> str:
    return MatchStatus(status).value


def match_filter(chosen: MatchFilter | None) -> match_queries.MatchFilter:
    """The read model's filter of the one given (ids checked, codes as stored)."""
    f = chosen or MatchFilter()
    return match_queries.MatchFilter(
        crisis_ids=tuple(parse_id(c, "crisis") for c in f.crisis or ()),
        request_ids=tuple(parse_id(r, "request") for r in f.request or ()),
        offer_ids=tuple(parse_id(o, "offer") for o in f.offer or ()),
        statuses=tuple(matches_status(s) for s in f.status or ()),
        requesting_states=tuple(codes.MemberState(s).value for s in f.requesting_state or ()),
    )


@strawberry.input
class ProposeMatchInput:
    request_id: strawberry.ID
    offer_id: strawberry.ID
    quantity: Decimal
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class AcceptMatchInput:
    id: strawberry.ID
    over_cover: bool = strawberry.field(
        default=False, description="accept committing more than was requested"
    )
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class MatchStepInput:
    id: strawberry.ID
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class RecordDeliveryInput:
    id: strawberry.ID
    quantity_received: Decimal
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class EndMatchInput:
    id: strawberry.ID
    reason: str = ""
    idempotency_key: str | None = IDEMPOTENCY_KEY


def _match(recorded: Recorded[matches.Match]) -> MatchPayload:
    return MatchPayload(
        match=Match.from_aggregate(recorded.aggregate), position=LogPosition(recorded.position)
    )


@strawberry.type
class MatchQuery:
    @strawberry.field(description="Matches, newest first.")
    async def matches(
        self, info: Info, filter: MatchFilter | None = None, first: int = 20, after: str | None = None
    ) -> MatchConnection:
        check_first(first)
        rows, has_next, total = await match_queries.list_matches(
            info.context.runtime.query_engine,
            match_filter(filter),
            first=first,
            after=decode_cursor(after) if after else None,
        )
        edges = [MatchEdge(cursor=encode_cursor(r.proposed_position), node=Match.from_row(r)) for r in rows]
        return MatchConnection(
            edges=edges, page_info=page_info(edges, has_next=has_next, after=after), total_count=total
        )

    @strawberry.field(description=history.one("match"))
    async def match(self, info: Info, id: strawberry.ID, as_of: datetime | None = None) -> Match | None:
        match_id = parse_id(id)
        if as_of is not None:
            return await history.as_of(info, MATCH_HISTORY, match_id, as_of)
        found = await match_queries.matches_by_id(info.context.runtime.query_engine, [match_id])
        if match_id not in found:
            raise NotFound("match", match_id)
        return Match.from_row(found[match_id])


@strawberry.type
class MatchMutation:
    @strawberry.mutation(description="Allocate a quantity of an offer to a request (CONFLICT if it is gone).")
    async def propose_match(self, info: Info, input: ProposeMatchInput) -> MatchPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.propose_match,
            c.command(input.idempotency_key),
            parse_id(input.request_id, "requestId"),
            parse_id(input.offer_id, "offerId"),
            input.quantity,
        )
        return _match(recorded)

    @strawberry.mutation(description="The requesting state accepts a match: it becomes committed.")
    async def accept_match(self, info: Info, input: AcceptMatchInput) -> MatchPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.accept_match,
            c.command(input.idempotency_key),
            parse_id(input.id),
            over_cover=input.over_cover,
        )
        return _match(recorded)

    @strawberry.mutation(description="The offering party confirms it will deliver.")
    async def confirm_match(self, info: Info, input: MatchStepInput) -> MatchPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.confirm_match, c.command(input.idempotency_key), parse_id(input.id)
        )
        return _match(recorded)

    @strawberry.mutation(description="The offering party has sent it.")
    async def dispatch_match(self, info: Info, input: MatchStepInput) -> MatchPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.dispatch_match, c.command(input.idempotency_key), parse_id(input.id)
        )
        return _match(recorded)

    @strawberry.mutation(description="The requesting state records what arrived (never more than was sent).")
    async def record_delivery(self, info: Info, input: RecordDeliveryInput) -> MatchPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.record_delivery,
            c.command(input.idempotency_key),
            parse_id(input.id),
            input.quantity_received,
        )
        return _match(recorded)

    @strawberry.mutation(
        description="Either party declines a match before dispatch; the quantities are released."
    )
    async def decline_match(self, info: Info, input: EndMatchInput) -> MatchPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.decline_match,
            c.command(input.idempotency_key),
            parse_id(input.id),
            input.reason,
        )
        return _match(recorded)

    @strawberry.mutation(description="Cancel a match before dispatch (a party or the secretariat).")
    async def cancel_match(self, info: Info, input: EndMatchInput) -> MatchPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.cancel_match, c.command(input.idempotency_key), parse_id(input.id), input.reason
        )
        return _match(recorded)
