"""Projects: the IATI lifecycle, milestones and results hold their rules, and the log replays to the
live state."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.access import Actor
from domain.codes import MemberState, Sector
from domain.errors import DomainError, InvalidInput, InvalidTransition
from domain.money import Conversion
from domain.projects import Project, ProjectStatus, ResultTerms

ACTOR = Actor(principal="ana@dilg.gov.ph", role="coordinator", scope="own-state", member_state="PHL")
START = date(2026, 12, 1)
TODAY = date(2027, 3, 1)
S = ProjectStatus


def project(**overrides: object) -> Project:
    values: dict[str, object] = {
        "title": "Rebuild Marawi's grand market",
        "sector": Sector.ERY,
        "admin_code": "PH1536",
        "implementers": [uuid4()],
        "budget": Decimal("25000000"),
        "currency": "PHP",
        "conversion": Conversion(Decimal("0.0171"), date(2026, 11, 28)),
        "planned_start": START,
        "planned_end": date(2028, 6, 30),
        "milestones": [("Design approved", date(2027, 1, 15)), ("Roof on", date(2027, 9, 1))],
        "results": [
            ResultTerms("Market stalls rebuilt", "stall", Decimal(0), Decimal(400), "#indicator+stalls")
        ],
        "actor": ACTOR,
    }
    values.update(overrides)
    return Project.register(uuid4(), MemberState.PHL, **values)  # type: ignore[arg-type]


def test_a_project_registers_in_the_pipeline_with_its_budget_in_us_dollars() -> None:
    market = project()

    assert market.status is S.PIPELINE
    assert market.status.iati_code == "1"
    assert market.usd_budget == Decimal("427500.00")
    assert [m.title for m in market.milestones.values()] == ["Design approved", "Roof on"]
    assert market.fundable


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], S.FINALISATION),  # no skipping implementation
        ([S.IMPLEMENTATION, S.FINALISATION, S.CLOSED], S.IMPLEMENTATION),  # closed is final
        ([S.CANCELLED], S.PIPELINE),  # cancelled is final
        ([S.IMPLEMENTATION, S.SUSPENDED], S.PIPELINE),  # a suspension resumes where it was
        ([S.IMPLEMENTATION, S.FINALISATION], S.SUSPENDED),  # finalisation only closes
    ],
)
def test_the_iati_lifecycle_moves_forward_only(path: list[ProjectStatus], refused: ProjectStatus) -> None:
    market = project()
    for status in path:
        market.change_status(status, "for the record", on=TODAY, actor=ACTOR)

    with pytest.raises(InvalidTransition):
        market.change_status(refused, "for the record", on=TODAY, actor=ACTOR)


def test_a_suspended_project_resumes_and_runs_to_closure() -> None:
    market = project()
    for status in (S.IMPLEMENTATION, S.SUSPENDED, S.IMPLEMENTATION, S.FINALISATION, S.CLOSED):
        market.change_status(status, "for the record", on=TODAY, actor=ACTOR)

    assert (market.status, market.status.iati_code, market.ended_on) == (S.CLOSED, "4", TODAY)


def test_suspending_or_cancelling_needs_a_reason_and_ends_funding() -> None:
    market = project()
    with pytest.raises(InvalidInput) as refused:
        market.change_status(S.SUSPENDED, "  ", on=TODAY, actor=ACTOR)
    assert refused.value.field == "reason"

    market.change_status(S.SUSPENDED, "fighting resumed in the district", on=TODAY, actor=ACTOR)

    assert not market.fundable
    with pytest.raises(InvalidTransition, match="pipeline or under implementation"):
        market.require_fundable()


def test_a_milestone_is_achieved_once_while_work_goes_on_and_never_in_the_future() -> None:
    market = project()
    design = next(iter(market.milestones))
    with pytest.raises(InvalidTransition):
        market.record_milestone(design, date(2027, 1, 10), "", today=TODAY, actor=ACTOR)
    market.change_status(S.IMPLEMENTATION, "", on=START, actor=ACTOR)

    for day, field in ((TODAY + timedelta(days=1), "achievedOn"), (START - timedelta(days=1), "achievedOn")):
        with pytest.raises(InvalidInput) as refused:
            market.record_milestone(design, day, "", today=TODAY, actor=ACTOR)
        assert refused.value.field == field
    market.record_milestone(design, date(2027, 1, 10), "five days early", today=TODAY, actor=ACTOR)
    with pytest.raises(InvalidTransition, match="was achieved"):
        market.record_milestone(design, date(2027, 1, 11), "", today=TODAY, actor=ACTOR)

    assert market.milestones[design].achieved_on == date(2027, 1, 10)
    assert market.started_on == START


def test_results_are_measured_in_date_order_and_show_progress() -> None:
    market = project()
    stalls = next(iter(market.results))
    market.change_status(S.IMPLEMENTATION, "", on=START, actor=ACTOR)

    market.record_result(stalls, Decimal(100), date(2027, 2, 1), today=TODAY, actor=ACTOR)
    with pytest.raises(InvalidInput) as refused:
        market.record_result(stalls, Decimal(150), date(2027, 1, 1), today=TODAY, actor=ACTOR)

    assert refused.value.field == "measuredOn"
    assert market.results[stalls].progress == Decimal("0.25")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sector": Sector.FSC}, "sector"),
        ({"budget": Decimal("10.001")}, "budget"),
        ({"currency": "XYZ"}, "currency"),
        ({"planned_end": START - timedelta(days=1)}, "plannedEnd"),
        ({"admin_code": "TH15"}, "adminCode"),
        ({"milestones": [("Survey", START - timedelta(days=3))]}, "milestones.0.dueDate"),
        ({"milestones": [("Survey", START), ("survey", START)]}, "milestones.1.title"),
        ({"results": [ResultTerms("Schools", "school", Decimal(3), Decimal(3))]}, "results.0.target"),
        (
            {"results": [ResultTerms("Schools", "school", Decimal(0), Decimal(3), "schools")]},
            "results.0.hxlTag",
        ),
    ],
)
def test_a_registration_that_cannot_be_right_is_refused(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        project(**overrides)
    assert refused.value.field == field


class Lifecycle(RuleBasedStateMachine):
    """Whatever is tried, the project stays consistent and its events rebuild it exactly."""

    def __init__(self) -> None:
        super().__init__()
        self.project = project()
        self.events: list[object] = []
        self.today = START

    @rule(days=st.integers(0, 60))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)

    @rule(status=st.sampled_from(ProjectStatus), reason=st.sampled_from(["", "security"]))
    def change_status(self, status: ProjectStatus, reason: str) -> None:
        with contextlib.suppress(DomainError):
            self.project.change_status(status, reason, on=self.today, actor=ACTOR)

    @rule(due_in=st.integers(-10, 400))
    def plan(self, due_in: int) -> None:
        with contextlib.suppress(DomainError):
            self.project.plan_milestone(
                f"M{len(self.project.milestones)}", START + timedelta(due_in), actor=ACTOR
            )

    @rule(index=st.integers(0, 5), back=st.integers(0, 90))
    def achieve(self, index: int, back: int) -> None:
        ids = list(self.project.milestones)
        with contextlib.suppress(DomainError):
            self.project.record_milestone(
                ids[index % len(ids)], self.today - timedelta(back), "", today=self.today, actor=ACTOR
            )

    @rule(value=st.decimals(-5, 500, places=1), back=st.integers(0, 30))
    def measure(self, value: Decimal, back: int) -> None:
        result = next(iter(self.project.results))
        with contextlib.suppress(DomainError):
            self.project.record_result(
                result, value, self.today - timedelta(back), today=self.today, actor=ACTOR
            )

    @invariant()
    def dates_and_values_keep_their_rules(self) -> None:
        p = self.project
        for milestone in p.milestones.values():
            assert milestone.due_date >= p.planned_start
            if milestone.achieved_on is not None:
                assert p.planned_start <= milestone.achieved_on <= self.today
                assert p.started_on is not None
        for result in p.results.values():
            assert result.achieved is None or result.achieved >= 0
        if p.status in (S.CLOSED, S.CANCELLED):
            assert p.ended_on is not None
        assert p.fundable == (p.status in (S.PIPELINE, S.IMPLEMENTATION))

    @invariant()
    def the_events_replay_to_the_live_state(self) -> None:
        self.events.extend(self.project.collect_events())
        replayed = None
        for event in self.events:
            replayed = event.mutate(replayed)  # type: ignore[attr-defined]
        assert isinstance(replayed, Project)
        assert replayed.__dict__ == self.project.__dict__


TestLifecycle = Lifecycle.TestCase
TestLifecycle.settings = hypothesis_settings(max_examples=40, stateful_step_count=30, deadline=None)
