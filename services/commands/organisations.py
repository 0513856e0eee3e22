"""Commands on organisations: the secretariat registers, suspends and reinstates them.

A suspended organisation's own credentials stop working for commands (``CommandCore``'s check),
and it can no longer be named to implement a project.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState
from domain.organisations import Organisation, OrganisationType
from services.commands.core import Command, CommandCore, Recorded


def find_organisation(core: CommandCore, organisation_id: UUID) -> Organisation:
    return core.load(Organisation, organisation_id, "organisation")


class OrganisationCommands(CommandCore):
    def register_organisation(
        self,
        command: Command,
        name: str,
        organisation_type: OrganisationType,
        *,
        hxl_name: str = "",
        member_state: MemberState | None = None,
        iati_identifier: str = "",
    ) -> Recorded[Organisation]:
        scope = self._authorise(command, "mutation.registerOrganisation")

        def register() -> list[Aggregate]:
            return [
                Organisation.register(
                    name,
                    organisation_type,
                    hxl_name=hxl_name,
                    member_state=member_state,
                    iati_identifier=iati_identifier,
                    actor=command.actor(scope),
                )
            ]

        payload = {
            "name": name,
            "type": organisation_type.value,
            "hxl_name": hxl_name,
            "member_state": member_state.value if member_state else None,
            "iati_identifier": iati_identifier,
        }
        return self._execute(command, "registerOrganisation", payload, register)

    def suspend_organisation(
        self, command: Command, organisation_id: UUID, reason: str
    ) -> Recorded[Organisation]:
        return self._change_organisation(
            command,
            "suspendOrganisation",
            organisation_id,
            {"reason": reason},
            lambda organisation, actor: organisation.suspend(reason, actor=actor),
        )

    def reinstate_organisation(self, command: Command, organisation_id: UUID) -> Recorded[Organisation]:
        return self._change_organisation(
            command,
            "reinstateOrganisation",
            organisation_id,
            {},
            lambda organisation, actor: organisation.reinstate(actor=actor),
        )

    def get_organisation(self, organisation_id: UUID) -> Organisation:
        return find_organisation(self, organisation_id)

    def _change_organisation(
        self,
        command: Command,
        operation: str,
        organisation_id: UUID,
        payload: Mapping[str, Any],
        change: Callable[[Organisation, Actor], None],
    ) -> Recorded[Organisation]:
        return self._change(
            command,
            operation,
            lambda: self.get_organisation(organisation_id),
            {"id": str(organisation_id), **payload},
            change,
        )
