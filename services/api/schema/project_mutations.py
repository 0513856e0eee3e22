"""Commands on projects over GraphQL: register, change status, plan and record milestones, define
and measure results. Each answers with the project as the event store now has it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from domain import codes, projects
from domain.money import Conversion
from projections import project_queries
from services.api.schema.context import Info
from services.api.schema.mutations import IDEMPOTENCY_KEY
from services.api.schema.projects import Project, ProjectStatus
from services.api.schema.scalars import LogPosition, MemberState, Sector, parse_id
from services.coordination import Recorded


@strawberry.type
class ProjectPayload:
    project: Project
    position: LogPosition


async def _payload(info: Info, recorded: Recorded[projects.Project]) -> ProjectPayload:
    project = recorded.aggregate
    funding = await project_queries.project_funding(info.context.runtime.query_engine, project.id)
    return ProjectPayload(
        project=Project.from_aggregate(project, funding), position=LogPosition(recorded.position)
    )


@strawberry.input
class MilestoneInput:
    title: str
    due_date: date


@strawberry.input(description="An indicator; hxlTag labels it in HXL exports (e.g. #reached+children).")
class ResultInput:
    indicator: str
    unit: str
    baseline: Decimal
    target: Decimal
    hxl_tag: str = ""

    def terms(self) -> projects.ResultTerms:
        return projects.ResultTerms(self.indicator, self.unit, self.baseline, self.target, self.hxl_tag)


@strawberry.input(description="By the host state's coordinator or the secretariat; starts in the pipeline.")
class RegisterProjectInput:
    crisis_id: strawberry.ID
    member_state: MemberState
    title: str
    description: str = ""
    sector: Sector = strawberry.field(description="PB_CAP, PB_INS, PB_EDX, PB_REC, or ERY for infrastructure")
    admin_code: str = strawberry.field(description="P-code of the admin area where the work is")
    implementing_organisations: list[strawberry.ID] = strawberry.field(default_factory=list)
    budget: Decimal
    currency: str = strawberry.field(description="ISO 4217")
    usd_rate: Decimal = strawberry.field(description="US dollars per unit of the currency")
    rate_date: date
    planned_start: date
    planned_end: date
    milestones: list[MilestoneInput] = strawberry.field(default_factory=list)
    results: list[ResultInput] = strawberry.field(default_factory=list)
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input(description="IATI lifecycle; suspending or cancelling needs a reason.")
class ChangeProjectStatusInput:
    id: strawberry.ID
    status: ProjectStatus
    reason: str = ""
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class PlanMilestoneInput:
    project_id: strawberry.ID
    title: str
    due_date: date
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input(description="A planned milestone achieved, on a day from the project's start to today.")
class RecordMilestoneInput:
    project_id: strawberry.ID
    milestone_id: strawberry.ID
    achieved_on: date
    note: str = ""
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class DefineResultInput:
    project_id: strawberry.ID
    result: ResultInput
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input(description="Where an indicator stands now; measurements come in date order.")
class RecordResultInput:
    project_id: strawberry.ID
    result_id: strawberry.ID
    achieved: Decimal
    measured_on: date
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.type
class ProjectMutation:
    @strawberry.mutation(description="Register a reconstruction or rehabilitation project.")
    async def register_project(self, info: Info, input: RegisterProjectInput) -> ProjectPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.register_project,
            c.command(input.idempotency_key),
            parse_id(input.crisis_id, "crisisId"),
            codes.MemberState(input.member_state),
            title=input.title,
            description=input.description,
            sector=codes.Sector(input.sector),
            admin_code=input.admin_code,
            implementers=[parse_id(i, "implementingOrganisations") for i in input.implementing_organisations],
            budget=input.budget,
            currency=input.currency,
            conversion=Conversion(input.usd_rate, input.rate_date),
            planned_start=input.planned_start,
            planned_end=input.planned_end,
            milestones=[(m.title, m.due_date) for m in input.milestones],
            results=[r.terms() for r in input.results],
        )
        return await _payload(info, recorded)

    @strawberry.mutation(description="Move a project along the IATI lifecycle.")
    async def change_project_status(self, info: Info, input: ChangeProjectStatusInput) -> ProjectPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.change_project_status,
            c.command(input.idempotency_key),
            parse_id(input.id),
            projects.ProjectStatus(input.status),
            input.reason,
        )
        return await _payload(info, recorded)

    @strawberry.mutation(description="Add a milestone with its due date.")
    async def plan_milestone(self, info: Info, input: PlanMilestoneInput) -> ProjectPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.plan_milestone,
            c.command(input.idempotency_key),
            parse_id(input.project_id, "projectId"),
            input.title,
            input.due_date,
        )
        return await _payload(info, recorded)

    @strawberry.mutation(description="Record that a planned milestone was achieved, and when.")
    async def record_milestone(self, info: Info, input: RecordMilestoneInput) -> ProjectPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.record_milestone,
            c.command(input.idempotency_key),
            parse_id(input.project_id, "projectId"),
            parse_id(input.milestone_id, "milestoneId"),
            input.achieved_on,
            input.note,
        )
        return await _payload(info, recorded)

    @strawberry.mutation(description="Add a result indicator with its baseline and target.")
    async def define_result(self, info: Info, input: DefineResultInput) -> ProjectPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.define_result,
            c.command(input.idempotency_key),
            parse_id(input.project_id, "projectId"),
            input.result.terms(),
        )
        return await _payload(info, recorded)

    @strawberry.mutation(description="Record where a result indicator stands, as measured on a day.")
    async def record_result(self, info: Info, input: RecordResultInput) -> ProjectPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.record_result,
            c.command(input.idempotency_key),
            parse_id(input.project_id, "projectId"),
            parse_id(input.result_id, "resultId"),
            input.achieved,
            input.measured_on,
        )
        return await _payload(info, recorded)
