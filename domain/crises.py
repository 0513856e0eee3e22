"""A crisis: the frame every request, offer and movement belongs to."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState
from domain.errors import InvalidInput, InvalidTransition, Refusal
from domain.text import check_characters


class CrisisPhase(enum.Enum):
    """Phases of the ASEAN joint response plan."""

    STAND_BY = "stand-by"
    ACTIVE_RESPONSE = "active-response"
    RECOVERY = "recovery"
    CLOSED = "closed"


class Crisis(Aggregate):
    class Opened(Aggregate.Created):
        actor: Actor
        name: str
        affected_states: list[str]
        start_date: date
        phase: str

    class PhaseChanged(Aggregate.Event):
        actor: Actor
        phase: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Crisis)
            aggregate.phase = CrisisPhase(self.phase)

    def __init__(
        self, actor: Actor, name: str, affected_states: list[str], start_date: date, phase: str
    ) -> None:
        self.opened_by = actor
        self.name = name
        self.affected_states = [MemberState(s) for s in affected_states]
        self.start_date = start_date
        self.phase = CrisisPhase(phase)

    @classmethod
    def open(
        cls,
        name: str,
        affected_states: list[MemberState],
        start_date: date,
        *,
        actor: Actor,
        phase: CrisisPhase = CrisisPhase.ACTIVE_RESPONSE,
    ) -> Crisis:
        name = check_characters("name", name).strip()
        if not name or len(name) > 200:
            raise InvalidInput("name", "must be 1 to 200 characters")
        if not affected_states:
            raise InvalidInput("affectedStates", "name at least one affected member state")
        if phase is CrisisPhase.CLOSED:
            raise InvalidInput("phase", "a crisis cannot be opened closed")
        states = sorted({s.value for s in affected_states})
        return cls._create(
            cls.Opened,
            id=uuid4(),
            actor=actor,
            name=name,
            affected_states=states,
            start_date=start_date,
            phase=phase.value,
        )

    @property
    def is_closed(self) -> bool:
        return self.phase is CrisisPhase.CLOSED

    def change_phase(self, phase: CrisisPhase, *, actor: Actor) -> None:
        if self.is_closed:
            raise InvalidTransition(f"crisis {self.name!r} is closed", refusal=Refusal.CRISIS_CLOSED)
        if phase is self.phase:
            raise InvalidInput("phase", f"the crisis is already in {phase.value}")
        self.trigger_event(self.PhaseChanged, actor=actor, phase=phase.value)

    def close(self, *, actor: Actor) -> None:
        self.change_phase(CrisisPhase.CLOSED, actor=actor)

    def require_open(self) -> None:
        if self.is_closed:
            raise InvalidTransition(f"crisis {self.name!r} is closed", refusal=Refusal.CRISIS_CLOSED)
