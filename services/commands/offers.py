"""Commands on offers: a donor's organisation, or a member state's coordinators, offer help.

The offering party (``offering_party``) is whoever offered: it withdraws the offer, and it
proposes, confirms and dispatches the matches that draw on it.
"""

from __future__ import annotations

import dataclasses
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.access import Role
from domain.offers import Offer, Terms
from services.commands.core import Command, CommandCore, Recorded
from services.commands.crises import open_crisis_named
from services.identity.access import Owner


def find_offer(core: CommandCore, offer_id: UUID) -> Offer:
    return core.load(Offer, offer_id, "offer")


def offering_party(offer: Offer) -> Owner:
    organisation = UUID(offer.organisation_id) if offer.organisation_id else None
    return Owner(member_state=offer.offering_state, organisation_id=organisation)


class OfferCommands(CommandCore):
    def post_offer(self, command: Command, crisis_id: UUID, terms: Terms) -> Recorded[Offer]:
        """The caller's organisation (a donor) or member state (a coordinator) offers."""
        principal = command.principal
        by_state = principal.member_state if principal.role is Role.COORDINATOR else None
        by_organisation = principal.organisation_id if principal.role is Role.DONOR else None
        scope = self._authorise(command, "mutation.postOffer", Owner(by_state, by_organisation))

        def post() -> list[Aggregate]:
            open_crisis_named(self, crisis_id)
            offer = Offer.post(
                crisis_id,
                terms,
                organisation_id=by_organisation,
                offering_state=by_state,
                today=self.today(),
                actor=command.actor(scope),
            )
            return [offer]

        payload = {"crisis": str(crisis_id), **dataclasses.asdict(terms)}
        payload["serves"] = sorted(s.value for s in terms.serves)
        return self._execute(command, "postOffer", payload, post)

    def withdraw_offer(self, command: Command, offer_id: UUID, reason: str) -> Recorded[Offer]:
        return self._change(
            command,
            "withdrawOffer",
            lambda: self.get_offer(offer_id),
            {"id": str(offer_id), "reason": reason},
            lambda offer, actor: offer.withdraw(reason, actor=actor),
            owner=lambda offer: [offering_party(offer)],
        )

    def get_offer(self, offer_id: UUID) -> Offer:
        return find_offer(self, offer_id)
