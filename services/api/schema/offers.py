"""Offers of assistance over GraphQL, from donor organisations and member states: the queries and the
commands. The object types, which other concepts refer to, are in offer_types."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from domain import codes, offers
from domain.offers import Terms
from projections.offers import queries as offer_queries
from services.api.schema import history
from services.api.schema.context import Info
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.offer_types import OFFER_HISTORY, Offer, OfferConnection, OfferEdge, OfferPayload
from services.api.schema.paging import (
    check_first,
    decode_cursor,
    encode_cursor,
    page_info,
)
from services.api.schema.scalars import (
    DeliveryMode,
    LogPosition,
    MemberState,
    Sector,
    parse_id,
)
from services.coordination import Recorded
from services.errors import NotFound


@strawberry.input
class OfferFilter:
    crisis: list[strawberry.ID] | None = None
    sector: list[Sector] | None = None
    item: list[str] | None = None
    organisation: list[strawberry.ID] | None = None
    serving: MemberState | None = strawberry.field(default=None, description="can serve this state")
    available: bool = strawberry.field(
        default=False, description="only offers open for matching today: not withdrawn nor expired"
    )


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


def _offer(recorded: Recorded[offers.Offer]) -> OfferPayload:
    return OfferPayload(
        offer=Offer.from_aggregate(recorded.aggregate), position=LogPosition(recorded.position)
    )


@strawberry.type
class OfferQuery:
    @strawberry.field(description="Offers, newest first.")
    async def offers(
        self, info: Info, filter: OfferFilter | None = None, first: int = 20, after: str | None = None
    ) -> OfferConnection:
        check_first(first)
        f = filter or OfferFilter()
        where = offer_queries.OfferFilter(
            crisis_ids=tuple(parse_id(c, "crisis") for c in f.crisis or ()),
            sectors=tuple(codes.Sector(s).value for s in f.sector or ()),
            items=tuple(f.item or ()),
            organisation_ids=tuple(parse_id(o, "organisation") for o in f.organisation or ()),
            serving=codes.MemberState(f.serving).value if f.serving else None,
            available_on=info.context.runtime.concord.today() if f.available else None,
        )
        rows, has_next, total = await offer_queries.list_offers(
            info.context.runtime.query_engine,
            where,
            first=first,
            after=decode_cursor(after) if after else None,
        )
        edges = [OfferEdge(cursor=encode_cursor(r.posted_position), node=Offer.from_row(r)) for r in rows]
        return OfferConnection(
            edges=edges, page_info=page_info(edges, has_next=has_next, after=after), total_count=total
        )

    @strawberry.field(description=history.one("offer"))
    async def offer(self, info: Info, id: strawberry.ID, as_of: datetime | None = None) -> Offer | None:
        offer_id = parse_id(id)
        if as_of is not None:
            return await history.as_of(info, OFFER_HISTORY, offer_id, as_of)
        row = await info.context.loaders.offer.load(offer_id)
        if row is None:
            raise NotFound("offer", offer_id)
        return Offer.from_row(row)


@strawberry.type
class OfferMutation:
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
