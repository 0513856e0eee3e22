"""Displacement figures over GraphQL: displaced, returned and resettled people by area over time (IOM DTM)."""

from __future__ import annotations

from datetime import date

import strawberry

from domain import codes, havens
from domain.displacement import DisplacementAssessment
from projections.movements import queries as movement_queries
from services.api.schema.areas import visible_areas
from services.api.schema.context import Info
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.scalars import LogPosition, MemberState, parse_id
from services.coordination import Recorded
from services.identity.access import Owner, may


@strawberry.input(description="An area's stocks as a DTM baseline or site assessment found them.")
class RecordDisplacementFiguresInput:
    crisis_id: strawberry.ID
    member_state: MemberState
    admin_code: str
    as_of: date
    displaced: int = strawberry.field(description="internally displaced persons (IDPs)")
    returned: int = strawberry.field(description="returnees: former IDPs and refugees back home")
    resettled: int = strawberry.field(description="IDPs resettled or locally integrated")
    source: str = strawberry.field(description="e.g. IOM DTM round 4 baseline assessment")
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.type(description="An area's stocks; for viewers, figures of 1 to 4 people are null")
class DisplacementFigures:
    country: str
    admin_code: str = strawberry.field(description="exact P-code, or its admin-1 without need-to-know")
    as_of: date
    displaced: int = strawberry.field(graphql_type=int | None)
    returned: int = strawberry.field(graphql_type=int | None)
    resettled: int = strawberry.field(graphql_type=int | None)


@strawberry.type
class DisplacementAssessmentPayload:
    id: strawberry.ID
    position: LogPosition


@strawberry.type
class DisplacementMutation:
    @strawberry.mutation(description="An area's displacement stocks as an assessment found them.")
    async def record_displacement_figures(
        self, info: Info, input: RecordDisplacementFiguresInput
    ) -> DisplacementAssessmentPayload:
        c = info.context
        recorded: Recorded[DisplacementAssessment] = await c.run(
            c.runtime.concord.record_displacement_figures,
            c.command(input.idempotency_key),
            parse_id(input.crisis_id, "crisisId"),
            codes.MemberState(input.member_state),
            input.admin_code,
            as_of=input.as_of,
            displaced=input.displaced,
            returned=input.returned,
            resettled=input.resettled,
            source=input.source,
        )
        return DisplacementAssessmentPayload(
            id=strawberry.ID(str(recorded.aggregate.id)), position=LogPosition(recorded.position)
        )


@strawberry.type
class DisplacementQuery:
    @strawberry.field(
        description=(
            "Displaced, returned and resettled people by area over time (IOM DTM terms). Exact areas "
            "for the state's coordinators and the secretariat; admin-1 totals for everyone else."
        )
    )
    async def displacement(
        self,
        info: Info,
        crisis: list[strawberry.ID] | None = None,
        member_state: list[MemberState] | None = None,
        area: list[str] | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[DisplacementFigures]:
        principal = info.context.principal

        def roll_up(country: str, code: str) -> str:
            if country not in codes.MemberState.__members__:
                return code
            state = codes.MemberState(country)
            if may(principal, "Movement.destinationAdminCode", Owner(member_state=state)):
                return code
            return havens.admin1(code, state)

        points = await movement_queries.displacement_series(
            info.context.runtime.query_engine,
            crisis_ids=[parse_id(c, "crisis") for c in crisis or []],
            countries=[codes.MemberState(s).value for s in member_state or []],
            areas=visible_areas(principal, "Movement.destinationAdminCode", area),
            since=since,
            until=until,
            roll_up=roll_up,
        )
        return [DisplacementFigures(**vars(p)) for p in points]
