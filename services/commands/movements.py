"""Commands on movements of people: planned, confirmed voluntary, approved, cleared, under way, arrived.

A movement into or out of a safe haven is saved together with the haven: approval reserves its
room, departure and arrival change its occupancy, in the same transaction as the movement. Either
state may plan it; only the receiving state approves, clears it for security and records arrival.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.errors import InvalidInput
from domain.havens import SafeHaven
from domain.movements import Movement, MovementKind, Place, VoluntarinessMethod, check_place
from services.commands.core import Command, CommandCore, Recorded
from services.commands.crises import open_crisis_named
from services.commands.relief_worker_safety import find_security_area
from services.commands.safe_havens import find_safe_haven, safe_haven_named
from services.identity.access import Owner


def movement_owners(movement: Movement) -> list[Owner]:
    """The receiving state, and the state they leave when it is a member state."""
    owners = [Owner(member_state=movement.receiving_state)]
    if movement.origin.member_state is not None:
        owners.append(Owner(member_state=movement.origin.member_state))
    return owners


class MovementCommands(CommandCore):
    def plan_movement(
        self,
        command: Command,
        crisis_id: UUID,
        kind: MovementKind,
        origin: Place,
        destination: Place,
        *,
        group: dict[str, int],
        vulnerable: dict[str, int],
        planned_departure: date,
        planned_arrival: date,
    ) -> Recorded[Movement]:
        def plan() -> list[Aggregate]:
            open_crisis_named(self, crisis_id)
            origin_haven = safe_haven_named(self, origin.safe_haven_id, "origin")
            destination_haven = safe_haven_named(self, destination.safe_haven_id, "destination")
            source = check_place(origin, "origin", origin_haven)
            target = check_place(destination, "destination", destination_haven)
            # Either state may plan it: the one they leave or the one receiving them.
            owners = [Owner(member_state=p.member_state) for p in (source, target) if p.member_state]
            scope = self._authorise(command, "mutation.planMovement", *owners)
            movement = Movement.plan(
                crisis_id,
                kind,
                source,
                target,
                group=group,
                vulnerable=vulnerable,
                planned_departure=planned_departure,
                planned_arrival=planned_arrival,
                origin_haven=origin_haven,
                destination_haven=destination_haven,
                today=self.today(),
                actor=command.actor(scope),
            )
            return [movement]

        payload = {
            "crisis": str(crisis_id),
            "kind": kind.value,
            "origin": origin.as_dict(),
            "destination": destination.as_dict(),
            "group": group,
            "vulnerable": vulnerable,
            "dates": [planned_departure.isoformat(), planned_arrival.isoformat()],
        }
        return self._execute(command, "planMovement", payload, plan)

    def confirm_voluntariness(
        self,
        command: Command,
        movement_id: UUID,
        *,
        confirmed_by: str,
        method: VoluntarinessMethod,
        confirmed_on: date,
    ) -> Recorded[Movement]:
        return self._change(
            command,
            "confirmVoluntariness",
            lambda: self.get_movement(movement_id),
            {
                "id": str(movement_id),
                "by": confirmed_by,
                "method": method.value,
                "on": confirmed_on.isoformat(),
            },
            lambda movement, actor: movement.confirm_voluntariness(
                confirmed_by, method, confirmed_on, today=self.today(), actor=actor
            ),
            owner=movement_owners,
        )

    def approve_movement(self, command: Command, movement_id: UUID) -> Recorded[Movement]:
        """Only the receiving state approves; a haven of arrival is saved with its reservation."""
        return self._movement_step(
            command,
            "approveMovement",
            movement_id,
            {},
            lambda movement: [Owner(member_state=movement.receiving_state)],
            lambda movement, actor: self._with_haven(
                movement.destination.safe_haven_id, lambda haven: movement.approve(haven, actor=actor)
            ),
        )

    def start_movement(
        self, command: Command, movement_id: UUID, departed_on: date | None = None
    ) -> Recorded[Movement]:
        def start(movement: Movement, actor: Actor) -> list[Aggregate]:
            assert movement.destination.admin_code is not None
            area = find_security_area(self, movement.receiving_state, movement.destination.admin_code)
            return self._with_haven(
                movement.origin.safe_haven_id,
                lambda haven: movement.start(area, haven, departed_on or self.today(), actor=actor),
            )

        payload = {"id": str(movement_id), "on": departed_on.isoformat() if departed_on else None}
        return self._movement_step(command, "startMovement", movement_id, payload, movement_owners, start)

    def record_arrival(
        self,
        command: Command,
        movement_id: UUID,
        people_arrived: int,
        arrived_on: date | None = None,
        notes: str = "",
    ) -> Recorded[Movement]:
        on = arrived_on or self.today()
        if on > self.today():
            raise InvalidInput("arrivedOn", f"{on.isoformat()} is in the future")
        return self._movement_step(
            command,
            "recordArrival",
            movement_id,
            {"people": people_arrived, "on": on.isoformat(), "notes": notes},
            lambda movement: [Owner(member_state=movement.receiving_state)],
            lambda movement, actor: self._with_haven(
                movement.destination.safe_haven_id,
                lambda haven: movement.record_arrival(people_arrived, on, notes, haven, actor=actor),
            ),
        )

    def postpone_movement(
        self,
        command: Command,
        movement_id: UUID,
        planned_departure: date,
        planned_arrival: date,
        reason: str,
    ) -> Recorded[Movement]:
        payload = {
            "id": str(movement_id),
            "dates": [planned_departure.isoformat(), planned_arrival.isoformat()],
        }
        return self._movement_step(
            command,
            "postponeMovement",
            movement_id,
            {**payload, "reason": reason},
            movement_owners,
            lambda movement, actor: self._with_haven(
                movement.destination.safe_haven_id,
                lambda haven: movement.postpone(
                    planned_departure, planned_arrival, reason, haven, today=self.today(), actor=actor
                ),
            ),
        )

    def cancel_movement(self, command: Command, movement_id: UUID, reason: str = "") -> Recorded[Movement]:
        return self._movement_step(
            command,
            "cancelMovement",
            movement_id,
            {"reason": reason},
            movement_owners,
            lambda movement, actor: self._with_haven(
                movement.destination.safe_haven_id, lambda haven: movement.cancel(reason, haven, actor=actor)
            ),
        )

    def clear_movement_for_security(
        self, command: Command, movement_id: UUID, conditions: str
    ) -> Recorded[Movement]:
        """The receiving state (or the secretariat) clears a movement into an area carrying a risk."""

        def clear() -> list[Aggregate]:
            movement = self.get_movement(movement_id)
            owners = movement_owners(movement)[:1]  # the receiving state, or the secretariat
            scope = self._authorise(command, "mutation.clearForSecurity", *owners)
            assert movement.destination.admin_code is not None
            area = find_security_area(self, movement.receiving_state, movement.destination.admin_code)
            movement.clear_for_security(area, conditions, actor=command.actor(scope))
            return [movement]

        payload = {"movement": str(movement_id), "conditions": conditions}
        return self._retrying(lambda: self._execute(command, "clearForSecurity", payload, clear))

    def get_movement(self, movement_id: UUID) -> Movement:
        return self.load(Movement, movement_id, "movement")

    def _movement_step(
        self,
        command: Command,
        operation: str,
        movement_id: UUID,
        payload: dict[str, Any],
        owners: Callable[[Movement], list[Owner]],
        step: Callable[[Movement, Actor], list[Aggregate]],
    ) -> Recorded[Movement]:
        """Load the movement, authorise, take the step; save the movement with what else it changed."""

        def work() -> list[Aggregate]:
            movement = self.get_movement(movement_id)
            scope = self._authorise(command, f"mutation.{operation}", *owners(movement))
            return [movement, *step(movement, command.actor(scope))]

        return self._retrying(
            lambda: self._execute(command, operation, {"id": str(movement_id), **payload}, work)
        )

    def _with_haven(self, haven_id: UUID | None, step: Callable[[SafeHaven | None], None]) -> list[Aggregate]:
        """Take ``step`` with the haven the movement leaves or reaches (if any); the haven to save too."""
        haven = find_safe_haven(self, haven_id) if haven_id else None
        step(haven)
        return [haven] if haven is not None else []
