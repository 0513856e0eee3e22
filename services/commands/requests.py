"""Commands on assistance requests: a member state's coordinators post, amend and cancel their needs.

A request may be linked to the safe haven it serves; its history is read by its state and the
secretariat, page by page or as it stood at a moment.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState
from domain.requests import AssistanceRequest, Need
from services.commands.core import Command, CommandCore, HistoryPage, Recorded
from services.commands.crises import open_crisis_named
from services.commands.safe_havens import safe_haven_named
from services.identity.access import Owner, Principal, authorise


def find_request(core: CommandCore, request_id: UUID) -> AssistanceRequest:
    return core.load(AssistanceRequest, request_id, "assistance request")


class RequestCommands(CommandCore):
    def post_request(
        self,
        command: Command,
        crisis_id: UUID,
        member_state: MemberState,
        need: Need,
        safe_haven_id: UUID | None = None,
    ) -> Recorded[AssistanceRequest]:
        scope = self._authorise(command, "mutation.postRequest", Owner(member_state=member_state))

        def post() -> list[Aggregate]:
            open_crisis_named(self, crisis_id)
            actor = command.actor(scope)
            request = AssistanceRequest.post(crisis_id, member_state, need, today=self.today(), actor=actor)
            if safe_haven_id is not None:
                haven = safe_haven_named(self, safe_haven_id, "safeHavenId")
                assert haven is not None
                request.link_to_safe_haven(haven.id, haven.member_state, haven.crisis_id, actor=actor)
            return [request]

        payload = {"crisis": str(crisis_id), "member_state": member_state.value, **_fields_of(need)}
        if safe_haven_id is not None:
            payload["safe_haven"] = str(safe_haven_id)
        return self._execute(command, "postRequest", payload, post)

    def amend_request(
        self, command: Command, request_id: UUID, **changes: Any
    ) -> Recorded[AssistanceRequest]:
        """Change some terms of a request; the terms not named stay as they are."""

        def amend(request: AssistanceRequest, actor: Actor) -> None:
            need = dataclasses.replace(request.need, **changes)
            request.amend(need, today=self.today(), actor=actor)

        payload = {"id": str(request_id), **{k: str(v) for k, v in changes.items()}}
        return self._change_request(command, "amendRequest", request_id, payload, amend)

    def cancel_request(
        self, command: Command, request_id: UUID, reason: str = ""
    ) -> Recorded[AssistanceRequest]:
        payload = {"id": str(request_id), "reason": reason}
        return self._change_request(
            command,
            "cancelRequest",
            request_id,
            payload,
            lambda request, actor: request.cancel(reason, actor=actor),
        )

    def link_request_to_safe_haven(
        self, command: Command, request_id: UUID, safe_haven_id: UUID
    ) -> Recorded[AssistanceRequest]:
        def link(request: AssistanceRequest, actor: Actor) -> None:
            haven = safe_haven_named(self, safe_haven_id, "safeHavenId")
            assert haven is not None
            request.link_to_safe_haven(haven.id, haven.member_state, haven.crisis_id, actor=actor)

        payload = {"id": str(request_id), "safe_haven": str(safe_haven_id)}
        return self._change_request(command, "linkRequestToSafeHaven", request_id, payload, link)

    def get_request(self, request_id: UUID) -> AssistanceRequest:
        return find_request(self, request_id)

    def request_as_of(self, request_id: UUID, moment: datetime) -> AssistanceRequest:
        return self.as_of(AssistanceRequest, "assistance request", request_id, moment)

    def request_history(
        self, principal: Principal, request_id: UUID, *, after: int = 0, limit: int | None = None
    ) -> HistoryPage[AssistanceRequest]:
        """Up to ``limit`` of the request's events after version ``after``; for the requesting
        state's coordinators and the secretariat."""
        request = self.get_request(request_id)
        authorise(principal, "AssistanceRequest.history", Owner(member_state=request.member_state))
        kind, name = AssistanceRequest, "assistance request"
        return self.history_page(kind, name, request_id, after=after, limit=limit)

    def _change_request(
        self,
        command: Command,
        operation: str,
        request_id: UUID,
        payload: Mapping[str, Any],
        change: Callable[[AssistanceRequest, Actor], None],
    ) -> Recorded[AssistanceRequest]:
        return self._change(
            command,
            operation,
            lambda: self.get_request(request_id),
            payload,
            change,
            owner=lambda request: [Owner(member_state=request.member_state)],
        )


def _fields_of(value: Any) -> dict[str, Any]:
    """A dataclass's fields by name, as ``dataclasses.asdict`` gives them for flat values but
    without deep-copying each one (this runs for every request posted)."""
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
