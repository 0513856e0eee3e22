"""Reconstruction and rehabilitation projects (section V of the Plan of Action), followed through
the IATI activity lifecycle, with their milestones and results.

Over 300 lines on purpose: one aggregate, the IATI lifecycle with its nested events, whose stored
topics name this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState, Sector
from domain.errors import InvalidInput, InvalidTransition
from domain.money import Conversion, check_amount
from domain.project_parts import (
    ENDED,
    FUNDABLE,
    NEXT_STATUSES,
    WORKING,
    Milestone,
    ProjectStatus,
    Result,
    ResultTerms,
    check_measure,
    checked_terms,
)
from domain.requests import REASON_MAX, check_admin_code
from domain.text import text

__all__ = ["PROJECT_SECTORS", "Milestone", "Project", "ProjectStatus", "Result", "ResultTerms"]

MILESTONES_MAX = 100
RESULTS_MAX = 50

#: The four peace-building activities of annex V.2, and infrastructure. No IASC cluster is called
#: infrastructure: its rehabilitation is coordinated and counted under early recovery (ERY), the
#: code HXL and FTS consumers already read, so Concord reuses it rather than inventing one.
PROJECT_SECTORS = frozenset({Sector.PB_CAP, Sector.PB_INS, Sector.PB_EDX, Sector.PB_REC, Sector.ERY})


@contextmanager
def _within(field: str, index: int) -> Iterator[None]:
    """Name the offending part of a registration: milestones.2.dueDate, not dueDate."""
    try:
        yield
    except InvalidInput as error:
        raise InvalidInput(f"{field}.{index}.{error.field}", error.reason) from None


_P = ProjectStatus


class Project(Aggregate):
    class Registered(Aggregate.Created):
        actor: Actor
        crisis_id: UUID
        member_state: str
        title: str
        description: str
        sector: str
        admin_code: str
        implementers: list[str]  # organisation ids
        budget: Decimal
        currency: str
        usd_rate: Decimal
        rate_date: date
        usd_budget: Decimal
        planned_start: date
        planned_end: date

    class StatusChanged(Aggregate.Event):
        actor: Actor
        status: str
        reason: str
        on: date

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Project)
            new = ProjectStatus(self.status)
            if new is _P.SUSPENDED:
                aggregate.suspended_from = aggregate.status
            if new is _P.IMPLEMENTATION and aggregate.started_on is None:
                aggregate.started_on = self.on
            if new in ENDED:
                aggregate.ended_on = self.on
            aggregate.status = new
            aggregate.status_reason = self.reason

    class MilestonePlanned(Aggregate.Event):
        actor: Actor
        milestone_id: UUID
        title: str
        due_date: date

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Project)
            aggregate.milestones[self.milestone_id] = Milestone(self.title, self.due_date)

    class MilestoneAchieved(Aggregate.Event):
        actor: Actor
        milestone_id: UUID
        achieved_on: date
        note: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Project)
            planned = aggregate.milestones[self.milestone_id]
            aggregate.milestones[self.milestone_id] = planned.achieved(self.achieved_on, self.note)

    class ResultDefined(Aggregate.Event):
        actor: Actor
        result_id: UUID
        indicator: str
        unit: str
        hxl_tag: str
        baseline: Decimal
        target: Decimal

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Project)
            terms = ResultTerms(self.indicator, self.unit, self.baseline, self.target, self.hxl_tag)
            aggregate.results[self.result_id] = Result(terms)

    class ResultMeasured(Aggregate.Event):
        actor: Actor
        result_id: UUID
        achieved: Decimal
        measured_on: date

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Project)
            held = aggregate.results[self.result_id]
            aggregate.results[self.result_id] = held.measured(self.achieved, self.measured_on)

    def __init__(
        self,
        actor: Actor,
        crisis_id: UUID,
        member_state: str,
        title: str,
        description: str,
        sector: str,
        admin_code: str,
        implementers: list[str],
        budget: Decimal,
        currency: str,
        usd_rate: Decimal,
        rate_date: date,
        usd_budget: Decimal,
        planned_start: date,
        planned_end: date,
    ) -> None:
        self.registered_by = actor
        self.crisis_id = crisis_id
        self.member_state = MemberState(member_state)
        self.title = title
        self.description = description
        self.sector = Sector(sector)
        self.admin_code = admin_code
        self.implementers = [UUID(i) for i in implementers]
        self.budget = budget
        self.currency = currency
        self.conversion = Conversion(usd_rate, rate_date)
        self.usd_budget = usd_budget
        self.planned_start = planned_start
        self.planned_end = planned_end
        self.status = ProjectStatus.PIPELINE
        self.status_reason = ""
        self.suspended_from: ProjectStatus | None = None
        self.started_on: date | None = None
        self.ended_on: date | None = None
        self.milestones: dict[UUID, Milestone] = {}
        self.results: dict[UUID, Result] = {}

    @classmethod
    def register(
        cls,
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
        actor: Actor,
    ) -> Project:
        """A project in the pipeline, with the milestones and results it is planned with."""
        if sector not in PROJECT_SECTORS:
            codes = ", ".join(sorted(s.value for s in PROJECT_SECTORS))
            raise InvalidInput("sector", f"a reconstruction project's sector is one of {codes}")
        check_amount(budget, currency, "budget")
        conversion = Conversion.checked(currency, conversion.usd_rate, conversion.on)
        if planned_end < planned_start:
            raise InvalidInput("plannedEnd", "a project cannot end before it starts")
        if len(set(implementers)) != len(implementers):
            raise InvalidInput("implementingOrganisations", "name each organisation once")
        project = cls._create(
            cls.Registered,
            id=uuid4(),
            actor=actor,
            crisis_id=crisis_id,
            member_state=member_state.value,
            title=text("title", title, 200, required=True),
            description=text("description", description, 4000, required=False),
            sector=sector.value,
            admin_code=check_admin_code(member_state, admin_code),
            implementers=[str(i) for i in implementers],
            budget=budget,
            currency=currency,
            usd_rate=conversion.usd_rate,
            rate_date=conversion.on,
            usd_budget=conversion.usd(budget),
            planned_start=planned_start,
            planned_end=planned_end,
        )
        for index, (milestone_title, due) in enumerate(milestones or []):
            with _within("milestones", index):
                project.plan_milestone(milestone_title, due, actor=actor)
        for index, terms in enumerate(results or []):
            with _within("results", index):
                project.define_result(terms, actor=actor)
        return project

    @property
    def fundable(self) -> bool:
        return self.status in FUNDABLE

    def require_fundable(self) -> None:
        if not self.fundable:
            raise InvalidTransition(
                f"project {self.title!r} is {self.status.value}: only projects in the pipeline or "
                "under implementation take pledges and allocations"
            )

    def change_status(self, status: ProjectStatus, reason: str, *, on: date, actor: Actor) -> None:
        if status is self.status:
            raise InvalidInput("status", f"the project is already {status.value}")
        if status not in NEXT_STATUSES[self.status]:
            raise InvalidTransition(f"a {self.status.value} project cannot become {status.value}")
        if self.status is _P.SUSPENDED and status is not _P.CANCELLED and status is not self.suspended_from:
            resume = self.suspended_from.value if self.suspended_from else "where it was"
            raise InvalidTransition(f"a suspended project resumes where it was ({resume}), or is cancelled")
        reason = text("reason", reason, REASON_MAX, required=status in (_P.SUSPENDED, _P.CANCELLED))
        self.trigger_event(self.StatusChanged, actor=actor, status=status.value, reason=reason, on=on)

    def plan_milestone(self, title: str, due_date: date, *, actor: Actor) -> UUID:
        if self.status in ENDED or self.status is _P.FINALISATION:
            raise InvalidTransition(f"a {self.status.value} project plans no more milestones")
        title = text("title", title, 200, required=True)
        if any(m.title.casefold() == title.casefold() for m in self.milestones.values()):
            raise InvalidInput("title", f"the project already has a milestone {title!r}")
        if len(self.milestones) >= MILESTONES_MAX:
            raise InvalidInput("milestones", f"a project has at most {MILESTONES_MAX} milestones")
        if due_date < self.planned_start:
            raise InvalidInput("dueDate", f"cannot fall due before the project starts ({self.planned_start})")
        milestone_id = uuid4()
        self.trigger_event(
            self.MilestonePlanned, actor=actor, milestone_id=milestone_id, title=title, due_date=due_date
        )
        return milestone_id

    def record_milestone(
        self, milestone_id: UUID, achieved_on: date, note: str, *, today: date, actor: Actor
    ) -> None:
        """A milestone achieved: once, while work is under way, dated between the start and today."""
        milestone = self.milestones.get(milestone_id)
        if milestone is None:
            raise InvalidInput("milestoneId", f"project {self.id} has no milestone {milestone_id}")
        if milestone.achieved_on is not None:
            raise InvalidTransition(f"milestone {milestone.title!r} was achieved on {milestone.achieved_on}")
        if self.status not in WORKING:
            raise InvalidTransition(f"a {self.status.value} project records no milestones")
        self._check_dated("achievedOn", achieved_on, today)
        note = text("note", note, REASON_MAX, required=False)
        self.trigger_event(
            self.MilestoneAchieved, actor=actor, milestone_id=milestone_id, achieved_on=achieved_on, note=note
        )

    def define_result(self, terms: ResultTerms, *, actor: Actor) -> UUID:
        if self.status in ENDED:
            raise InvalidTransition(f"a {self.status.value} project defines no more results")
        if len(self.results) >= RESULTS_MAX:
            raise InvalidInput("results", f"a project has at most {RESULTS_MAX} results")
        terms = checked_terms(terms)
        result_id = uuid4()
        self.trigger_event(
            self.ResultDefined,
            actor=actor,
            result_id=result_id,
            indicator=terms.indicator,
            unit=terms.unit,
            hxl_tag=terms.hxl_tag,
            baseline=terms.baseline,
            target=terms.target,
        )
        return result_id

    def record_result(
        self, result_id: UUID, achieved: Decimal, measured_on: date, *, today: date, actor: Actor
    ) -> None:
        """What an indicator stands at now; measurements come in date order, while work is under way."""
        result = self.results.get(result_id)
        if result is None:
            raise InvalidInput("resultId", f"project {self.id} has no result {result_id}")
        if self.status not in WORKING:
            raise InvalidTransition(f"a {self.status.value} project records no results")
        check_measure(achieved, "achieved")
        self._check_dated("measuredOn", measured_on, today)
        if result.measured_on is not None and measured_on < result.measured_on:
            raise InvalidInput("measuredOn", f"the indicator was last measured on {result.measured_on}")
        self.trigger_event(
            self.ResultMeasured, actor=actor, result_id=result_id, achieved=achieved, measured_on=measured_on
        )

    def _check_dated(self, field: str, on: date, today: date) -> None:
        if on > today:
            raise InvalidInput(field, f"{on} is in the future")
        if on < self.planned_start:
            raise InvalidInput(field, f"{on} is before the project's start ({self.planned_start})")
