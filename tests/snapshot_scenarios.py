"""Long lives of the snapshotted aggregates, drawn by Hypothesis: every state type each one holds.

Each scenario makes an aggregate and offers steps; a step that the domain refuses (a
DomainError) is skipped, as a refused command would be.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic
from hypothesis import strategies as st

from domain.access import Actor
from domain.codes import MemberState, Sector
from domain.errors import DomainError
from domain.funds import Allocation, FundWindow, StabilityFund
from domain.havens import HavenStatus, SafeHaven
from domain.money import Conversion
from domain.offers import DeliveryMode, Offer, Terms
from domain.pledges import DestinationKind, Earmarking, Pledge
from domain.project_parts import ProjectStatus, ResultTerms
from domain.projects import Project
from domain.requests import AssistanceRequest
from domain.security import IncidentKind, RiskLevel, SecurityArea, SecurityIncident
from services.coordination import Concord
from services.infrastructure.snapshots import SNAPSHOT_INTERVALS, StateSnapshot, portable
from tests.conftest import TODAY
from tests.factories import a_need

INTERVAL = 3
ACTOR = Actor(principal="officer@asean.org", role="secretariat", scope="all", correlation_id="c-1")
CRISIS = UUID("00000000-0000-4000-8000-000000000001")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(5000), places=2)
yen = st.decimals(min_value=Decimal(1), max_value=Decimal(500_000), places=0)
Step = Callable[[Any, st.DataObject], None]


def _pick(data: st.DataObject, keys: Any) -> Any:
    keys = list(keys)
    return data.draw(st.sampled_from(keys)) if keys else uuid4()


@dataclass(frozen=True)
class Scenario:
    name: str
    make: Callable[[], Aggregate]
    steps: list[Step]


def _fund() -> StabilityFund:
    return StabilityFund.open("ASEAN Stability Fund", member_state=MemberState.PHL, actor=ACTOR)


def _fund_steps() -> list[Step]:
    def receive(fund: StabilityFund, data: st.DataObject) -> None:
        fund.receive(uuid4(), uuid4(), data.draw(amounts), actor=ACTOR)

    def allocate(fund: StabilityFund, data: st.DataObject) -> None:
        window = data.draw(st.sampled_from(FundWindow))
        fund.allocate(window, DestinationKind.PROJECT, uuid4(), data.draw(amounts), "rationale", actor=ACTOR)

    def disburse(fund: StabilityFund, data: st.DataObject) -> None:
        fund.disburse(_pick(data, fund.open_allocations), data.draw(amounts), actor=ACTOR)

    def refund(fund: StabilityFund, data: st.DataObject) -> None:
        fund.return_contribution(uuid4(), uuid4(), data.draw(amounts), actor=ACTOR)

    return [receive, receive, allocate, disburse, refund]


def _haven() -> SafeHaven:
    return SafeHaven.designate(
        CRISIS,
        MemberState.PHL,
        name="Balo-i evacuation centre",
        admin_code="PH1536",
        latitude=Decimal("8.0041"),
        longitude=Decimal("124.2850"),
        capacity_day=400,
        capacity_night=300,
        services=[Sector.SHL, Sector.WSH],
        actor=ACTOR,
    )


def _haven_steps() -> list[Step]:
    people = st.integers(min_value=1, max_value=80)

    def admit(haven: SafeHaven, data: st.DataObject) -> None:
        haven.admit(data.draw(people), actor=ACTOR)

    def depart(haven: SafeHaven, data: st.DataObject) -> None:
        haven.record_departure(data.draw(people), actor=ACTOR)

    def reserve(haven: SafeHaven, data: st.DataObject) -> None:
        haven.reserve(uuid4(), data.draw(people), TODAY + timedelta(days=3), actor=ACTOR)

    def release(haven: SafeHaven, data: st.DataObject) -> None:
        haven.release(UUID(str(_pick(data, haven.reservations))), actor=ACTOR)

    def arrive(haven: SafeHaven, data: st.DataObject) -> None:
        haven.receive(UUID(str(_pick(data, haven.reservations))), data.draw(people), actor=ACTOR)

    def send_off(haven: SafeHaven, data: st.DataObject) -> None:
        haven.send_off(uuid4(), data.draw(people), actor=ACTOR)

    def status(haven: SafeHaven, data: st.DataObject) -> None:
        haven.change_status(data.draw(st.sampled_from(HavenStatus)), "review", actor=ACTOR)

    return [admit, depart, reserve, release, arrive, send_off, status]


def _area() -> SecurityArea:
    """As ``SecurityArea.start`` makes it, but under a fresh id: a store keeps the one per area."""
    return SecurityArea._create(SecurityArea.Started, id=uuid4(), member_state="PHL", admin1="PH15")


def _area_steps() -> list[Step]:
    def open_(area: SecurityArea, data: st.DataObject) -> None:
        incident = SecurityIncident.report(
            MemberState.PHL,
            data.draw(st.sampled_from(["PH1536", "PH153601", "PH1537"])),
            occurred_on=TODAY,
            kind=data.draw(st.sampled_from(IncidentKind)),
            severity=data.draw(st.sampled_from([r for r in RiskLevel if r is not RiskLevel.MINIMAL])),
            description="checkpoint",
            affected_organisations=[],
            crisis_id=CRISIS,
            today=TODAY,
            actor=ACTOR,
        )
        area.open(incident, actor=ACTOR)

    def close(area: SecurityArea, data: st.DataObject) -> None:
        incident = SimpleNamespace(id=UUID(str(_pick(data, area.open_incidents))))
        area.close(cast(SecurityIncident, incident), actor=ACTOR)

    return [open_, open_, close]


def _offer() -> Offer:
    terms = Terms(
        Sector.SHL,
        "SHL-TARP",
        Decimal(100000),
        "piece",
        TODAY,
        TODAY + timedelta(days=90),
        frozenset({MemberState.PHL, MemberState.MMR}),
        DeliveryMode.IN_KIND,
        "HEA-EMT type 2",
        "tarpaulins",
    )
    return Offer.post(CRISIS, terms, organisation_id=uuid4(), offering_state=None, today=TODAY, actor=ACTOR)


def _offer_steps() -> list[Step]:
    def allocate(offer: Offer, data: st.DataObject) -> None:
        offer.allocate(uuid4(), data.draw(amounts), today=TODAY, actor=ACTOR)

    def release(offer: Offer, data: st.DataObject) -> None:
        offer.release(_pick(data, offer.allocations), actor=ACTOR)

    return [allocate, allocate, release]


def _request() -> AssistanceRequest:
    return AssistanceRequest.post(
        CRISIS, MemberState.PHL, a_need(quantity=Decimal(1_000_000)), today=TODAY, actor=ACTOR
    )


def _request_steps() -> list[Step]:
    def amend(request: AssistanceRequest, data: st.DataObject) -> None:
        need = a_need(quantity=Decimal(1_000_000), priority=data.draw(st.integers(1, 5)))
        request.amend(need, today=TODAY, actor=ACTOR)

    def commit(request: AssistanceRequest, data: st.DataObject) -> None:
        request.commit(
            uuid4(),
            data.draw(amounts),
            organisation_id=str(uuid4()),
            offering_state=None,
            over_cover=data.draw(st.booleans()),
            actor=ACTOR,
        )

    def release(request: AssistanceRequest, data: st.DataObject) -> None:
        request.release(_pick(data, request.commitments), actor=ACTOR)

    def dispatch(request: AssistanceRequest, data: st.DataObject) -> None:
        request.dispatch(_pick(data, request.commitments), data.draw(amounts), actor=ACTOR)

    def receive(request: AssistanceRequest, data: st.DataObject) -> None:
        request.receive(_pick(data, request.commitments), data.draw(amounts), actor=ACTOR)

    return [amend, commit, commit, release, dispatch, receive]


def _pledge() -> Pledge:
    return Pledge.make(
        organisation_id=uuid4(),
        destination_kind=DestinationKind.PROJECT,
        destination_id=uuid4(),
        amount=Decimal(10_000_000),
        currency="JPY",
        conversion=Conversion(Decimal("0.0066"), date(2026, 11, 20)),
        earmarking=Earmarking.SOFTLY_EARMARKED,
        annual_portions=[(2026, Decimal(4_000_000)), (2027, Decimal(6_000_000))],
        actor=ACTOR,
    )


def _pledge_steps() -> list[Step]:
    def commit(pledge: Pledge, data: st.DataObject) -> None:
        pledge.commit(TODAY + timedelta(days=data.draw(st.integers(1, 60))), "ref", actor=ACTOR)

    def pay(pledge: Pledge, data: st.DataObject) -> None:
        pledge.record_payment(data.draw(yen), Conversion(Decimal("0.0065"), TODAY), TODAY, actor=ACTOR)

    def refund(pledge: Pledge, data: st.DataObject) -> None:
        pledge.refund(_pick(data, pledge.payments), data.draw(yen), "returned", actor=ACTOR)

    return [commit, pay, pay, refund]


def _project() -> Project:
    return Project.register(
        CRISIS,
        MemberState.PHL,
        title="Rebuild the Marawi water system",
        sector=Sector.ERY,
        admin_code="PH1536",
        implementers=[uuid4()],
        budget=Decimal(2_000_000),
        currency="USD",
        conversion=Conversion(Decimal(1), date(2026, 11, 20)),
        planned_start=TODAY - timedelta(days=30),
        planned_end=TODAY + timedelta(days=300),
        actor=ACTOR,
    )


def _project_steps() -> list[Step]:
    def plan(project: Project, data: st.DataObject) -> None:
        project.plan_milestone(f"milestone {uuid4()}", TODAY + timedelta(days=10), actor=ACTOR)

    def achieve(project: Project, data: st.DataObject) -> None:
        milestone = _pick(data, project.milestones)
        project.record_milestone(milestone, TODAY, "done", today=TODAY, actor=ACTOR)

    def define(project: Project, data: st.DataObject) -> None:
        terms = ResultTerms("households served", "household", Decimal(0), data.draw(amounts), "#reached")
        project.define_result(terms, actor=ACTOR)

    def measure(project: Project, data: st.DataObject) -> None:
        project.record_result(
            _pick(data, project.results), data.draw(amounts), TODAY, today=TODAY, actor=ACTOR
        )

    def status(project: Project, data: st.DataObject) -> None:
        project.change_status(data.draw(st.sampled_from(ProjectStatus)), "reason", on=TODAY, actor=ACTOR)

    return [plan, achieve, define, measure, measure, status]


SCENARIOS = [
    Scenario("StabilityFund", _fund, _fund_steps()),
    Scenario("SafeHaven", _haven, _haven_steps()),
    Scenario("SecurityArea", _area, _area_steps()),
    Scenario("Offer", _offer, _offer_steps()),
    Scenario("AssistanceRequest", _request, _request_steps()),
    Scenario("Pledge", _pledge, _pledge_steps()),
    Scenario("Project", _project, _project_steps()),
]


class Snappy(Concord):
    """Concord with a snapshot every few events, so that short lives cross many of them."""

    name = "Concord"  # the PostgreSQL tables' prefix
    snapshotting_intervals = dict.fromkeys(SNAPSHOT_INTERVALS, INTERVAL)


def live(app: Application, scenario: Scenario, data: st.DataObject, saves: int) -> UUID:  # type: ignore[type-arg]
    """Save the aggregate once made and after each of ``saves`` groups of one to three steps
    (so that one save may cross a snapshot's version)."""
    aggregate = scenario.make()
    app.save(aggregate)
    for _ in range(saves):
        for _ in range(data.draw(st.integers(1, 3))):
            step = data.draw(st.sampled_from(scenario.steps))
            with contextlib.suppress(DomainError):
                step(aggregate, data)
        app.save(aggregate)
    assert vars(app.repository.get(aggregate.id)) == vars(aggregate)
    return aggregate.id


def replayed(app: Application, aggregate_id: UUID, version: int | None = None) -> Any:  # type: ignore[type-arg]
    """The aggregate from its events alone, as it stood at ``version``."""
    state: Any = None
    for event in app.events.get(aggregate_id, lte=version):
        state = event.mutate(state)  # type: ignore[attr-defined]
    return state


def v1_fund_snapshot(app: Application, fund_id: UUID) -> StateSnapshot:  # type: ignore[type-arg]
    """The fund's snapshot at its latest version as the code before ``class_version`` 2 took it:
    every allocation in full (as its events applied them then), no totals, no class version."""
    fund = replayed(app, fund_id)
    v2_only = {"_id", "_version", "_pending_events", "allocated", "disbursed", "open_allocations"}
    state = {name: value for name, value in vars(fund).items() if name not in v2_only}
    allocations: dict[UUID, Allocation] = {}
    for event in app.events.get(fund_id):
        if isinstance(event, StabilityFund.AllocationApproved):
            allocations[event.allocation_id] = Allocation(
                FundWindow(event.window),
                DestinationKind(event.destination_kind),
                event.destination_id,
                event.usd_amount,
                event.rationale,
                event.actor.principal,
            )
        elif isinstance(event, StabilityFund.Disbursed):
            held = allocations[event.allocation_id]
            allocations[event.allocation_id] = dataclasses.replace(
                held, disbursed=held.disbursed + event.usd_amount
            )
    state["allocations"] = allocations
    return StateSnapshot(
        originator_id=fund_id,
        originator_version=fund.version,
        timestamp=StateSnapshot.create_timestamp(),
        topic=get_topic(StabilityFund),
        state=portable(state),
    )


def assert_snapshots_agree(app: Application, aggregate_id: UUID) -> None:  # type: ignore[type-arg]
    """At every version, from the latest snapshot at or before it plus later events, the aggregate
    equals its replay from events alone; the snapshots are where the interval puts them."""
    assert app.snapshots is not None
    latest: Aggregate = app.repository.get(aggregate_id)
    taken = [s.originator_version for s in app.snapshots.get(aggregate_id)]
    assert taken == list(range(INTERVAL, latest.version + 1, INTERVAL))
    for version in range(1, latest.version + 1):
        assert vars(app.repository.get(aggregate_id, version=version)) == vars(
            replayed(app, aggregate_id, version)
        )
    assert vars(latest) == vars(replayed(app, aggregate_id))
