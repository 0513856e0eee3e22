"""Commands on crises: the secretariat opens one and moves it through its phases.

Most other commands name a crisis, which must be open: ``open_crisis_named`` is their check.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.codes import MemberState
from domain.crises import Crisis, CrisisPhase
from domain.errors import InvalidInput
from services.commands.core import Command, CommandCore, Recorded
from services.errors import NotFound


def find_crisis(core: CommandCore, crisis_id: UUID) -> Crisis:
    return core.load(Crisis, crisis_id, "crisis")


def open_crisis_named(core: CommandCore, crisis_id: UUID) -> Crisis:
    """The crisis a command names (``crisisId``): it must exist and be open."""
    try:
        crisis = find_crisis(core, crisis_id)
    except NotFound:
        raise InvalidInput("crisisId", f"there is no crisis with id {crisis_id}") from None
    crisis.require_open()
    return crisis


class CrisisCommands(CommandCore):
    def open_crisis(
        self,
        command: Command,
        name: str,
        affected_states: list[MemberState],
        start_date: date,
        phase: CrisisPhase = CrisisPhase.ACTIVE_RESPONSE,
    ) -> Recorded[Crisis]:
        scope = self._authorise(command, "mutation.openCrisis")

        def open_() -> list[Aggregate]:
            actor = command.actor(scope)
            return [Crisis.open(name, affected_states, start_date, phase=phase, actor=actor)]

        payload = {
            "name": name,
            "states": sorted(s.value for s in affected_states),
            "start": start_date.isoformat(),
            "phase": phase.value,
        }
        return self._execute(command, "openCrisis", payload, open_)

    def change_crisis_phase(self, command: Command, crisis_id: UUID, phase: CrisisPhase) -> Recorded[Crisis]:
        operation = "closeCrisis" if phase is CrisisPhase.CLOSED else "changeCrisisPhase"
        return self._change(
            command,
            operation,
            lambda: self.get_crisis(crisis_id),
            {"id": str(crisis_id), "phase": phase.value},
            lambda crisis, actor: crisis.change_phase(phase, actor=actor),
        )

    def get_crisis(self, crisis_id: UUID) -> Crisis:
        return find_crisis(self, crisis_id)
