"""Safe havens in conflict areas (section V of the Plan of Action), run by the host state."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState, Sector
from domain.errors import InvalidInput, InvalidTransition
from domain.requests import REASON_MAX, check_admin_code, text

CAPACITY_MAX = 1_000_000


class HavenStatus(enum.Enum):
    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"
    SUSPENDED = "suspended"  # for security


class OverCapacity(InvalidTransition):
    """More people would be admitted than the haven can shelter."""


def admin1(admin_code: str, member_state: MemberState) -> str:
    """The first administrative level of a P-code: what those without need-to-know may see.

    ISO2-prefixed codes give two digits a level (PH15); Myanmar's ISO3-prefixed ones three (MMR001).
    """
    if admin_code.startswith(member_state.value):
        return admin_code[: len(member_state.value) + 3]
    return admin_code[: len(member_state.iso2) + 2]


class SafeHaven(Aggregate):
    class Designated(Aggregate.Created):
        actor: Actor
        crisis_id: UUID
        member_state: str
        name: str
        admin_code: str
        latitude: Decimal
        longitude: Decimal
        capacity_day: int
        capacity_night: int
        services: list[str]

    class Admitted(Aggregate.Event):
        actor: Actor
        people: int

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, SafeHaven)
            aggregate.occupancy += self.people

    class Departed(Aggregate.Event):
        actor: Actor
        people: int

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, SafeHaven)
            aggregate.occupancy -= self.people

    class StatusChanged(Aggregate.Event):
        actor: Actor
        status: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, SafeHaven)
            aggregate.status = HavenStatus(self.status)

    def __init__(
        self,
        actor: Actor,
        crisis_id: UUID,
        member_state: str,
        name: str,
        admin_code: str,
        latitude: Decimal,
        longitude: Decimal,
        capacity_day: int,
        capacity_night: int,
        services: list[str],
    ) -> None:
        self.designated_by = actor
        self.crisis_id = crisis_id
        self.member_state = MemberState(member_state)
        self.name = name
        self.admin_code = admin_code
        self.latitude = latitude
        self.longitude = longitude
        self.capacity_day = capacity_day
        self.capacity_night = capacity_night
        self.services = [Sector(s) for s in services]
        self.occupancy = 0
        self.status = HavenStatus.OPEN

    @classmethod
    def designate(
        cls,
        crisis_id: UUID,
        member_state: MemberState,
        *,
        name: str,
        admin_code: str,
        latitude: Decimal,
        longitude: Decimal,
        capacity_day: int,
        capacity_night: int | None = None,
        services: list[Sector] | None = None,
        actor: Actor,
    ) -> SafeHaven:
        name = text("name", name, 200, required=True)
        admin_code = check_admin_code(member_state, admin_code)
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise InvalidInput("location", "latitude must be within ±90 and longitude within ±180")
        night = capacity_day if capacity_night is None else capacity_night
        for field, value in (("capacityDay", capacity_day), ("capacityNight", night)):
            if not 0 <= value <= CAPACITY_MAX:
                raise InvalidInput(field, f"must be from 0 to {CAPACITY_MAX:,} people")
        if max(capacity_day, night) == 0:
            raise InvalidInput("capacityDay", "a safe haven shelters at least one person")
        return cls._create(
            cls.Designated,
            id=uuid4(),
            actor=actor,
            crisis_id=crisis_id,
            member_state=member_state.value,
            name=name,
            admin_code=admin_code,
            latitude=latitude,
            longitude=longitude,
            capacity_day=capacity_day,
            capacity_night=night,
            services=sorted({s.value for s in services or []}),
        )

    @property
    def capacity(self) -> int:
        """People it can shelter round the clock: the lesser of its day and night capacity."""
        return min(self.capacity_day, self.capacity_night)

    @property
    def available(self) -> int:
        """Always derived, never stored by hand."""
        return max(self.capacity - self.occupancy, 0)

    def admit(self, people: int, *, actor: Actor) -> None:
        if people <= 0:
            raise InvalidInput("people", "admit at least one person")
        if self.status is not HavenStatus.OPEN:
            raise InvalidTransition(f"{self.name} is {self.status.value}: it admits no one")
        if people > self.available:
            raise OverCapacity(f"{self.name} has room for {self.available}, not {people}")
        self.trigger_event(self.Admitted, actor=actor, people=people)

    def record_departure(self, people: int, *, actor: Actor) -> None:
        if people <= 0:
            raise InvalidInput("people", "record at least one person leaving")
        if people > self.occupancy:
            raise InvalidInput("people", f"only {self.occupancy} people are sheltered at {self.name}")
        self.trigger_event(self.Departed, actor=actor, people=people)

    def change_status(self, status: HavenStatus, reason: str, *, actor: Actor) -> None:
        if status is self.status:
            raise InvalidInput("status", f"{self.name} is already {status.value}")
        if self.status is HavenStatus.CLOSED:
            raise InvalidTransition(f"{self.name} is closed")
        if status is HavenStatus.CLOSED and self.occupancy:
            raise InvalidTransition(f"{self.occupancy} people are still sheltered at {self.name}")
        reason = text("reason", reason, REASON_MAX, required=False)
        self.trigger_event(self.StatusChanged, actor=actor, status=status.value, reason=reason)
