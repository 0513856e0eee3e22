"""Commands on reconstruction and rehabilitation projects.

Who may: a project belongs to its host member state. Its coordinators register it and decide its
status (national ownership of reconstruction), and so does the secretariat, which registers the
regional projects the Stability Fund finances and may suspend any for cause. Those who do the
work report it: the implementing organisations' own people (the donor role, for their
organisation) plan and record milestones and results besides the host state and the secretariat,
but never change a project's status.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.codes import MemberState, Sector
from domain.errors import InvalidInput
from domain.money import Conversion
from domain.projects import Project, ProjectStatus, ResultTerms
from services.commands.core import Command, CommandCore, Recorded
from services.commands.crises import open_crisis_named
from services.commands.organisations import find_organisation
from services.errors import NotFound
from services.identity.access import Owner


def project_owners(project: Project) -> list[Owner]:
    """The host state, and each implementing organisation."""
    return [Owner(member_state=project.member_state)] + [
        Owner(organisation_id=organisation) for organisation in project.implementers
    ]


def find_project(core: CommandCore, project_id: UUID) -> Project:
    return core.load(Project, project_id, "project")


def fundable_project(core: CommandCore, project_id: UUID) -> Project:
    """A destination for pledges and allocations: it exists and is planned or under way."""
    project = find_project(core, project_id)
    project.require_fundable()
    return project


class ProjectCommands(CommandCore):
    def register_project(
        self,
        command: Command,
        crisis_id: UUID,
        member_state: MemberState,
        *,
        title: str,
        description: str = "",
        sector: Sector,
        admin_code: str,
        implementers: list[UUID],
        budget: Decimal,
        currency: str,
        conversion: Conversion,
        planned_start: date,
        planned_end: date,
        milestones: list[tuple[str, date]] | None = None,
        results: list[ResultTerms] | None = None,
    ) -> Recorded[Project]:
        scope = self._authorise(command, "mutation.registerProject", Owner(member_state=member_state))

        def register() -> list[Aggregate]:
            open_crisis_named(self, crisis_id)
            for organisation in implementers:
                self._check_implementer(organisation)
            project = Project.register(
                crisis_id,
                member_state,
                title=title,
                description=description,
                sector=sector,
                admin_code=admin_code,
                implementers=implementers,
                budget=budget,
                currency=currency,
                conversion=conversion,
                planned_start=planned_start,
                planned_end=planned_end,
                milestones=milestones,
                results=results,
                actor=command.actor(scope),
            )
            return [project]

        payload = {
            "crisis": str(crisis_id),
            "state": member_state.value,
            "title": title,
            "description": description,
            "sector": sector.value,
            "admin": admin_code,
            "implementers": [str(i) for i in implementers],
            "budget": [str(budget), currency, str(conversion.usd_rate), conversion.on.isoformat()],
            "planned": [planned_start.isoformat(), planned_end.isoformat()],
            "milestones": [[t, d.isoformat()] for t, d in milestones or []],
            "results": [_terms(r) for r in results or []],
        }
        return self._execute(command, "registerProject", payload, register)

    def change_project_status(
        self, command: Command, project_id: UUID, status: ProjectStatus, reason: str = ""
    ) -> Recorded[Project]:
        return self._change(
            command,
            "changeProjectStatus",
            lambda: self.get_project(project_id),
            {"id": str(project_id), "status": status.value, "reason": reason},
            lambda project, actor: project.change_status(status, reason, on=self.today(), actor=actor),
            owner=project_owners,
        )

    def plan_milestone(
        self, command: Command, project_id: UUID, title: str, due_date: date
    ) -> Recorded[Project]:
        return self._change(
            command,
            "planMilestone",
            lambda: self.get_project(project_id),
            {"id": str(project_id), "title": title, "due": due_date.isoformat()},
            lambda project, actor: _ignore(project.plan_milestone(title, due_date, actor=actor)),
            owner=project_owners,
        )

    def record_milestone(
        self,
        command: Command,
        project_id: UUID,
        milestone_id: UUID,
        achieved_on: date,
        note: str = "",
    ) -> Recorded[Project]:
        payload = {
            "id": str(project_id),
            "milestone": str(milestone_id),
            "on": achieved_on.isoformat(),
            "note": note,
        }
        return self._change(
            command,
            "recordMilestone",
            lambda: self.get_project(project_id),
            payload,
            lambda project, actor: project.record_milestone(
                milestone_id, achieved_on, note, today=self.today(), actor=actor
            ),
            owner=project_owners,
        )

    def define_result(self, command: Command, project_id: UUID, terms: ResultTerms) -> Recorded[Project]:
        return self._change(
            command,
            "defineResult",
            lambda: self.get_project(project_id),
            {"id": str(project_id), **_terms(terms)},
            lambda project, actor: _ignore(project.define_result(terms, actor=actor)),
            owner=project_owners,
        )

    def record_result(
        self,
        command: Command,
        project_id: UUID,
        result_id: UUID,
        achieved: Decimal,
        measured_on: date,
    ) -> Recorded[Project]:
        payload = {
            "id": str(project_id),
            "result": str(result_id),
            "achieved": str(achieved),
            "on": measured_on.isoformat(),
        }
        return self._change(
            command,
            "recordResult",
            lambda: self.get_project(project_id),
            payload,
            lambda project, actor: project.record_result(
                result_id, achieved, measured_on, today=self.today(), actor=actor
            ),
            owner=project_owners,
        )

    def get_project(self, project_id: UUID) -> Project:
        return find_project(self, project_id)

    def _check_implementer(self, organisation_id: UUID) -> None:
        try:
            organisation = find_organisation(self, organisation_id)
        except NotFound:
            raise InvalidInput(
                "implementingOrganisations", f"no organisation is registered with id {organisation_id}"
            ) from None
        if organisation.suspended:
            raise InvalidInput("implementingOrganisations", f"{organisation.name} is suspended")


def _terms(terms: ResultTerms) -> dict[str, str]:
    return {
        "indicator": terms.indicator,
        "unit": terms.unit,
        "baseline": str(terms.baseline),
        "target": str(terms.target),
        "hxl": terms.hxl_tag,
    }


def _ignore(_: object) -> None:
    """Commands answer with the project; the new part's id is in it."""
