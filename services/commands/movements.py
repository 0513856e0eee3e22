"""Commands on movements and displacement figures (a mixin of Concord).

A movement into or out of a safe haven is saved together with the haven: approval reserves its
room, departure and arrival change its occupancy, in the same transaction as the movement.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState
from domain.displacement import DisplacementAssessment
from domain.errors import InvalidInput
from domain.havens import SafeHaven
from domain.movements import Movement, MovementKind, Place, VoluntarinessMethod, check_place
from services.access import Owner
from services.errors import NotFound

if TYPE_CHECKING:
    from services.coordination import Command, Concord, Recorded


def movement_owners(movement: Movement) -> list[Owner]:
    """The receiving state, and the state they leave when it is a member state."""
    owners = [Owner(member_state=movement.receiving_state)]
    if movement.origin.member_state is not None:
        owners.append(Owner(member_state=movement.origin.member_state))
    return owners


class Movements:
    def plan_movement(
        self: Concord,
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
            self._open_crisis_named(crisis_id)
            origin_haven = self._haven_named(origin.safe_haven_id, "origin")
            destination_haven = self._haven_named(destination.safe_haven_id, "destination")
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
        self: Concord,
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

    def approve_movement(self: Concord, command: Command, movement_id: UUID) -> Recorded[Movement]:
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
        self: Concord, command: Command, movement_id: UUID, departed_on: date | None = None
    ) -> Recorded[Movement]:
        def start(movement: Movement, actor: Actor) -> list[Aggregate]:
            assert movement.destination.admin_code is not None
            area = self.security_area(movement.receiving_state, movement.destination.admin_code)
            return self._with_haven(
                movement.origin.safe_haven_id,
                lambda haven: movement.start(area, haven, departed_on or self.today(), actor=actor),
            )

        payload = {"id": str(movement_id), "on": departed_on.isoformat() if departed_on else None}
        return self._movement_step(command, "startMovement", movement_id, payload, movement_owners, start)

    def record_arrival(
        self: Concord,
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
        self: Concord,
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

    def cancel_movement(
        self: Concord, command: Command, movement_id: UUID, reason: str = ""
    ) -> Recorded[Movement]:
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

    def get_movement(self: Concord, movement_id: UUID) -> Movement:
        return self._get(Movement, movement_id, "movement")

    def record_displacement_figures(
        self: Concord,
        command: Command,
        crisis_id: UUID,
        member_state: MemberState,
        admin_code: str,
        *,
        as_of: date,
        displaced: int,
        returned: int,
        resettled: int,
        source: str,
    ) -> Recorded[DisplacementAssessment]:
        scope = self._authorise(
            command, "mutation.recordDisplacementFigures", Owner(member_state=member_state)
        )

        def record() -> list[Aggregate]:
            self._open_crisis_named(crisis_id)
            assessment = DisplacementAssessment.record(
                crisis_id,
                member_state,
                admin_code,
                as_of=as_of,
                displaced=displaced,
                returned=returned,
                resettled=resettled,
                source=source,
                today=self.today(),
                actor=command.actor(scope),
            )
            return [assessment]

        payload: dict[str, Any] = {
            "crisis": str(crisis_id),
            "state": member_state.value,
            "admin": admin_code,
            "as_of": as_of.isoformat(),
            "figures": [displaced, returned, resettled],
            "source": source,
        }
        return self._execute(command, "recordDisplacementFigures", payload, record)

    def _movement_step(
        self: Concord,
        command: Command,
        operation: str,
        movement_id: UUID,
        payload: dict[str, Any],
        owners: Any,
        step: Any,
    ) -> Recorded[Movement]:
        def work() -> list[Aggregate]:
            movement = self.get_movement(movement_id)
            scope = self._authorise(command, f"mutation.{operation}", *owners(movement))
            changed: list[Aggregate] = step(movement, command.actor(scope))
            return [movement, *changed]

        return self._retrying(
            lambda: self._execute(command, operation, {"id": str(movement_id), **payload}, work)
        )

    def _with_haven(self: Concord, haven_id: UUID | None, step: Any) -> list[Aggregate]:
        haven = self.get_safe_haven(haven_id) if haven_id else None
        step(haven)
        return [haven] if haven is not None else []

    def _haven_named(self: Concord, haven_id: UUID | None, field: str) -> SafeHaven | None:
        if haven_id is None:
            return None
        try:
            return self.get_safe_haven(haven_id)
        except NotFound:
            raise InvalidInput(field, f"there is no safe haven with id {haven_id}") from None
