"""Safe havens in conflict areas (section V of the Plan of Action), run by the host state."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState, Sector
from domain.errors import InvalidInput, InvalidTransition, Refusal
from domain.geography import BOUNDS
from domain.requests import REASON_MAX, check_admin_code
from domain.text import text

CAPACITY_MAX = 1_000_000


class HavenStatus(enum.Enum):
    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"
    SUSPENDED = "suspended"  # for security


class OverCapacity(InvalidTransition):
    """More people would be admitted than the haven can shelter."""

    refusal = Refusal.OVER_CAPACITY


def admin1(admin_code: str, member_state: MemberState) -> str:
    """The first administrative level of a P-code: what those without need-to-know may see.

    ISO2-prefixed codes give two digits a level (PH15); Myanmar's ISO3-prefixed ones three (MMR001).
    """
    if admin_code.startswith(member_state.value):
        return admin_code[: len(member_state.value) + 3]
    return admin_code[: len(member_state.iso2) + 2]


def member_state_of(admin_code: str) -> MemberState | None:
    """Whose P-code this is, by its prefix: ISO3 (MMR001) before ISO2 (PH15); None if no member's."""
    for prefix in ("value", "iso2"):
        for state in MemberState:
            if admin_code.startswith(getattr(state, prefix)):
                return state
    return None


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

    class CapacityReserved(Aggregate.Event):
        """Room held for an approved movement arriving on ``arrival_on``."""

        actor: Actor
        movement_id: UUID
        people: int
        arrival_on: date

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, SafeHaven)
            aggregate.reservations[str(self.movement_id)] = self.people

    class ReservationReleased(Aggregate.Event):
        actor: Actor
        movement_id: UUID

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, SafeHaven)
            aggregate.reservations.pop(str(self.movement_id), None)

    class MovementReceived(Aggregate.Event):
        """A movement arrived: its people are sheltered, its reservation is used up."""

        actor: Actor
        movement_id: UUID
        people: int

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, SafeHaven)
            aggregate.reservations.pop(str(self.movement_id), None)
            aggregate.occupancy += self.people

    class MovementSentOff(Aggregate.Event):
        """A movement left the haven: its people no longer shelter here."""

        actor: Actor
        movement_id: UUID
        people: int

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, SafeHaven)
            aggregate.occupancy -= self.people

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
        self.reservations: dict[str, int] = {}
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
        if not BOUNDS[member_state.value].holds(float(latitude), float(longitude)):
            raise InvalidInput("location", f"{latitude}, {longitude} lies outside {member_state.label}")
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
    def reserved(self) -> int:
        """Room held for approved movements that have not arrived yet."""
        return sum(self.reservations.values())

    @property
    def available(self) -> int:
        """Always derived, never stored by hand: capacity less occupancy and reservations."""
        return max(self.capacity - self.occupancy - self.reserved, 0)

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
            raise InvalidInput(
                "people",
                f"only {self.occupancy} people are sheltered at {self.name}",
                refusal=Refusal.OVER_DEPARTURE,
            )
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

    def reserve(self, movement_id: UUID, people: int, arrival_on: date, *, actor: Actor) -> None:
        """Hold room for a movement; reserved room counts against every later approval or admission.

        Reservations are held whatever their arrival date, so that no order of arrivals can overfill.
        """
        if self.status is not HavenStatus.OPEN:
            raise InvalidTransition(f"{self.name} is {self.status.value}: it takes no arrivals")
        if people > self.available:
            raise OverCapacity(
                f"{self.name} has room for {self.available} on {arrival_on.isoformat()} "
                f"(reservations counted), not {people}"
            )
        self.trigger_event(
            self.CapacityReserved, actor=actor, movement_id=movement_id, people=people, arrival_on=arrival_on
        )

    def release(self, movement_id: UUID, *, actor: Actor) -> None:
        if str(movement_id) in self.reservations:
            self.trigger_event(self.ReservationReleased, actor=actor, movement_id=movement_id)

    def receive(self, movement_id: UUID, people: int, *, actor: Actor) -> None:
        """Shelter an arriving movement: within its reservation and whatever room is left."""
        room = self.reservations.get(str(movement_id), 0) + self.available
        if people > room:
            raise OverCapacity(f"{self.name} has room for {room} arriving people, not {people}")
        self.trigger_event(self.MovementReceived, actor=actor, movement_id=movement_id, people=people)

    def send_off(self, movement_id: UUID, people: int, *, actor: Actor) -> None:
        if people > self.occupancy:
            raise InvalidTransition(
                f"only {self.occupancy} people are sheltered at {self.name}, not {people}"
            )
        self.trigger_event(self.MovementSentOff, actor=actor, movement_id=movement_id, people=people)
