"""Orderly repatriation of refugees and resettlement or return of displaced persons (section V).

A movement is a group counted by sex and age group, never by person. It is planned, its
voluntariness confirmed, approved by the receiving state, then it travels and arrives — or it is
postponed or cancelled. Into a safe haven, approval reserves room there (``SafeHaven.reserve``).

Over 300 lines on purpose: one aggregate with its nested events and the values they carry (the
group, the places), whose stored topics name this module.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState
from domain.errors import InvalidInput, InvalidTransition
from domain.havens import SafeHaven
from domain.requests import REASON_MAX, check_admin_code
from domain.security import Clearance, RiskLevel, SecurityArea, check_cleared
from domain.text import check_characters, text

GROUP_MAX = 1_000_000
_COUNTRY = re.compile(r"[A-Z]{3}")
#: A P-code of a country outside ASEAN (e.g. Bangladesh's ``BD2022``): letters, then digits.
_FOREIGN_PCODE = re.compile(r"[A-Z]{2,3}\d{1,12}")


class MovementKind(enum.Enum):
    REFUGEE_REPATRIATION = "refugee-repatriation"  # across a border, home
    IDP_RESETTLEMENT = "idp-resettlement"  # to a new place in their own country
    IDP_RETURN = "idp-return"  # back to the place of origin
    RELOCATION = "relocation"  # from one site to another, still displaced


class MovementStatus(enum.Enum):
    PLANNED = "planned"
    VOLUNTARINESS_CONFIRMED = "voluntariness-confirmed"
    APPROVED = "approved"
    IN_TRANSIT = "in-transit"
    ARRIVED = "arrived"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"


class VoluntarinessMethod(enum.Enum):
    """How a free and informed decision to move was established (UNHCR's repatriation handbook)."""

    INDIVIDUAL_INTERVIEWS = "individual-interviews"
    GROUP_INFORMATION_SESSION = "group-information-session"
    GO_AND_SEE_VISIT = "go-and-see-visit"
    VOLUNTARY_REPATRIATION_FORMS = "voluntary-repatriation-forms"


class VulnerableGroup(enum.Enum):
    UNACCOMPANIED_OR_SEPARATED_CHILDREN = "unaccompanied-or-separated-children"
    PERSONS_WITH_DISABILITIES = "persons-with-disabilities"
    OLDER_PERSONS_AT_RISK = "older-persons-at-risk"
    PREGNANT_OR_LACTATING_WOMEN = "pregnant-or-lactating-women"
    SERIOUS_MEDICAL_CONDITIONS = "serious-medical-conditions"


#: HXL's age disaggregation (#affected +f +age0_4 …), the sexes the DTM counts.
AGE_GROUPS = ("0-4", "5-17", "18-59", "60+")
SEXES = ("female", "male")
GROUP_KEYS = tuple(f"{sex}:{age}" for sex in SEXES for age in AGE_GROUPS)


def check_group(group: dict[str, int], vulnerable: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """Counts by sex and age group, and vulnerable-group counts that fit inside them."""
    unknown = set(group) - set(GROUP_KEYS)
    if unknown:
        raise InvalidInput("group", f"unknown sex and age groups {sorted(unknown)}; use {list(GROUP_KEYS)}")
    counts = {key: group.get(key, 0) for key in GROUP_KEYS}
    if any(not 0 <= n <= GROUP_MAX for n in counts.values()):
        raise InvalidInput("group", f"each count must be from 0 to {GROUP_MAX:,}")
    total = sum(counts.values())
    if total == 0:
        raise InvalidInput("group", "a movement moves at least one person")
    checked: dict[str, int] = {}
    for key, n in sorted(vulnerable.items()):
        kind = VulnerableGroup(key)
        if not 0 <= n <= total:
            raise InvalidInput("vulnerable", f"{kind.value} must be from 0 to the group's {total}")
        if n:
            checked[kind.value] = n
    children = sum(counts[f"{sex}:{age}"] for sex in SEXES for age in ("0-4", "5-17"))
    if checked.get(VulnerableGroup.UNACCOMPANIED_OR_SEPARATED_CHILDREN.value, 0) > children:
        raise InvalidInput("vulnerable", f"more unaccompanied children than the group's {children} children")
    return counts, checked


@dataclass(frozen=True)
class Place:
    """A country (ISO 3166-1 alpha-3) and admin area, or a safe haven."""

    country: str
    admin_code: str | None = None
    safe_haven_id: UUID | None = None

    def as_dict(self) -> dict[str, str | None]:
        haven = str(self.safe_haven_id) if self.safe_haven_id else None
        return {"country": self.country, "admin_code": self.admin_code, "safe_haven_id": haven}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Place:
        haven = data.get("safe_haven_id")
        return cls(data["country"], data.get("admin_code"), UUID(haven) if haven else None)

    @property
    def member_state(self) -> MemberState | None:
        return MemberState(self.country) if self.country in MemberState.__members__ else None


def check_place(place: Place, field: str, haven: SafeHaven | None) -> Place:
    """A place with its admin area checked; a safe haven stands for its own state and area."""
    if haven is not None:
        return Place(haven.member_state.value, haven.admin_code, haven.id)
    country = check_characters(field, place.country).strip().upper()
    if not _COUNTRY.fullmatch(country):
        raise InvalidInput(field, f"{place.country!r} is not an ISO 3166-1 alpha-3 country code")
    state = MemberState(country) if country in MemberState.__members__ else None
    admin_code = place.admin_code
    if admin_code is not None and state is not None:
        admin_code = check_admin_code(state, admin_code)
    elif admin_code is not None:
        admin_code = check_characters("adminCode", admin_code).strip().upper()
        if not _FOREIGN_PCODE.fullmatch(admin_code):
            raise InvalidInput(
                "adminCode", f"{place.admin_code!r} is not a P-code (letters then digits, e.g. BD2022)"
            )
    return Place(country, admin_code)


class Movement(Aggregate):
    class Planned(Aggregate.Created):
        actor: Actor
        crisis_id: UUID
        kind: str
        origin: dict[str, Any]
        destination: dict[str, Any]
        group: dict[str, int]
        vulnerable: dict[str, int]
        planned_departure: date
        planned_arrival: date

    class VoluntarinessConfirmed(Aggregate.Event):
        actor: Actor
        confirmed_by: str
        method: str
        confirmed_on: date

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Movement)
            aggregate.voluntariness = (self.confirmed_by, VoluntarinessMethod(self.method), self.confirmed_on)
            aggregate.status = MovementStatus.VOLUNTARINESS_CONFIRMED

    class Approved(Aggregate.Event):
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Movement)
            aggregate.status = MovementStatus.APPROVED

    class ClearedForSecurity(Aggregate.Event):
        actor: Actor
        area_version: int
        risk: str
        conditions: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Movement)
            aggregate.clearance = Clearance(self.area_version, RiskLevel(self.risk), self.conditions)

    class Started(Aggregate.Event):
        actor: Actor
        departed_on: date
        risk: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Movement)
            aggregate.status = MovementStatus.IN_TRANSIT
            aggregate.departed_on = self.departed_on

    class Arrived(Aggregate.Event):
        actor: Actor
        arrived_on: date
        people_arrived: int
        notes: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Movement)
            aggregate.status = MovementStatus.ARRIVED
            aggregate.arrived_on = self.arrived_on
            aggregate.people_arrived = self.people_arrived

    class Postponed(Aggregate.Event):
        actor: Actor
        reason: str
        planned_departure: date
        planned_arrival: date

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Movement)
            aggregate.status = MovementStatus.POSTPONED
            aggregate.planned_departure = self.planned_departure
            aggregate.planned_arrival = self.planned_arrival

    class Cancelled(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Movement)
            aggregate.status = MovementStatus.CANCELLED

    def __init__(
        self,
        actor: Actor,
        crisis_id: UUID,
        kind: str,
        origin: dict[str, Any],
        destination: dict[str, Any],
        group: dict[str, int],
        vulnerable: dict[str, int],
        planned_departure: date,
        planned_arrival: date,
    ) -> None:
        self.planned_by = actor
        self.crisis_id = crisis_id
        self.kind = MovementKind(kind)
        self.origin = Place.from_dict(origin)
        self.destination = Place.from_dict(destination)
        self.group = dict(group)
        self.vulnerable = dict(vulnerable)
        self.planned_departure = planned_departure
        self.planned_arrival = planned_arrival
        self.status = MovementStatus.PLANNED
        self.voluntariness: tuple[str, VoluntarinessMethod, date] | None = None
        self.clearance: Clearance | None = None
        self.departed_on: date | None = None
        self.arrived_on: date | None = None
        self.people_arrived: int | None = None

    @property
    def people(self) -> int:
        return sum(self.group.values())

    @property
    def receiving_state(self) -> MemberState:
        state = self.destination.member_state
        assert state is not None
        return state

    @classmethod
    def plan(
        cls,
        crisis_id: UUID,
        kind: MovementKind,
        origin: Place,
        destination: Place,
        *,
        group: dict[str, int],
        vulnerable: dict[str, int],
        planned_departure: date,
        planned_arrival: date,
        origin_haven: SafeHaven | None = None,
        destination_haven: SafeHaven | None = None,
        today: date,
        actor: Actor,
    ) -> Movement:
        origin = check_place(origin, "origin", origin_haven)
        destination = check_place(destination, "destination", destination_haven)
        if destination.member_state is None:
            raise InvalidInput("destination", "the receiving state must be an ASEAN member state")
        if destination.admin_code is None:
            raise InvalidInput("destination", "name the admin area (P-code) or the safe haven of arrival")
        cross_border = origin.country != destination.country
        if kind is MovementKind.REFUGEE_REPATRIATION and not cross_border:
            raise InvalidInput(
                "kind", "a refugee repatriation crosses a border: origin and destination differ"
            )
        if kind in (MovementKind.IDP_RESETTLEMENT, MovementKind.IDP_RETURN) and cross_border:
            raise InvalidInput("kind", f"{kind.value} stays within one country")
        if origin == destination:
            raise InvalidInput("destination", "origin and destination are the same place")
        _check_dates(planned_departure, planned_arrival, today)
        counts, vulnerable_counts = check_group(group, vulnerable)
        return cls._create(
            cls.Planned,
            id=uuid4(),
            actor=actor,
            crisis_id=crisis_id,
            kind=kind.value,
            origin=origin.as_dict(),
            destination=destination.as_dict(),
            group=counts,
            vulnerable=vulnerable_counts,
            planned_departure=planned_departure,
            planned_arrival=planned_arrival,
        )

    def confirm_voluntariness(
        self, confirmed_by: str, method: VoluntarinessMethod, confirmed_on: date, *, today: date, actor: Actor
    ) -> None:
        self._require({MovementStatus.PLANNED, MovementStatus.POSTPONED}, "confirm the voluntariness of")
        if confirmed_on > today:
            raise InvalidInput("confirmedOn", f"{confirmed_on.isoformat()} is in the future")
        self.trigger_event(
            self.VoluntarinessConfirmed,
            actor=actor,
            confirmed_by=text("confirmedBy", confirmed_by, 200, required=True),
            method=method.value,
            confirmed_on=confirmed_on,
        )

    def approve(self, haven: SafeHaven | None, *, actor: Actor) -> None:
        """The receiving state approves; into a safe haven only within its room at arrival."""
        self._require({MovementStatus.VOLUNTARINESS_CONFIRMED, MovementStatus.POSTPONED}, "approve")
        if self.voluntariness is None:
            raise InvalidTransition(f"movement {self.id} has no confirmed voluntariness record")
        if haven is not None:
            haven.reserve(self.id, self.people, self.planned_arrival, actor=actor)
        self.trigger_event(self.Approved, actor=actor)

    def clear_for_security(self, area: SecurityArea | None, conditions: str, *, actor: Actor) -> None:
        if self.status in (MovementStatus.ARRIVED, MovementStatus.CANCELLED, MovementStatus.IN_TRANSIT):
            raise InvalidTransition(f"movement {self.id} is {self.status.value}: nothing left to clear")
        assert self.destination.admin_code is not None
        risk = area.risk_at(self.destination.admin_code) if area else RiskLevel.MINIMAL
        self.trigger_event(
            self.ClearedForSecurity,
            actor=actor,
            area_version=area.version if area else 0,
            risk=risk.value,
            conditions=text("conditions", conditions, REASON_MAX, required=True),
        )

    def start(
        self, area: SecurityArea | None, origin_haven: SafeHaven | None, departed_on: date, *, actor: Actor
    ) -> None:
        self._require({MovementStatus.APPROVED}, "start")
        assert self.destination.admin_code is not None
        risk = check_cleared(area, self.destination.admin_code, self.clearance, f"movement {self.id}")
        if origin_haven is not None:
            origin_haven.send_off(self.id, self.people, actor=actor)
        self.trigger_event(self.Started, actor=actor, departed_on=departed_on, risk=risk.value)

    def record_arrival(
        self, people_arrived: int, arrived_on: date, notes: str, haven: SafeHaven | None, *, actor: Actor
    ) -> None:
        self._require({MovementStatus.IN_TRANSIT}, "record the arrival of")
        if not 0 <= people_arrived <= GROUP_MAX:
            raise InvalidInput("peopleArrived", f"must be from 0 to {GROUP_MAX:,}")
        assert self.departed_on is not None
        if arrived_on < self.departed_on:
            raise InvalidInput("arrivedOn", "a movement arrives on or after the day it left")
        if haven is not None:
            haven.receive(self.id, people_arrived, actor=actor)
        self.trigger_event(
            self.Arrived,
            actor=actor,
            arrived_on=arrived_on,
            people_arrived=people_arrived,
            notes=text("notes", notes, REASON_MAX, required=False),
        )

    def postpone(
        self,
        planned_departure: date,
        planned_arrival: date,
        reason: str,
        haven: SafeHaven | None,
        *,
        today: date,
        actor: Actor,
    ) -> None:
        """New dates; an approval lapses (and its reserved room is freed) until approved again."""
        self._require(
            {MovementStatus.PLANNED, MovementStatus.VOLUNTARINESS_CONFIRMED, MovementStatus.APPROVED},
            "postpone",
        )
        _check_dates(planned_departure, planned_arrival, today)
        if haven is not None and self.status is MovementStatus.APPROVED:
            haven.release(self.id, actor=actor)
        self.trigger_event(
            self.Postponed,
            actor=actor,
            reason=text("reason", reason, REASON_MAX, required=True),
            planned_departure=planned_departure,
            planned_arrival=planned_arrival,
        )

    def cancel(self, reason: str, haven: SafeHaven | None, *, actor: Actor) -> None:
        if self.status in (MovementStatus.ARRIVED, MovementStatus.CANCELLED, MovementStatus.IN_TRANSIT):
            raise InvalidTransition(
                f"movement {self.id} is {self.status.value}: it can no longer be cancelled"
            )
        if haven is not None and self.status is MovementStatus.APPROVED:
            haven.release(self.id, actor=actor)
        self.trigger_event(
            self.Cancelled, actor=actor, reason=text("reason", reason, REASON_MAX, required=False)
        )

    def _require(self, allowed: set[MovementStatus], action: str) -> None:
        if self.status not in allowed:
            raise InvalidTransition(f"cannot {action} movement {self.id}: it is {self.status.value}")


def _check_dates(departure: date, arrival: date, today: date) -> None:
    if departure < today:
        raise InvalidInput("plannedDeparture", f"{departure.isoformat()} is in the past")
    if arrival < departure:
        raise InvalidInput("plannedArrival", "a movement arrives on or after the day it leaves")
