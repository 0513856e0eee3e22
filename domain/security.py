"""The safety of humanitarian relief workers: security incidents, area risk and security clearance.

An open incident raises the risk level of the area it happened in. Each admin-1 area keeps its
open incidents in one ``SecurityArea``, so that a dispatch into that area reads, in the same
command, the risk as it stands; a dispatch or movement into an area at the highest level needs a
clearance given against exactly that picture of the area (its version).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState
from domain.errors import InvalidInput, InvalidTransition, Refusal
from domain.havens import admin1
from domain.requests import DESCRIPTION_MAX, REASON_MAX, check_admin_code
from domain.text import text


class RiskLevel(enum.Enum):
    """The UN Security Level System's six levels; an area without open incidents is MINIMAL."""

    MINIMAL = "minimal"
    LOW = "low"
    MODERATE = "moderate"
    SUBSTANTIAL = "substantial"
    HIGH = "high"
    EXTREME = "extreme"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {level: rank for rank, level in enumerate(RiskLevel)}
HIGHEST = RiskLevel.EXTREME


class IncidentKind(enum.Enum):
    """After the Aid Worker Security Database's and OCHA's access-monitoring categories."""

    ACCESS_DENIED = "access-denied"
    ATTACK_ON_AID_WORKERS = "attack-on-aid-workers"
    THREAT = "threat"
    ABDUCTION = "abduction"
    EXPLOSIVE_HAZARD = "explosive-hazard"
    INTERFERENCE = "interference"  # with relief operations: looting, diversion, obstruction
    ARMED_CLASHES = "armed-clashes"
    CIVIL_UNREST = "civil-unrest"
    OTHER = "other"


class IncidentStatus(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class ClearanceRequired(InvalidTransition):
    """Into an area at the highest risk level nothing moves without a security clearance."""

    refusal = Refusal.CLEARANCE_REQUIRED


def overlaps(a: str, b: str) -> bool:
    """Two P-codes overlap when one area contains the other (or they are the same)."""
    return a.startswith(b) or b.startswith(a)


def security_area_id(member_state: MemberState, admin_code: str) -> UUID:
    """The id of the ``SecurityArea`` of the admin-1 area holding ``admin_code``."""
    return uuid5(NAMESPACE_URL, f"concord:security-area:{admin1(admin_code, member_state)}")


class SecurityIncident(Aggregate):
    class Reported(Aggregate.Created):
        actor: Actor
        crisis_id: UUID | None
        member_state: str
        admin_code: str
        occurred_on: date
        kind: str
        severity: str
        description: str
        affected_organisations: list[str]

    class Closed(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, SecurityIncident)
            aggregate.status = IncidentStatus.CLOSED

    def __init__(
        self,
        actor: Actor,
        crisis_id: UUID | None,
        member_state: str,
        admin_code: str,
        occurred_on: date,
        kind: str,
        severity: str,
        description: str,
        affected_organisations: list[str],
    ) -> None:
        self.reported_by = actor
        self.crisis_id = crisis_id
        self.member_state = MemberState(member_state)
        self.admin_code = admin_code
        self.occurred_on = occurred_on
        self.kind = IncidentKind(kind)
        self.severity = RiskLevel(severity)
        self.description = description
        self.affected_organisations = [UUID(o) for o in affected_organisations]
        self.status = IncidentStatus.OPEN

    @classmethod
    def report(
        cls,
        member_state: MemberState,
        admin_code: str,
        *,
        occurred_on: date,
        kind: IncidentKind,
        severity: RiskLevel,
        description: str,
        affected_organisations: list[UUID],
        crisis_id: UUID | None,
        today: date,
        actor: Actor,
    ) -> SecurityIncident:
        admin_code = check_admin_code(member_state, admin_code)
        if occurred_on > today:
            raise InvalidInput("occurredOn", f"{occurred_on.isoformat()} is in the future")
        if severity is RiskLevel.MINIMAL:
            raise InvalidInput("severity", "an incident is at least of low severity")
        return cls._create(
            cls.Reported,
            id=uuid4(),
            actor=actor,
            crisis_id=crisis_id,
            member_state=member_state.value,
            admin_code=admin_code,
            occurred_on=occurred_on,
            kind=kind.value,
            severity=severity.value,
            description=text("description", description, DESCRIPTION_MAX, required=True),
            affected_organisations=sorted({str(o) for o in affected_organisations}),
        )

    def close(self, reason: str, *, actor: Actor) -> None:
        if self.status is IncidentStatus.CLOSED:
            raise InvalidTransition(f"incident {self.id} is already closed")
        self.trigger_event(self.Closed, actor=actor, reason=text("reason", reason, REASON_MAX, required=True))


class SecurityArea(Aggregate):
    """The open incidents of one admin-1 area; its version changes with each of them."""

    class Started(Aggregate.Created):
        member_state: str
        admin1: str

    class IncidentOpened(Aggregate.Event):
        actor: Actor
        incident_id: UUID
        admin_code: str
        severity: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, SecurityArea)
            aggregate.open_incidents[str(self.incident_id)] = (self.admin_code, RiskLevel(self.severity))

    class IncidentClosed(Aggregate.Event):
        actor: Actor
        incident_id: UUID

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, SecurityArea)
            aggregate.open_incidents.pop(str(self.incident_id), None)

    def __init__(self, member_state: str, admin1: str) -> None:
        self.member_state = MemberState(member_state)
        self.admin1 = admin1
        self.open_incidents: dict[str, tuple[str, RiskLevel]] = {}

    @classmethod
    def start(cls, member_state: MemberState, admin_code: str) -> SecurityArea:
        return cls._create(
            cls.Started,
            id=security_area_id(member_state, admin_code),
            member_state=member_state.value,
            admin1=admin1(admin_code, member_state),
        )

    def open(self, incident: SecurityIncident, *, actor: Actor) -> None:
        self.trigger_event(
            self.IncidentOpened,
            actor=actor,
            incident_id=incident.id,
            admin_code=incident.admin_code,
            severity=incident.severity.value,
        )

    def close(self, incident: SecurityIncident, *, actor: Actor) -> None:
        if str(incident.id) in self.open_incidents:
            self.trigger_event(self.IncidentClosed, actor=actor, incident_id=incident.id)

    def risk_at(self, admin_code: str) -> RiskLevel:
        return risk_at(admin_code, self.open_incidents.values())


def risk_at(admin_code: str, incidents: Any) -> RiskLevel:
    """The highest severity among open incidents in an area overlapping ``admin_code``."""
    levels = [severity for code, severity in incidents if overlaps(code, admin_code)]
    return max(levels, key=lambda level: level.rank, default=RiskLevel.MINIMAL)


@dataclass(frozen=True)
class Clearance:
    """A security clearance, given against one version of the destination area's picture."""

    area_version: int
    risk: RiskLevel
    conditions: str


def check_cleared(
    area: SecurityArea | None, admin_code: str, clearance: Clearance | None, what: str
) -> RiskLevel:
    """The risk at ``admin_code``; ClearanceRequired at the highest level without a current clearance."""
    risk = area.risk_at(admin_code) if area is not None else RiskLevel.MINIMAL
    if risk is not HIGHEST:
        return risk
    assert area is not None
    if clearance is None:
        raise ClearanceRequired(
            f"{admin_code} is at {risk.value} risk: {what} needs a security clearance first"
        )
    if clearance.area_version != area.version:
        raise ClearanceRequired(
            f"the security picture of {area.admin1} changed after the clearance: clear {what} again"
        )
    return risk


def clearance_conditions(conditions: str) -> str:
    return text("conditions", conditions, REASON_MAX, required=True)
