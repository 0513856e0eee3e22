"""Commands on relief-worker safety: incidents, the risk they raise, clearances (a mixin of Concord).

An incident and its admin-1 area's ``SecurityArea`` are saved together, so a dispatch reads the
risk as it stands; a clearance names the area version it was given against.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.codes import MemberState
from domain.errors import InvalidInput
from domain.matches import Match
from domain.movements import Movement
from domain.security import IncidentKind, RiskLevel, SecurityArea, SecurityIncident, security_area_id
from services.access import Owner
from services.commands.movements import movement_owners
from services.errors import NotFound

if TYPE_CHECKING:
    from services.coordination import Command, Concord, Recorded


class Security:
    def report_incident(
        self: Concord,
        command: Command,
        member_state: MemberState,
        admin_code: str,
        *,
        occurred_on: date,
        kind: IncidentKind,
        severity: RiskLevel,
        description: str,
        affected_organisations: list[UUID],
        crisis_id: UUID | None = None,
    ) -> Recorded[SecurityIncident]:
        scope = self._authorise(command, "mutation.reportIncident", Owner(member_state=member_state))

        def report() -> list[Aggregate]:
            if crisis_id is not None:
                self._open_crisis_named(crisis_id)
            for organisation_id in affected_organisations:
                try:
                    self.get_organisation(organisation_id)
                except NotFound:
                    raise InvalidInput(
                        "affectedOrganisations", f"no organisation {organisation_id}"
                    ) from None
            actor = command.actor(scope)
            incident = SecurityIncident.report(
                member_state,
                admin_code,
                occurred_on=occurred_on,
                kind=kind,
                severity=severity,
                description=description,
                affected_organisations=affected_organisations,
                crisis_id=crisis_id,
                today=self.today(),
                actor=actor,
            )
            area = self.security_area(member_state, incident.admin_code) or SecurityArea.start(
                member_state, incident.admin_code
            )
            area.open(incident, actor=actor)
            return [incident, area]

        payload = {
            "state": member_state.value,
            "admin": admin_code,
            "on": occurred_on.isoformat(),
            "kind": kind.value,
            "severity": severity.value,
            "description": description,
            "organisations": sorted(str(o) for o in affected_organisations),
            "crisis": str(crisis_id) if crisis_id else None,
        }
        return self._retrying(lambda: self._execute(command, "reportIncident", payload, report))

    def close_incident(
        self: Concord, command: Command, incident_id: UUID, reason: str
    ) -> Recorded[SecurityIncident]:
        def close() -> list[Aggregate]:
            incident = self.get_incident(incident_id)
            scope = self._authorise(
                command, "mutation.closeIncident", Owner(member_state=incident.member_state)
            )
            actor = command.actor(scope)
            incident.close(reason, actor=actor)
            area = self.security_area(incident.member_state, incident.admin_code)
            if area is None:
                return [incident]
            area.close(incident, actor=actor)
            return [incident, area]

        payload = {"id": str(incident_id), "reason": reason}
        return self._retrying(lambda: self._execute(command, "closeIncident", payload, close))

    def clear_movement_for_security(
        self: Concord, command: Command, movement_id: UUID, conditions: str
    ) -> Recorded[Movement]:
        def clear() -> list[Aggregate]:
            movement = self.get_movement(movement_id)
            owners = movement_owners(movement)[:1]  # the receiving state, or the secretariat
            scope = self._authorise(command, "mutation.clearForSecurity", *owners)
            assert movement.destination.admin_code is not None
            area = self.security_area(movement.receiving_state, movement.destination.admin_code)
            movement.clear_for_security(area, conditions, actor=command.actor(scope))
            return [movement]

        payload = {"movement": str(movement_id), "conditions": conditions}
        return self._retrying(lambda: self._execute(command, "clearForSecurity", payload, clear))

    def clear_match_for_security(
        self: Concord, command: Command, match_id: UUID, conditions: str
    ) -> Recorded[Match]:
        def clear() -> list[Aggregate]:
            match = self.get_match(match_id)
            request = self.get_request(match.request_id)
            scope = self._authorise(
                command, "mutation.clearForSecurity", Owner(member_state=request.member_state)
            )
            area = self.security_area(request.member_state, request.need.admin_code)
            match.clear_for_security(request, area, conditions, actor=command.actor(scope))
            return [match]

        payload = {"match": str(match_id), "conditions": conditions}
        return self._retrying(lambda: self._execute(command, "clearForSecurity", payload, clear))

    def get_incident(self: Concord, incident_id: UUID) -> SecurityIncident:
        return self._get(SecurityIncident, incident_id, "security incident")

    def security_area(self: Concord, member_state: MemberState, admin_code: str) -> SecurityArea | None:
        """The open incidents of the admin-1 area holding ``admin_code``; None if it never had one."""
        try:
            return self._get(SecurityArea, security_area_id(member_state, admin_code), "security area")
        except NotFound:
            return None
