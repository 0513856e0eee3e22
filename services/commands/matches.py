"""Commands on matches: an offer proposed for a request, accepted, confirmed, dispatched, delivered.

Each step saves the match with the offer and the request it draws on, in one transaction, so
neither is ever promised beyond what it has. The offering party proposes, confirms and dispatches;
the requesting state accepts, clears for security and records the delivery.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.matches import Match
from domain.offers import Offer
from domain.requests import AssistanceRequest
from services.commands.core import Command, CommandCore, Recorded
from services.commands.offers import find_offer, offering_party
from services.commands.relief_worker_safety import find_security_area
from services.commands.requests import find_request
from services.identity.access import Owner

Owners = Callable[[Match, AssistanceRequest, Offer], list[Owner]]
Step = Callable[[Match, AssistanceRequest, Offer, Actor], None]


def _requesting_state(match: Match, request: AssistanceRequest, offer: Offer) -> list[Owner]:
    return [Owner(member_state=request.member_state)]


def _offering_party(match: Match, request: AssistanceRequest, offer: Offer) -> list[Owner]:
    return [offering_party(offer)]


def _either_party(match: Match, request: AssistanceRequest, offer: Offer) -> list[Owner]:
    return [Owner(member_state=request.member_state), offering_party(offer)]


class MatchCommands(CommandCore):
    def propose_match(
        self, command: Command, request_id: UUID, offer_id: UUID, quantity: Decimal
    ) -> Recorded[Match]:
        def work() -> list[Aggregate]:
            request, offer = find_request(self, request_id), find_offer(self, offer_id)
            scope = self._authorise(command, "mutation.proposeMatch", offering_party(offer))
            match = Match.propose(request, offer, quantity, today=self.today(), actor=command.actor(scope))
            return [match, offer, request]

        payload = {"request": str(request_id), "offer": str(offer_id), "quantity": str(quantity)}
        return self._retrying(lambda: self._execute(command, "proposeMatch", payload, work))

    def accept_match(self, command: Command, match_id: UUID, *, over_cover: bool = False) -> Recorded[Match]:
        return self._match_step(
            command,
            "acceptMatch",
            match_id,
            {"over_cover": over_cover},
            _requesting_state,
            lambda match, request, offer, actor: match.accept(
                request, offer, over_cover=over_cover, actor=actor
            ),
        )

    def confirm_match(self, command: Command, match_id: UUID) -> Recorded[Match]:
        return self._match_step(
            command,
            "confirmMatch",
            match_id,
            {},
            _offering_party,
            lambda match, request, offer, actor: match.confirm(actor=actor),
        )

    def dispatch_match(self, command: Command, match_id: UUID) -> Recorded[Match]:
        def dispatch(match: Match, request: AssistanceRequest, offer: Offer, actor: Actor) -> None:
            area = find_security_area(self, request.member_state, request.need.admin_code)
            match.dispatch(request, actor=actor, area=area)

        return self._match_step(command, "dispatchMatch", match_id, {}, _offering_party, dispatch)

    def record_delivery(self, command: Command, match_id: UUID, received: Decimal) -> Recorded[Match]:
        return self._match_step(
            command,
            "recordDelivery",
            match_id,
            {"received": str(received)},
            _requesting_state,
            lambda match, request, offer, actor: match.record_delivery(request, received, actor=actor),
        )

    def decline_match(self, command: Command, match_id: UUID, reason: str = "") -> Recorded[Match]:
        return self._match_step(
            command,
            "declineMatch",
            match_id,
            {"reason": reason},
            _either_party,
            lambda match, request, offer, actor: match.decline(request, offer, reason, actor=actor),
        )

    def cancel_match(self, command: Command, match_id: UUID, reason: str = "") -> Recorded[Match]:
        return self._match_step(
            command,
            "cancelMatch",
            match_id,
            {"reason": reason},
            _either_party,
            lambda match, request, offer, actor: match.cancel(request, offer, reason, actor=actor),
        )

    def clear_match_for_security(self, command: Command, match_id: UUID, conditions: str) -> Recorded[Match]:
        """The requesting state clears a match whose area carries a risk, with its conditions."""

        def clear() -> list[Aggregate]:
            match = self.get_match(match_id)
            request = find_request(self, match.request_id)
            scope = self._authorise(
                command, "mutation.clearForSecurity", Owner(member_state=request.member_state)
            )
            area = find_security_area(self, request.member_state, request.need.admin_code)
            match.clear_for_security(request, area, conditions, actor=command.actor(scope))
            return [match]

        payload = {"match": str(match_id), "conditions": conditions}
        return self._retrying(lambda: self._execute(command, "clearForSecurity", payload, clear))

    def get_match(self, match_id: UUID) -> Match:
        return self.load(Match, match_id, "match")

    def _match_step(
        self,
        command: Command,
        operation: str,
        match_id: UUID,
        payload: Mapping[str, Any],
        owners: Owners,
        step: Step,
    ) -> Recorded[Match]:
        def work() -> list[Aggregate]:
            match = self.get_match(match_id)
            request, offer = find_request(self, match.request_id), find_offer(self, match.offer_id)
            scope = self._authorise(command, f"mutation.{operation}", *owners(match, request, offer))
            step(match, request, offer, command.actor(scope))
            return [match, request, offer]

        payload = {"id": str(match_id), **payload}
        return self._retrying(lambda: self._execute(command, operation, payload, work))
