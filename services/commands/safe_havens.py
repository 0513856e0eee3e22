"""Commands on safe havens, by the host member state's coordinators (a mixin of Concord)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.codes import MemberState, Sector
from domain.havens import HavenStatus, SafeHaven
from services.access import Owner

if TYPE_CHECKING:
    from services.coordination import Command, Concord, Recorded


class Havens:
    def designate_safe_haven(
        self: Concord,
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
            self._open_crisis_named(crisis_id)
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

    def admit_to_safe_haven(
        self: Concord, command: Command, haven_id: UUID, people: int
    ) -> Recorded[SafeHaven]:
        return self._change(
            command,
            "admitToSafeHaven",
            lambda: self.get_safe_haven(haven_id),
            {"id": str(haven_id), "people": people},
            lambda haven, actor: haven.admit(people, actor=actor),
            owner=lambda haven: [Owner(member_state=haven.member_state)],
        )

    def record_departure(self: Concord, command: Command, haven_id: UUID, people: int) -> Recorded[SafeHaven]:
        return self._change(
            command,
            "recordDeparture",
            lambda: self.get_safe_haven(haven_id),
            {"id": str(haven_id), "people": people},
            lambda haven, actor: haven.record_departure(people, actor=actor),
            owner=lambda haven: [Owner(member_state=haven.member_state)],
        )

    def change_safe_haven_status(
        self: Concord, command: Command, haven_id: UUID, status: HavenStatus, reason: str = ""
    ) -> Recorded[SafeHaven]:
        return self._change(
            command,
            "changeSafeHavenStatus",
            lambda: self.get_safe_haven(haven_id),
            {"id": str(haven_id), "status": status.value, "reason": reason},
            lambda haven, actor: haven.change_status(status, reason, actor=actor),
            owner=lambda haven: [Owner(member_state=haven.member_state)],
        )

    def get_safe_haven(self: Concord, haven_id: UUID) -> SafeHaven:
        return self._get(SafeHaven, haven_id, "safe haven")
