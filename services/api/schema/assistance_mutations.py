"""Mutations of the assistance lifecycle: crises, offers and matches."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from domain import codes, crises, matches, offers
from domain.offers import Terms
from services.api.schema.context import Info
from services.api.schema.mutations import IDEMPOTENCY_KEY
from services.api.schema.scalars import (
    CrisisPhase,
    DeliveryMode,
    LogPosition,
    MemberState,
    Sector,
    parse_id,
)
from services.api.schema.types import Crisis, CrisisPayload, Match, MatchPayload, Offer, OfferPayload
from services.coordination import Recorded


@strawberry.input
class OpenCrisisInput:
    name: str
    affected_states: list[MemberState]
    start_date: date
    phase: CrisisPhase = CrisisPhase.ACTIVE_RESPONSE
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class ChangeCrisisPhaseInput:
    id: strawberry.ID
    phase: CrisisPhase
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class CloseCrisisInput:
    id: strawberry.ID
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input(description="Offered by the caller's organisation (donor) or member state (coordinator).")
class PostOfferInput:
    crisis_id: strawberry.ID
    sector: Sector
    item: str
    quantity: Decimal
    unit: str
    available_from: date
    available_until: date
    serves: list[MemberState]
    delivery_mode: DeliveryMode
    standby_capacity: str | None = None
    description: str = ""
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class WithdrawOfferInput:
    id: strawberry.ID
    reason: str = ""
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class ProposeMatchInput:
    request_id: strawberry.ID
    offer_id: strawberry.ID
    quantity: Decimal
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class AcceptMatchInput:
    id: strawberry.ID
    over_cover: bool = strawberry.field(
        default=False, description="accept committing more than was requested"
    )
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class MatchStepInput:
    id: strawberry.ID
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class RecordDeliveryInput:
    id: strawberry.ID
    quantity_received: Decimal
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class EndMatchInput:
    id: strawberry.ID
    reason: str = ""
    idempotency_key: str | None = IDEMPOTENCY_KEY


def _crisis(recorded: Recorded[crises.Crisis]) -> CrisisPayload:
    return CrisisPayload(
        crisis=Crisis.from_aggregate(recorded.aggregate), position=LogPosition(recorded.position)
    )


def _offer(recorded: Recorded[offers.Offer]) -> OfferPayload:
    return OfferPayload(
        offer=Offer.from_aggregate(recorded.aggregate), position=LogPosition(recorded.position)
    )


def _match(recorded: Recorded[matches.Match]) -> MatchPayload:
    return MatchPayload(
        match=Match.from_aggregate(recorded.aggregate), position=LogPosition(recorded.position)
    )


@strawberry.type
class AssistanceMutation:
    @strawberry.mutation(description="Open a crisis (secretariat).")
    async def open_crisis(self, info: Info, input: OpenCrisisInput) -> CrisisPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.open_crisis,
            c.command(input.idempotency_key),
            input.name,
            [codes.MemberState(s) for s in input.affected_states],
            input.start_date,
            crises.CrisisPhase(input.phase),
        )
        return _crisis(recorded)

    @strawberry.mutation(description="Move a crisis to another phase (secretariat).")
    async def change_crisis_phase(self, info: Info, input: ChangeCrisisPhaseInput) -> CrisisPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.change_crisis_phase,
            c.command(input.idempotency_key),
            parse_id(input.id),
            crises.CrisisPhase(input.phase),
        )
        return _crisis(recorded)

    @strawberry.mutation(description="Close a crisis: no new requests or offers (secretariat).")
    async def close_crisis(self, info: Info, input: CloseCrisisInput) -> CrisisPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.change_crisis_phase,
            c.command(input.idempotency_key),
            parse_id(input.id),
            crises.CrisisPhase.CLOSED,
        )
        return _crisis(recorded)

    @strawberry.mutation(description="Offer assistance into a crisis.")
    async def post_offer(self, info: Info, input: PostOfferInput) -> OfferPayload:
        terms = Terms(
            sector=codes.Sector(input.sector),
            item=input.item,
            quantity=input.quantity,
            unit=input.unit,
            available_from=input.available_from,
            available_until=input.available_until,
            serves=frozenset(codes.MemberState(s) for s in input.serves),
            delivery_mode=offers.DeliveryMode(input.delivery_mode),
            standby_capacity=input.standby_capacity,
            description=input.description,
        )
        c = info.context
        recorded = await c.run(
            c.runtime.concord.post_offer,
            c.command(input.idempotency_key),
            parse_id(input.crisis_id, "crisisId"),
            terms,
        )
        return _offer(recorded)

    @strawberry.mutation(description="Withdraw an offer: no new matches; those made go on.")
    async def withdraw_offer(self, info: Info, input: WithdrawOfferInput) -> OfferPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.withdraw_offer,
            c.command(input.idempotency_key),
            parse_id(input.id),
            input.reason,
        )
        return _offer(recorded)

    @strawberry.mutation(description="Allocate a quantity of an offer to a request (CONFLICT if it is gone).")
    async def propose_match(self, info: Info, input: ProposeMatchInput) -> MatchPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.propose_match,
            c.command(input.idempotency_key),
            parse_id(input.request_id, "requestId"),
            parse_id(input.offer_id, "offerId"),
            input.quantity,
        )
        return _match(recorded)

    @strawberry.mutation(description="The requesting state accepts a match: it becomes committed.")
    async def accept_match(self, info: Info, input: AcceptMatchInput) -> MatchPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.accept_match,
            c.command(input.idempotency_key),
            parse_id(input.id),
            over_cover=input.over_cover,
        )
        return _match(recorded)

    @strawberry.mutation(description="The offering party confirms it will deliver.")
    async def confirm_match(self, info: Info, input: MatchStepInput) -> MatchPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.confirm_match, c.command(input.idempotency_key), parse_id(input.id)
        )
        return _match(recorded)

    @strawberry.mutation(description="The offering party has sent it.")
    async def dispatch_match(self, info: Info, input: MatchStepInput) -> MatchPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.dispatch_match, c.command(input.idempotency_key), parse_id(input.id)
        )
        return _match(recorded)

    @strawberry.mutation(description="The requesting state records what arrived (never more than was sent).")
    async def record_delivery(self, info: Info, input: RecordDeliveryInput) -> MatchPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.record_delivery,
            c.command(input.idempotency_key),
            parse_id(input.id),
            input.quantity_received,
        )
        return _match(recorded)

    @strawberry.mutation(
        description="Either party declines a match before dispatch; the quantities are released."
    )
    async def decline_match(self, info: Info, input: EndMatchInput) -> MatchPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.decline_match,
            c.command(input.idempotency_key),
            parse_id(input.id),
            input.reason,
        )
        return _match(recorded)

    @strawberry.mutation(description="Cancel a match before dispatch (a party or the secretariat).")
    async def cancel_match(self, info: Info, input: EndMatchInput) -> MatchPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.cancel_match, c.command(input.idempotency_key), parse_id(input.id), input.reason
        )
        return _match(recorded)
