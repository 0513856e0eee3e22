"""Safe havens, displacement figures, movements of people, and security incidents."""

# The lambdas handed to attempt run at once, inside it: late binding cannot bite (B023).
# ruff: noqa: B023
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

from domain.codes import MemberState, Sector
from domain.movements import MovementKind, Place, VoluntarinessMethod
from domain.security import IncidentKind, RiskLevel
from services.coordination import Command
from services.demo.base import DemoBase
from services.demo.scenario import (
    AREAS,
    ORGANISATIONS,
    PLACES,
    SITE_NAMES,
    area_name,
)


class Shelter(DemoBase):
    def shelter_and_move(self) -> Iterator[None]:
        havens: list[tuple[UUID, MemberState, UUID, int]] = []
        for plan, crisis in self.crises:
            for state in plan.states:
                for number, area in enumerate(AREAS[state][:3]):
                    capacity = self.random.choice([150, 300, 500, 800, 1200])
                    designated = self.attempt(
                        "safe havens",
                        lambda: self.concord.designate_safe_haven(
                            self.coordinator(state),
                            crisis,
                            state,
                            name=f"{SITE_NAMES[number % len(SITE_NAMES)]}, {area_name(area)}",
                            admin_code=area,
                            latitude=self.near(PLACES[area][0]),
                            longitude=self.near(PLACES[area][1]),
                            capacity_day=capacity,
                            capacity_night=int(capacity * 0.8),
                            services=self.random.sample(
                                [Sector.SHL, Sector.WSH, Sector.HEA, Sector.FSC, Sector.PRO_CPN], 3
                            ),
                        ),
                    )
                    if designated is None:
                        continue
                    haven = designated.aggregate
                    admitted = int(haven.capacity * self.random.uniform(0.3, 0.8))
                    self.attempt(
                        "admissions",
                        lambda: self.concord.admit_to_safe_haven(self.coordinator(state), haven.id, admitted),
                    )
                    havens.append((haven.id, state, crisis, admitted))
                    self._assess(crisis, state, area)
                    yield
        for index in range(self.n(60)):
            haven_id, state, crisis, _ = havens[index % len(havens)]
            self._move(crisis, state, haven_id, index)
            yield

    def _assess(self, crisis: UUID, state: MemberState, area: str) -> None:
        self.attempt(
            "displacement assessments",
            lambda: self.concord.record_displacement_figures(
                self.coordinator(state),
                crisis,
                state,
                area,
                as_of=self.today - timedelta(days=self.random.randint(10, 40)),
                displaced=self.random.randint(2_000, 40_000),
                returned=self.random.randint(0, 3_000),
                resettled=self.random.randint(0, 800),
                source="IOM DTM baseline assessment, round 3",
            ),
        )

    def _move(self, crisis: UUID, state: MemberState, haven: UUID, index: int) -> None:
        coordinator = self.coordinator(state)
        people = self.random.randint(20, 120)
        group = {
            "female:0-4": people // 10,
            "female:5-17": people // 5,
            "female:18-59": people // 4,
            "male:5-17": people // 5,
            "male:18-59": people // 5,
            "male:60+": people // 20,
        }
        vulnerable = {"unaccompanied-or-separated-children": self.random.randint(0, 3)}
        kind, origin, destination = self._route(state, haven, index)
        departure = self.today + timedelta(days=self.random.randint(0, 20))
        planned = self.attempt(
            "movements",
            lambda: self.concord.plan_movement(
                coordinator,
                crisis,
                kind,
                origin,
                destination,
                group=group,
                vulnerable=vulnerable,
                planned_departure=departure,
                planned_arrival=departure + timedelta(days=2),
            ),
        )
        if planned is not None:
            self._carry_out(coordinator, planned.aggregate.id, kind, sum(group.values()))

    def _route(self, state: MemberState, haven: UUID, index: int) -> tuple[MovementKind, Place, Place]:
        if state is MemberState.MMR and index % 4 == 0:
            return (
                MovementKind.REFUGEE_REPATRIATION,
                Place("BGD"),
                Place("MMR", self.random.choice(AREAS[state])),
            )
        if index % 3 == 0:
            return (
                MovementKind.RELOCATION,
                Place("", safe_haven_id=haven),
                Place(state.value, self.random.choice(AREAS[state][3:] or AREAS[state])),
            )
        return (
            MovementKind.IDP_RETURN,
            Place("", safe_haven_id=haven),
            Place(state.value, self.random.choice(AREAS[state])),
        )

    def _carry_out(self, coordinator: Command, movement: UUID, kind: MovementKind, people: int) -> None:
        """Take a planned movement a random way along: confirmed, approved, started, arrived."""
        stage = self.random.random()
        if stage < 0.2:
            return
        method = self.random.choice(list(VoluntarinessMethod))
        confirmed_by = (
            "UNHCR protection team" if kind is MovementKind.REFUGEE_REPATRIATION else "IOM site team"
        )
        if (
            self.attempt(
                "voluntariness",
                lambda: self.concord.confirm_voluntariness(
                    coordinator, movement, confirmed_by=confirmed_by, method=method, confirmed_on=self.today
                ),
            )
            is None
        ):
            return
        if (
            stage < 0.4
            or self.attempt("approved", lambda: self.concord.approve_movement(coordinator, movement)) is None
        ):
            return
        if (
            stage < 0.6
            or self.attempt("started", lambda: self.concord.start_movement(coordinator, movement, self.today))
            is None
        ):
            return
        arrived = people - self.random.randint(0, 3)
        self.attempt(
            "arrived", lambda: self.concord.record_arrival(coordinator, movement, arrived, self.today)
        )

    def report_incidents(self) -> Iterator[None]:
        kinds = list(IncidentKind)
        for index in range(self.n(24)):
            plan, crisis = self._crisis()
            state = self.random.choice(plan.states)
            severity = (
                RiskLevel.EXTREME
                if index % 8 == 0
                else self.random.choice(
                    [RiskLevel.LOW, RiskLevel.MODERATE, RiskLevel.SUBSTANTIAL, RiskLevel.HIGH]
                )
            )
            reported = self.attempt(
                "incidents",
                lambda: self.concord.report_incident(
                    self.coordinator(state),
                    state,
                    self.random.choice(AREAS[state]),
                    occurred_on=self.today - timedelta(days=self.random.randint(0, 25)),
                    kind=self.random.choice(kinds),
                    severity=severity,
                    description="Reported by the provincial relief coordination office",
                    affected_organisations=[self.organisations[self.random.choice(ORGANISATIONS[11:]).name]],
                    crisis_id=crisis,
                ),
            )
            if reported is not None and index % 3 == 1:
                incident = reported.aggregate.id
                self.attempt(
                    "closed incidents",
                    lambda: self.concord.close_incident(self.coordinator(state), incident, "area secured"),
                )
            yield
