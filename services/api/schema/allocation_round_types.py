"""An allocation round's object types: suggestions and their score, the objective, the proposed
matches and what was skipped. The query and the command are in services.api.schema.allocation_rounds."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import strawberry

from domain import allocation, rounds
from projections.allocation_rounds.queries import RoundRow
from projections.matches import queries as match_queries
from services.api.loaded import LOADED, Loaded
from services.api.schema.context import Info
from services.api.schema.match_types import Match
from services.api.schema.offer_types import Offer
from services.api.schema.paging import PageInfo
from services.api.schema.scalars import LogPosition

strawberry.enum(allocation.Constraint, name="MatchConstraint")


@strawberry.type(description="One term of a suggestion's score: its value, its weight and why.")
class ScoreTerm:
    name: str
    value: float
    weight: float = strawberry.field(
        description="0 for the need's priority and urgency, which multiply the rest"
    )
    contribution: float
    note: str

    @classmethod
    def all_of(cls, suggestion: allocation.Suggestion) -> list[ScoreTerm]:
        """Every term of a suggestion's score, as matchSuggestions and needSuggestions show them."""
        return [
            cls(name=t.name, value=t.value, weight=t.weight, contribution=t.contribution, note=t.note)
            for t in suggestion.terms
        ]


_OFFER = Loaded("offer", "offer_id", Offer.from_row)


@strawberry.type(description="An offer that could serve the request: its score and the reasons for it.")
class MatchSuggestion:
    offer_id: strawberry.ID
    score: float = strawberry.field(description="(priority x urgency) x the sum of the weighted pair terms")
    quantity: Decimal = strawberry.field(description="what the offer could cover of what is still open")
    terms: list[ScoreTerm]
    excluded_by: list[allocation.Constraint] = strawberry.field(
        description="rules the pair breaks (empty for a compatible offer; see includeExcluded)"
    )

    @strawberry.field(metadata={LOADED: _OFFER})
    async def offer(self, info: Info) -> Offer | None:
        value: Offer | None = await _OFFER.resolve(self, info)
        return value

    @classmethod
    def of(cls, suggestion: allocation.Suggestion) -> MatchSuggestion:
        return cls(
            offer_id=strawberry.ID(str(suggestion.offer.offer_id)),
            score=suggestion.score,
            quantity=suggestion.quantity,
            terms=ScoreTerm.all_of(suggestion),
            excluded_by=list(suggestion.excluded_by),
        )


@strawberry.type
class StateCoverage:
    member_state: str
    coverage: float


@strawberry.type(description="Lowest state coverage first, then the weighted coverage of all needs.")
class RoundObjective:
    min_state_coverage: float
    weighted_coverage: float
    state_coverage: list[StateCoverage]

    @classmethod
    def of(cls, values: dict[str, object]) -> RoundObjective:
        by_state = values["state_coverage"]
        assert isinstance(by_state, dict)
        return cls(
            min_state_coverage=float(str(values["min_state_coverage"])),
            weighted_coverage=float(str(values["weighted_coverage"])),
            state_coverage=[
                StateCoverage(member_state=s, coverage=float(v)) for s, v in sorted(by_state.items())
            ],
        )


@strawberry.type
class RoundParameter:
    name: str
    value: str


@strawberry.type(description="A match the round proposed; it follows the normal accept / confirm lifecycle.")
class ProposedMatch:
    match_id: strawberry.ID
    request_id: strawberry.ID
    offer_id: strawberry.ID
    quantity: Decimal
    match: Match | None = strawberry.field(description="as it stands now (null until the read model has it)")


@strawberry.type(
    description="A line of the solution not proposed: its request or offer changed since the read."
)
class SkippedLine:
    request_id: strawberry.ID
    offer_id: strawberry.ID
    quantity: Decimal
    reason: str


@strawberry.type(
    description="An allocation round, as recorded: inputs, parameters, objective values, proposals."
)
class AllocationRound:
    id: strawberry.ID
    crisis_id: strawberry.ID | None = strawberry.field(description="null: every open crisis")
    ran_on: date
    ran_at: datetime
    ran_by: str
    read_position: LogPosition = strawberry.field(description="the log position the read models were read at")
    method: str
    parameters: list[RoundParameter]
    objective: RoundObjective
    greedy_objective: RoundObjective = strawberry.field(description="highest priority first, for comparison")
    need_count: int
    offer_count: int
    skipped: list[SkippedLine]
    proposal_ids: strawberry.Private[list[rounds.Proposal]]

    @strawberry.field(
        description=(
            "Re-solves the recorded inputs with the recorded parameters on the round's day: true "
            "when that finds exactly the recorded lines (the audit of a round; it costs a solve)."
        )
    )
    async def reproduced(self, info: Info) -> bool:
        concord = info.context.runtime.concord
        held = await info.context.run(concord.get_allocation_round, UUID(self.id))
        return await info.context.run(concord.reproduces, held)

    @strawberry.field
    async def proposed_matches(self, info: Info) -> list[ProposedMatch]:
        found = await match_queries.matches_by_id(
            info.context.runtime.query_engine, [p.match_id for p in self.proposal_ids]
        )
        return [
            ProposedMatch(
                match_id=strawberry.ID(str(p.match_id)),
                request_id=strawberry.ID(str(p.request_id)),
                offer_id=strawberry.ID(str(p.offer_id)),
                quantity=p.quantity,
                match=Match.from_row(found[p.match_id]) if p.match_id in found else None,
            )
            for p in self.proposal_ids
        ]

    @classmethod
    def of(cls, held: rounds.AllocationRound) -> AllocationRound:
        return cls(
            id=strawberry.ID(str(held.id)),
            crisis_id=strawberry.ID(str(held.crisis_id)) if held.crisis_id else None,
            ran_on=held.ran_on,
            ran_at=held.created_on,
            ran_by=held.ran_by.principal,
            read_position=LogPosition(held.read_position),
            method=held.method,
            parameters=[RoundParameter(name=k, value=v) for k, v in sorted(held.parameters.items())],
            objective=RoundObjective.of(held.objective),
            greedy_objective=RoundObjective.of(held.greedy_objective),
            need_count=len(held.needs),
            offer_count=len(held.offers),
            skipped=[
                SkippedLine(
                    request_id=strawberry.ID(str(s.request_id)),
                    offer_id=strawberry.ID(str(s.offer_id)),
                    quantity=s.quantity,
                    reason=s.reason,
                )
                for s in held.skipped
            ],
            proposal_ids=list(held.proposals),
        )


@strawberry.type(description="A round as the list of rounds shows it; allocationRound(id) reads it whole.")
class AllocationRoundSummary:
    id: strawberry.ID
    crisis_id: strawberry.ID | None = strawberry.field(description="null: every open crisis")
    ran_at: datetime
    ran_by: str
    method: str
    need_count: int
    offer_count: int
    proposal_count: int
    skipped_count: int
    objective: RoundTotals
    greedy_objective: RoundTotals = strawberry.field(description="highest priority first, for comparison")

    @classmethod
    def from_row(cls, row: RoundRow) -> AllocationRoundSummary:
        return cls(
            id=strawberry.ID(str(row.id)),
            crisis_id=strawberry.ID(str(row.crisis_id)) if row.crisis_id else None,
            ran_at=row.ran_at,
            ran_by=row.ran_by,
            method=row.method,
            need_count=row.need_count,
            offer_count=row.offer_count,
            proposal_count=row.proposal_count,
            skipped_count=row.skipped_count,
            objective=RoundTotals(
                min_state_coverage=row.min_state_coverage, weighted_coverage=row.weighted_coverage
            ),
            greedy_objective=RoundTotals(
                min_state_coverage=row.greedy_min_state_coverage,
                weighted_coverage=row.greedy_weighted_coverage,
            ),
        )


@strawberry.type(description="A round's objective values, without each state's coverage.")
class RoundTotals:
    min_state_coverage: float
    weighted_coverage: float


@strawberry.type
class AllocationRoundSummaryEdge:
    cursor: str
    node: AllocationRoundSummary


@strawberry.type
class AllocationRoundSummaryConnection:
    edges: list[AllocationRoundSummaryEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class AllocationRoundPayload:
    position: LogPosition
    round: AllocationRound
