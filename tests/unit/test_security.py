"""Relief-worker safety: open incidents raise an area's risk; at extreme risk nothing moves uncleared."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from domain.access import Role
from domain.codes import MemberState
from domain.movements import MovementKind, Place, VoluntarinessMethod
from domain.offers import DeliveryMode, Terms
from domain.security import ClearanceRequired, IncidentKind, RiskLevel, overlaps
from services.coordination import Command, Concord
from services.identity.access import Forbidden, Principal
from tests.conftest import TODAY, fixed_today
from tests.factories import a_need

PHL = Command(Principal("maria@dswd.gov.ph", Role.COORDINATOR, MemberState.PHL))
THA = Command(Principal("somchai@ddpm.go.th", Role.COORDINATOR, MemberState.THA))
SECRETARIAT = Command(Principal("officer@asean.org", Role.SECRETARIAT))


@pytest.fixture
def concord() -> Iterator[Concord]:
    app = Concord({"PERSISTENCE_MODULE": "eventsourcing.popo"}, today=fixed_today)
    yield app
    app.close()


@pytest.fixture
def crisis(concord: Concord) -> UUID:
    return concord.open_crisis(SECRETARIAT, "Marawi", [MemberState.PHL], date(2026, 11, 1)).aggregate.id


def report(concord: Concord, admin_code: str, severity: RiskLevel, by: Command = PHL) -> UUID:
    recorded = concord.report_incident(
        by, MemberState.PHL, admin_code, occurred_on=TODAY, kind=IncidentKind.ARMED_CLASHES,
        severity=severity, description="Clashes near the bridge", affected_organisations=[],
    )  # fmt: skip
    return recorded.aggregate.id


def test_an_open_incident_raises_the_risk_of_every_overlapping_area(concord: Concord) -> None:
    report(concord, "PH153602", RiskLevel.HIGH)
    report(concord, "PH1536", RiskLevel.MODERATE)
    area = concord.security_area(MemberState.PHL, "PH15")
    assert area is not None

    assert area.risk_at("PH153602") is RiskLevel.HIGH
    assert area.risk_at("PH15") is RiskLevel.HIGH  # the province holds the risky municipality
    assert area.risk_at("PH153601") is RiskLevel.MODERATE
    assert area.risk_at("PH1538") is RiskLevel.MINIMAL
    assert overlaps("PH15", "PH1536")
    assert not overlaps("PH1536", "PH1538")


def test_closing_an_incident_lowers_the_risk_again(concord: Concord) -> None:
    incident = report(concord, "PH1536", RiskLevel.EXTREME)

    concord.close_incident(PHL, incident, "ceasefire holds")

    area = concord.security_area(MemberState.PHL, "PH1536")
    assert area is not None
    assert area.risk_at("PH1536") is RiskLevel.MINIMAL


def test_only_the_state_concerned_reports_and_closes_its_incidents(concord: Concord) -> None:
    with pytest.raises(Forbidden):
        report(concord, "PH1536", RiskLevel.LOW, by=THA)
    incident = report(concord, "PH1536", RiskLevel.LOW)
    with pytest.raises(Forbidden):
        concord.close_incident(THA, incident, "not ours")


def confirmed_match(concord: Concord, crisis: UUID) -> UUID:
    request = concord.post_request(PHL, crisis, MemberState.PHL, a_need(admin_code="PH153602")).aggregate
    terms = Terms(
        sector=request.need.sector, item=request.need.item, quantity=Decimal(500), unit="piece",
        available_from=TODAY, available_until=TODAY + timedelta(days=60),
        serves=frozenset({MemberState.PHL}), delivery_mode=DeliveryMode.IN_KIND,
    )  # fmt: skip
    offer = concord.post_offer(THA, crisis, terms).aggregate
    match = concord.propose_match(SECRETARIAT, request.id, offer.id, Decimal(100)).aggregate
    concord.accept_match(PHL, match.id)
    concord.confirm_match(THA, match.id)
    return match.id


def test_a_delivery_into_an_area_at_extreme_risk_needs_a_current_clearance(
    concord: Concord, crisis: UUID
) -> None:
    match = confirmed_match(concord, crisis)
    report(concord, "PH1536", RiskLevel.EXTREME)

    with pytest.raises(ClearanceRequired):
        concord.dispatch_match(THA, match)
    concord.clear_match_for_security(PHL, match, "with an escort, daylight only")
    report(concord, "PH1536", RiskLevel.LOW)  # the picture changed after the clearance
    with pytest.raises(ClearanceRequired, match="again"):
        concord.dispatch_match(THA, match)
    cleared = concord.clear_match_for_security(SECRETARIAT, match, "escort via the coastal road")
    dispatched = concord.dispatch_match(THA, match)

    assert cleared.aggregate.clearance is not None
    assert cleared.aggregate.clearance.risk is RiskLevel.EXTREME
    assert dispatched.aggregate.status.value == "dispatched"


def test_below_the_highest_level_a_delivery_needs_no_clearance(concord: Concord, crisis: UUID) -> None:
    match = confirmed_match(concord, crisis)
    report(concord, "PH1536", RiskLevel.HIGH)

    assert concord.dispatch_match(THA, match).aggregate.status.value == "dispatched"


def test_a_movement_into_an_area_at_extreme_risk_needs_a_clearance(concord: Concord, crisis: UUID) -> None:
    planned = concord.plan_movement(
        PHL, crisis, MovementKind.IDP_RETURN, Place("PHL", "PH1538"), Place("PHL", "PH153602"),
        group={"female:18-59": 30}, vulnerable={}, planned_departure=TODAY, planned_arrival=TODAY,
    )  # fmt: skip
    movement = planned.aggregate.id
    concord.confirm_voluntariness(
        PHL,
        movement,
        confirmed_by="UNHCR",
        method=VoluntarinessMethod.INDIVIDUAL_INTERVIEWS,
        confirmed_on=TODAY,
    )
    with pytest.raises(Forbidden):
        concord.approve_movement(THA, movement)
    concord.approve_movement(PHL, movement)
    report(concord, "PH15", RiskLevel.EXTREME)

    with pytest.raises(ClearanceRequired):
        concord.start_movement(PHL, movement)
    concord.clear_movement_for_security(PHL, movement, "convoy with escort")
    started = concord.start_movement(PHL, movement)
    arrived = concord.record_arrival(PHL, movement, 29)

    assert started.aggregate.status.value == "in-transit"
    assert arrived.aggregate.people_arrived == 29
