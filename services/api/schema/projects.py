"""Reconstruction and rehabilitation projects over GraphQL: types, queries and commands.

Commands (register, change status, plan and record milestones, define and measure results) answer
with the project as the event store has it; queries read the read model. Both show funding from
the read side (pledges and allocations to the project, in US dollars).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import strawberry

from domain import codes, projects
from domain.havens import admin1
from domain.money import Conversion
from domain.project_parts import progress
from projections import project_queries
from services.api.problems import BadInput
from services.api.schema.context import Info
from services.api.schema.history import ChangeConnection, History, one, read_history, stood
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.organisations import Organisation
from services.api.schema.paging import MAX_PAGE, check_first, decode_cursor, encode_cursor
from services.api.schema.scalars import LogPosition, MemberState, Sector, parse_id
from services.commands.projects import project_owners
from services.coordination import Recorded
from services.errors import NotFound

strawberry.enum(
    projects.ProjectStatus, name="ProjectStatus", description="IATI activity status (codes 1 to 6)"
)


ProjectStatus = projects.ProjectStatus


@strawberry.type
class Milestone:
    id: strawberry.ID
    title: str
    due_date: date
    achieved_on: date | None
    note: str


@strawberry.type(description="An indicator with its baseline, target and the value last measured.")
class ProjectResult:
    id: strawberry.ID
    indicator: str
    unit: str
    hxl_tag: str = strawberry.field(
        description="HXL hashtag for exports, e.g. #reached+children; may be empty"
    )
    baseline: Decimal
    target: Decimal
    achieved: Decimal | None
    measured_on: date | None

    @strawberry.field(description="(achieved - baseline) / (target - baseline); 1 is the target reached")
    def progress(self) -> Decimal | None:
        return progress(self.baseline, self.target, self.achieved)


@strawberry.type
class Money:
    amount: Decimal
    currency: str = strawberry.field(description="ISO 4217")
    usd_rate: Decimal
    usd_amount: Decimal


@strawberry.type(description="In US dollars, at each pledge's and payment's own rate (as FTS flows).")
class ProjectFunding:
    pledged: Decimal = strawberry.field(description="pledges not cancelled, whatever their stage")
    committed: Decimal = strawberry.field(description="of the pledged, what is binding")
    paid: Decimal
    allocated: Decimal = strawberry.field(description="by the Stability Fund")
    disbursed: Decimal
    pledges: int
    gap: Decimal = strawberry.field(
        description="the budget less what is pledged and allocated; never negative"
    )


@strawberry.type(description="A reconstruction or rehabilitation project (IATI activity).")
class Project:
    id: strawberry.ID
    crisis_id: strawberry.ID
    member_state: MemberState
    title: str
    description: str
    sector: Sector
    admin_code: str = strawberry.field(description="where: the P-code of its admin area")
    admin1: str
    implementing_organisation_ids: list[strawberry.ID]
    budget: Money
    planned_start: date
    planned_end: date
    started_on: date | None = strawberry.field(description="when it went into implementation")
    ended_on: date | None = strawberry.field(description="when it closed or was cancelled")
    status: ProjectStatus
    status_reason: str
    milestones: list[Milestone]
    results: list[ProjectResult]
    funding: ProjectFunding

    @strawberry.field(description="IATI ActivityStatus code")
    def iati_status(self) -> str:
        return self.status.iati_code

    @strawberry.field
    async def implementing_organisations(self, info: Info) -> list[Organisation]:
        rows = [
            await info.context.loaders.organisation.load(UUID(i)) for i in self.implementing_organisation_ids
        ]
        return [Organisation.from_row(row) for row in rows if row is not None]

    @strawberry.field(
        description=(
            "Every change, oldest first, a page at a time, from the event store (the cursor is the "
            "project's version): its terms, status, milestones and results (its funding is the "
            "pledges' and allocations' own), and who changed them for the host state, the "
            "implementing organisations and the secretariat."
        )
    )
    async def history(self, info: Info, first: int = MAX_PAGE, after: str | None = None) -> ChangeConnection:
        page: ChangeConnection = await read_history(info, PROJECT_HISTORY, self.id, first, after)
        return page

    @classmethod
    def from_aggregate(cls, p: projects.Project, funding: project_queries.Funding) -> Project:
        """As the event store has it, with ``funding`` from the read side."""
        return cls.from_row(
            project_queries.ProjectRow(
                id=p.id,
                crisis_id=p.crisis_id,
                member_state=p.member_state.value,
                title=p.title,
                description=p.description,
                sector=p.sector.value,
                admin_code=p.admin_code,
                implementers=",".join(str(i) for i in p.implementers),
                budget=p.budget,
                currency=p.currency,
                usd_rate=p.conversion.usd_rate,
                usd_budget=p.usd_budget,
                planned_start=p.planned_start,
                planned_end=p.planned_end,
                status=p.status.value,
                status_reason=p.status_reason,
                started_on=p.started_on,
                ended_on=p.ended_on,
                registered_at=p.created_on,
                registered_position=0,
                milestones=[
                    project_queries.MilestoneRow(i, p.id, m.title, m.due_date, m.achieved_on, m.note)
                    for i, m in sorted(p.milestones.items(), key=lambda item: item[1].due_date)
                ],
                results=[
                    project_queries.ResultRow(i, p.id, *_terms(r.terms), r.achieved, r.measured_on)
                    for i, r in p.results.items()
                ],
                funding=funding,
            )
        )

    @classmethod
    def from_row(cls, row: project_queries.ProjectRow) -> Project:
        state = codes.MemberState(row.member_state)
        funding = row.funding
        return cls(
            id=strawberry.ID(str(row.id)),
            crisis_id=strawberry.ID(str(row.crisis_id)),
            member_state=state,
            title=row.title,
            description=row.description,
            sector=codes.Sector(row.sector),
            admin_code=row.admin_code,
            admin1=admin1(row.admin_code, state),
            implementing_organisation_ids=[strawberry.ID(i) for i in row.implementers.split(",") if i],
            budget=Money(
                amount=row.budget, currency=row.currency, usd_rate=row.usd_rate, usd_amount=row.usd_budget
            ),
            planned_start=row.planned_start,
            planned_end=row.planned_end,
            started_on=row.started_on,
            ended_on=row.ended_on,
            status=ProjectStatus(row.status),
            status_reason=row.status_reason,
            milestones=[
                Milestone(
                    id=strawberry.ID(str(m.milestone_id)),
                    title=m.title,
                    due_date=m.due_date,
                    achieved_on=m.achieved_on,
                    note=m.note,
                )
                for m in row.milestones
            ],
            results=[
                ProjectResult(
                    id=strawberry.ID(str(r.result_id)),
                    indicator=r.indicator,
                    unit=r.unit,
                    hxl_tag=r.hxl_tag,
                    baseline=r.baseline,
                    target=r.target,
                    achieved=r.achieved,
                    measured_on=r.measured_on,
                )
                for r in row.results
            ],
            funding=ProjectFunding(
                pledged=funding.pledged,
                committed=funding.committed,
                paid=funding.paid,
                allocated=funding.allocated,
                disbursed=funding.disbursed,
                pledges=funding.pledges,
                gap=max(row.usd_budget - funding.pledged - funding.allocated, Decimal(0)),
            ),
        )


def _terms(t: projects.ResultTerms) -> tuple[str, str, str, Decimal, Decimal]:
    return t.indicator, t.unit, t.hxl_tag, t.baseline, t.target


PROJECT_HISTORY = History(
    projects.Project,
    "project",
    lambda project: Project.from_aggregate(project, project_queries.Funding()),
    lambda _concord, project: project_owners(project),
    leave_out=frozenset({"funding"}),
)


@strawberry.type
class ProjectEdge:
    cursor: str
    node: Project


@strawberry.type
class ProjectConnection:
    edges: list[ProjectEdge]
    has_next_page: bool
    total_count: int


@strawberry.input
class ProjectFilter:
    crisis: list[strawberry.ID] | None = None
    member_state: list[MemberState] | None = None
    area: str | None = strawberry.field(
        default=None, description="a P-code: projects in that admin area or any area within it"
    )
    status: list[ProjectStatus] | None = None
    sector: list[Sector] | None = None


@strawberry.type
class ProjectQuery:
    @strawberry.field(description="Projects, newest first, filtered by crisis, state, area, status, sector.")
    async def projects(
        self, info: Info, filter: ProjectFilter | None = None, first: int = 20, after: str | None = None
    ) -> ProjectConnection:
        check_first(first)
        where = filter or ProjectFilter()
        area = (where.area or "").strip().upper()
        if area and not area.isalnum():
            raise BadInput("area", f"{where.area!r} is not a P-code")
        rows, has_next, total = await project_queries.list_projects(
            info.context.runtime.query_engine,
            project_queries.ProjectFilter(
                crisis_ids=tuple(parse_id(c, "crisis") for c in where.crisis or []),
                member_states=tuple(codes.MemberState(s).value for s in where.member_state or []),
                statuses=tuple(ProjectStatus(s).value for s in where.status or []),
                sectors=tuple(codes.Sector(s).value for s in where.sector or []),
                area=area or None,
            ),
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
