"""Commands on safe havens, by the host member state's coordinators.

Requests and movements name a haven too: ``safe_haven_named`` is their check.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.codes import MemberState, Sector
from domain.errors import InvalidInput
from domain.havens import HavenStatus, SafeHaven
from services.commands.core import Command, CommandCore, Recorded
from services.commands.crises import open_crisis_named
from services.errors import NotFound
from services.identity.access import Owner


def find_safe_haven(core: CommandCore, haven_id: UUID) -> SafeHaven:
    return core.load(SafeHaven, haven_id, "safe haven")


def safe_haven_named(core: CommandCore, haven_id: UUID | None, field: str) -> SafeHaven | None:
    """The haven a command names in ``field``, if it names one; ``InvalidInput`` if there is none."""
    if haven_id is None:
        return None
    try:
        return find_safe_haven(core, haven_id)
    except NotFound:
        raise InvalidInput(field, f"there is no safe haven with id {haven_id}") from None


class SafeHavenCommands(CommandCore):
    def designate_safe_haven(
        self,
        command: Command,
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
    ) -> Recorded[SafeHaven]:
        scope = self._authorise(command, "mutation.designateSafeHaven", Owner(member_state=member_state))

        def designate() -> list[Aggregate]:
            open_crisis_named(self, crisis_id)
            haven = SafeHaven.designate(
                crisis_id,
                member_state,
                name=name,
                admin_code=admin_code,
                latitude=latitude,
                longitude=longitude,
                capacity_day=capacity_day,
                capacity_night=capacity_night,
                services=services,
                actor=command.actor(scope),
            )
            return [haven]

        payload = {
            "crisis": str(crisis_id),
            "state": member_state.value,
            "name": name,
            "admin": admin_code,
            "at": [str(latitude), str(longitude)],
            "capacity": [capacity_day, capacity_night],
            "services": sorted(s.value for s in services or []),
        }
        return self._execute(command, "designateSafeHaven", payload, designate)

    def admit_to_safe_haven(self, command: Command, haven_id: UUID, people: int) -> Recorded[SafeHaven]:
        return self._change(
            command,
            "admitToSafeHaven",
            lambda: self.get_safe_haven(haven_id),
            {"id": str(haven_id), "people": people},
            lambda haven, actor: haven.admit(people, actor=actor),
            owner=lambda haven: [Owner(member_state=haven.member_state)],
        )

    def record_departure(self, command: Command, haven_id: UUID, people: int) -> Recorded[SafeHaven]:
        return self._change(
            command,
            "recordDeparture",
            lambda: self.get_safe_haven(haven_id),
            {"id": str(haven_id), "people": people},
            lambda haven, actor: haven.record_departure(people, actor=actor),
            owner=lambda haven: [Owner(member_state=haven.member_state)],
        )

    def change_safe_haven_status(
        self, command: Command, haven_id: UUID, status: HavenStatus, reason: str = ""
    ) -> Recorded[SafeHaven]:
        return self._change(
            command,
            "changeSafeHavenStatus",
            lambda: self.get_safe_haven(haven_id),
            {"id": str(haven_id), "status": status.value, "reason": reason},
            lambda haven, actor: haven.change_status(status, reason, actor=actor),
            owner=lambda haven: [Owner(member_state=haven.member_state)],
        )

    def get_safe_haven(self, haven_id: UUID) -> SafeHaven:
        return find_safe_haven(self, haven_id)
