"""Commands on relief-worker safety: incidents, and the risk they raise in their admin-1 area.

An incident and its area's ``SecurityArea`` are saved together, so a dispatch or a departure reads
the risk as it stands (``find_security_area``). Clearing a match or a movement for security against that
risk is a step of the match (``services.commands.matches``) or the movement
(``services.commands.movements``), saved on it with the area version it was given against.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.codes import MemberState
from domain.errors import InvalidInput
from domain.security import IncidentKind, RiskLevel, SecurityArea, SecurityIncident, security_area_id
from services.commands.core import Command, CommandCore, Recorded
from services.commands.crises import open_crisis_named
from services.commands.organisations import find_organisation
from services.errors import NotFound
from services.identity.access import Owner


def find_security_area(core: CommandCore, member_state: MemberState, admin_code: str) -> SecurityArea | None:
    """The open incidents of the admin-1 area holding ``admin_code``; None if it never had one."""
    try:
        return core.load(SecurityArea, security_area_id(member_state, admin_code), "security area")
    except NotFound:
        return None


class ReliefWorkerSafetyCommands(CommandCore):
    def report_incident(
        self,
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
                open_crisis_named(self, crisis_id)
            for organisation_id in affected_organisations:
                try:
                    find_organisation(self, organisation_id)
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

    def close_incident(self, command: Command, incident_id: UUID, reason: str) -> Recorded[SecurityIncident]:
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

    def get_incident(self, incident_id: UUID) -> SecurityIncident:
        return self.load(SecurityIncident, incident_id, "security incident")

    def security_area(self, member_state: MemberState, admin_code: str) -> SecurityArea | None:
        return find_security_area(self, member_state, admin_code)
