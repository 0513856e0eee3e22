"""Safe havens: occupancy never exceeds capacity, and the log replays to the live state."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.access import Actor
from domain.codes import MemberState, Sector
from domain.errors import DomainError, InvalidInput
from domain.havens import HavenStatus, OverCapacity, SafeHaven, admin1

ACTOR = Actor(principal="maria@dswd.gov.ph", role="coordinator", scope="own-state", member_state="PHL")


def haven(day: int = 500, night: int | None = 300) -> SafeHaven:
    return SafeHaven.designate(
        uuid4(),
        MemberState.PHL,
        name="Balo-i evacuation centre",
        admin_code="PH1536",
        latitude=Decimal("8.0095"),
        longitude=Decimal("124.2937"),
        capacity_day=day,
        capacity_night=night,
        services=[Sector.WSH, Sector.HEA],
        actor=ACTOR,
    )


def test_capacity_is_the_lesser_of_day_and_night_and_available_is_derived() -> None:
    shelter = haven(500, 300)
    shelter.admit(120, actor=ACTOR)

    assert (shelter.capacity, shelter.occupancy, shelter.available) == (300, 120, 180)


def test_no_one_is_admitted_beyond_capacity_or_into_a_suspended_haven() -> None:
    shelter = haven(100, None)
    shelter.admit(100, actor=ACTOR)

    with pytest.raises(OverCapacity):
        shelter.admit(1, actor=ACTOR)
    shelter.record_departure(10, actor=ACTOR)
    shelter.change_status(HavenStatus.SUSPENDED, "armed clashes nearby", actor=ACTOR)
    with pytest.raises(DomainError):
        shelter.admit(1, actor=ACTOR)


def test_a_haven_with_people_in_it_cannot_close() -> None:
    shelter = haven()
    shelter.admit(5, actor=ACTOR)

    with pytest.raises(DomainError, match="still sheltered"):
        shelter.change_status(HavenStatus.CLOSED, "", actor=ACTOR)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"latitude": Decimal(91)}, "location"),
        ({"admin_code": "TH15"}, "adminCode"),
        ({"capacity_day": -1}, "capacityDay"),
    ],
)
def test_a_designation_that_cannot_be_right_is_refused(overrides: dict[str, object], field: str) -> None:
    values: dict[str, object] = {
        "name": "Centre", "admin_code": "PH1536", "latitude": Decimal(8), "longitude": Decimal(124),
        "capacity_day": 10, "actor": ACTOR,
    }  # fmt: skip
    values.update(overrides)
    with pytest.raises(InvalidInput) as refused:
        SafeHaven.designate(uuid4(), MemberState.PHL, **values)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_the_admin1_area_is_what_others_may_see() -> None:
    assert admin1("PH153602", MemberState.PHL) == "PH15"
    assert admin1("MMR001002", MemberState.MMR) == "MMR001"


class Occupancy(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.haven = haven(400, 250)

    @rule(people=st.integers(1, 300))
    def admit(self, people: int) -> None:
        with contextlib.suppress(DomainError):
            self.haven.admit(people, actor=ACTOR)

    @rule(people=st.integers(1, 300))
    def depart(self, people: int) -> None:
        with contextlib.suppress(DomainError):
            self.haven.record_departure(people, actor=ACTOR)

    @rule(status=st.sampled_from(HavenStatus))
    def change_status(self, status: HavenStatus) -> None:
        with contextlib.suppress(DomainError):
            self.haven.change_status(status, "", actor=ACTOR)

    @invariant()
    def occupancy_stays_within_capacity(self) -> None:
        assert 0 <= self.haven.occupancy <= self.haven.capacity
        assert self.haven.available == self.haven.capacity - self.haven.occupancy

    @invariant()
    def the_events_replay_to_the_live_state(self) -> None:
        replayed = None
        for event in self.haven.collect_events():
            self.haven_events.append(event)
        for event in self.haven_events:
            replayed = event.mutate(replayed)  # type: ignore[attr-defined]
        assert isinstance(replayed, SafeHaven)
        assert replayed.__dict__ == self.haven.__dict__

    @property
    def haven_events(self) -> list[object]:
        if not hasattr(self, "_events"):
            self._events: list[object] = []
        return self._events


TestOccupancy = Occupancy.TestCase
TestOccupancy.settings = hypothesis_settings(max_examples=40, stateful_step_count=30, deadline=None)
