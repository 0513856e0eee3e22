"""A project's object types: milestones, results, funding and its history. The commands and queries
are in services.api.schema.projects."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import strawberry

from domain import codes, projects
from domain.havens import admin1
from domain.project_parts import progress
from projections.projects import queries as project_queries
from services.api.loaded import LOADED, LoadedMany
from services.api.schema.context import Info
from services.api.schema.history import History, read_history
from services.api.schema.history_types import ChangeConnection
from services.api.schema.organisations import Organisation
from services.api.schema.paging import MAX_PAGE
from services.api.schema.scalars import LogPosition, MemberState, Sector, id_of
from services.commands.projects import project_owners

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


#: A project's implementing organisations, as its ``implementingOrganisations`` reads them.
IMPLEMENTERS = LoadedMany("organisation", "implementing_organisation_ids", Organisation.from_row)


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

    @strawberry.field(metadata={LOADED: IMPLEMENTERS})
    async def implementing_organisations(self, info: Info) -> list[Organisation]:
        implementers: list[Organisation] = await IMPLEMENTERS.resolve(self, info)
        return implementers

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
            implementing_organisation_ids=implementer_ids(row.implementers),
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
                gap=funding_gap(row.usd_budget, funding),
            ),
        )


def implementer_ids(implementers: str) -> list[strawberry.ID]:
    """The implementing organisations' ids the read model keeps, comma-separated."""
    return [strawberry.ID(i) for i in implementers.split(",") if i]


def funding_gap(usd_budget: Decimal, funding: project_queries.Funding) -> Decimal:
    return max(usd_budget - funding.pledged - funding.allocated, Decimal(0))


# What ``from_row`` makes of each column the read model's rows have, by the field: for the projects
# row plan (services.api.schema.project_rows), which makes the same values without the objects.
ROW_FIELDS: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "id": ("id", id_of),
    "crisisId": ("crisis_id", id_of),
    "memberState": ("member_state", codes.MemberState),
    "title": ("title", None),
    "description": ("description", None),
    "sector": ("sector", codes.Sector),
    "adminCode": ("admin_code", None),
    "plannedStart": ("planned_start", None),
    "plannedEnd": ("planned_end", None),
    "startedOn": ("started_on", None),
    "endedOn": ("ended_on", None),
    "status": ("status", ProjectStatus),
    "statusReason": ("status_reason", None),
    "iatiStatus": ("status", lambda status: ProjectStatus(status).iati_code),
}
ROW_COMPUTED: dict[str, tuple[tuple[str, ...], Callable[..., Any]]] = {
    "admin1": (("admin_code", "member_state"), lambda code, state: admin1(code, codes.MemberState(state))),
}
BUDGET_ROW_FIELDS: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "amount": ("budget", None),
    "currency": ("currency", None),
    "usdRate": ("usd_rate", Decimal),
    "usdAmount": ("usd_budget", None),
}
MILESTONE_ROW_FIELDS: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "id": ("milestone_id", id_of),
    "title": ("title", None),
    "dueDate": ("due_date", None),
    "achievedOn": ("achieved_on", None),
    "note": ("note", None),
}
RESULT_ROW_FIELDS: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "id": ("result_id", id_of),
    "indicator": ("indicator", None),
    "unit": ("unit", None),
    "hxlTag": ("hxl_tag", None),
    "baseline": ("baseline", None),
    "target": ("target", None),
    "achieved": ("achieved", None),
    "measuredOn": ("measured_on", None),
}
RESULT_ROW_COMPUTED: dict[str, tuple[tuple[str, ...], Callable[..., Any]]] = {
    "progress": (("baseline", "target", "achieved"), progress),
}
#: Each field of a project's funding: the ``Funding`` attribute it shows (``gap`` is computed).
FUNDING_FIELDS = {name: name for name in project_queries.Funding.__dataclass_fields__}


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


@strawberry.type
class ProjectPayload:
    project: Project
    position: LogPosition
