"""The matcher over GraphQL: suggestions for one request, allocation rounds and their record."""

from __future__ import annotations

import strawberry

from domain import allocation
from domain.access import Role
from domain.codes import MemberState
from projections.allocation_rounds import queries as round_queries
from projections.matching import queries as matching
from services.api.schema.allocation_round_types import (
    AllocationRound,
    AllocationRoundPayload,
    AllocationRoundSummary,
    AllocationRoundSummaryConnection,
    AllocationRoundSummaryEdge,
    MatchSuggestion,
)
from services.api.schema.context import Info
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.paging import check_first, decode_cursor, encode_cursor, page_info
from services.api.schema.scalars import LogPosition, parse_id
from services.commands.allocation_rounds import Snapshot
from services.errors import NotFound
from services.identity.access import Owner, authorise


@strawberry.input
class RunAllocationRoundInput:
    crisis_id: strawberry.ID | None = strawberry.field(default=None, description="omit for every open crisis")
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.type
class AllocationRoundQuery:
    @strawberry.field(
        description=(
            "Offers that could serve a request, best first, each with its score and explanation. "
            "Coordinators ask for their own state's requests, the secretariat for any; a donor "
            "sees only its own organisation's offers. includeExcluded adds offers of the item "
            "that break a rule, scored 0, naming the rules."
        )
    )
    async def match_suggestions(
        self, info: Info, request_id: strawberry.ID, first: int = 10, include_excluded: bool = False
    ) -> list[MatchSuggestion]:
        check_first(first)
        c = info.context
        need = await matching.need_line(c.runtime.query_engine, parse_id(request_id, "requestId"))
        if need is None:
            raise NotFound("assistance request", str(request_id))
        principal = c.principal
        own_organisation = principal.organisation_id if principal.role is Role.DONOR else None
        authorise(
            principal,
            "query.matchSuggestions",
            Owner(member_state=MemberState(need.member_state), organisation_id=own_organisation),
        )
        today = c.runtime.concord.today()
        offers = await matching.candidate_offers(
            c.runtime.query_engine,
            need,
            today,
            organisation_id=own_organisation,
            near_misses=include_excluded,
        )
        parameters = allocation.Parameters()
        chosen = allocation.best(need, offers, today, parameters, first, excluded=include_excluded)
        return [MatchSuggestion.of(s) for s in chosen]

    @strawberry.field(description="The allocation rounds run, newest first; crisis narrows the list.")
    async def allocation_rounds(
        self, info: Info, crisis: list[strawberry.ID] | None = None, first: int = 20, after: str | None = None
    ) -> AllocationRoundSummaryConnection:
        check_first(first)
        rows, has_next, total = await round_queries.list_rounds(
            info.context.runtime.query_engine,
            crisis_ids=[parse_id(c, "crisis") for c in crisis or ()],
            first=first,
            after=decode_cursor(after) if after else None,
        )
        edges = [
            AllocationRoundSummaryEdge(
                cursor=encode_cursor(row.position), node=AllocationRoundSummary.from_row(row)
            )
            for row in rows
        ]
        return AllocationRoundSummaryConnection(
            edges=edges, page_info=page_info(edges, has_next=has_next, after=after), total_count=total
        )

    @strawberry.field(description="One allocation round, as recorded in the event store.")
    async def allocation_round(self, info: Info, id: strawberry.ID) -> AllocationRound:
        held = await info.context.run(info.context.runtime.concord.get_allocation_round, parse_id(id))
        return AllocationRound.of(held)


@strawberry.type
class AllocationRoundMutation:
    @strawberry.mutation(
        description=(
            "Run an allocation round over every open request and offer of a crisis (or of every "
            "open crisis) and propose the result as matches (secretariat)."
        )
    )
    async def run_allocation_round(
        self, info: Info, input: RunAllocationRoundInput
    ) -> AllocationRoundPayload:
        c = info.context
        crisis_id = parse_id(input.crisis_id, "crisisId") if input.crisis_id is not None else None
        concord = c.runtime.concord
        needs, offers, position = await matching.round_inputs(
            c.runtime.query_engine, crisis_id, concord.today()
        )
        recorded = await c.run(
            concord.run_allocation_round,
            c.command(input.idempotency_key),
            crisis_id,
            Snapshot(needs, offers, position),
        )
        return AllocationRoundPayload(
            position=LogPosition(recorded.position), round=AllocationRound.of(recorded.aggregate)
        )
