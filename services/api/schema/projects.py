"""Reconstruction and rehabilitation projects over GraphQL: queries and commands (the object types
are in project_types).

Commands (register, change status, plan and record milestones, define and measure results) answer
with the project as the event store has it; queries read the read model. Both show funding from
the read side (pledges and allocations to the project, in US dollars).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from domain import codes, projects
from domain.money import Conversion
from projections.projects import queries as project_queries
from services.api.problems import BadInput
from services.api.schema.context import Info
from services.api.schema.history import one, stood
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.paging import check_first, decode_cursor, encode_cursor
from services.api.schema.project_types import (
    PROJECT_HISTORY,
    Project,
    ProjectConnection,
    ProjectEdge,
    ProjectPayload,
    ProjectStatus,
)
from services.api.schema.scalars import LogPosition, MemberState, Sector, parse_id
from services.coordination import Recorded
from services.errors import NotFound


@strawberry.input
class ProjectFilter:
    crisis: list[strawberry.ID] | None = None
    member_state: list[MemberState] | None = None
    area: str | None = strawberry.field(
        default=None, description="a P-code: projects in that admin area or any area within it"
    )
    status: list[ProjectStatus] | None = None
    sector: list[Sector] | None = None


def project_filter(given: ProjectFilter | None) -> project_queries.ProjectFilter:
    """The read model's filter of the one given, checked."""
    where = given or ProjectFilter()
    area = (where.area or "").strip().upper()
    if area and not area.isalnum():
        raise BadInput("area", f"{where.area!r} is not a P-code")
    return project_queries.ProjectFilter(
        crisis_ids=tuple(parse_id(c, "crisis") for c in where.crisis or []),
        member_states=tuple(codes.MemberState(s).value for s in where.member_state or []),
        statuses=tuple(ProjectStatus(s).value for s in where.status or []),
        sectors=tuple(codes.Sector(s).value for s in where.sector or []),
        area=area or None,
    )


@strawberry.type
class ProjectQuery:
    @strawberry.field(description="Projects, newest first, filtered by crisis, state, area, status, sector.")
    async def projects(
        self, info: Info, filter: ProjectFilter | None = None, first: int = 20, after: str | None = None
    ) -> ProjectConnection:
        check_first(first)
        rows, has_next, total = await project_queries.list_projects(
            info.context.runtime.query_engine,
            project_filter(filter),
            first=first,
            after=decode_cursor(after) if after else None,
        )
        edges = [
            ProjectEdge(cursor=encode_cursor(r.registered_position), node=Project.from_row(r)) for r in rows
        ]
        return ProjectConnection(edges=edges, has_next_page=has_next, total_count=total)

    @strawberry.field(description=one("project", then="; its funding is read as it stands now"))
    async def project(self, info: Info, id: strawberry.ID, as_of: datetime | None = None) -> Project:
        project_id = parse_id(id)
        if as_of is not None:
            past = await stood(info, PROJECT_HISTORY, project_id, as_of)
            engine = info.context.runtime.query_engine
            return Project.from_aggregate(past, await project_queries.project_funding(engine, project_id))
        found = await project_queries.projects_by_id(info.context.runtime.query_engine, [project_id])
        if project_id not in found:
            raise NotFound("project", project_id)
        return Project.from_row(found[project_id])


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
