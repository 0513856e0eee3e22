"""Offers of assistance over GraphQL, from donor organisations and member states."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import strawberry

from domain import codes, offers
from domain.offers import Offer as OfferAggregate
from domain.offers import Terms, offer_status
from projections.offers import queries as offer_queries
from projections.offers.queries import OfferRow
from services.api.schema import history
from services.api.schema.context import Info
from services.api.schema.crises import Crisis
from services.api.schema.history import (
    HISTORY,
    ChangeConnection,
    History,
    read_history,
)
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.organisations import Organisation
from services.api.schema.paging import (
    MAX_PAGE,
    PageInfo,
    check_first,
    decode_cursor,
    encode_cursor,
    page_info,
)
from services.api.schema.scalars import (
    DeliveryMode,
    LogPosition,
    MemberState,
    OfferStatus,
    Sector,
    parse_id,
)
from services.commands.offers import offering_party
from services.coordination import Recorded
from services.errors import NotFound


@strawberry.type(description="An offer of assistance from a donor organisation or a member state.")
class Offer:
    id: strawberry.ID
    crisis_id: strawberry.ID
    organisation_id: strawberry.ID | None
    offering_state: MemberState | None
    sector: Sector
    item: str
    quantity: Decimal
    allocated: Decimal
    unit: str
    available_from: date
    available_until: date
    serves: list[MemberState]
    delivery_mode: DeliveryMode
    standby_capacity: str | None = strawberry.field(
        description="pre-registered, reusable capacity (e.g. an emergency medical team)"
    )
    description: str
    withdrawn: bool
    posted_at: datetime

    @strawberry.field
    def remaining(self) -> Decimal:
        return self.quantity - self.allocated

    @strawberry.field(description="Derived: expired once its window has ended.")
    def status(self, info: Info) -> OfferStatus:
        today = info.context.runtime.concord.today()
        return offer_status(
            withdrawn=self.withdrawn,
            expired=today > self.available_until,
            quantity=self.quantity,
            allocated=self.allocated,
        )

    @strawberry.field
    async def organisation(self, info: Info) -> Organisation | None:
        if self.organisation_id is None:
            return None
        row = await info.context.loaders.organisation.load(UUID(self.organisation_id))
        return Organisation.from_row(row) if row else None

    @strawberry.field
    async def crisis(self, info: Info) -> Crisis | None:
        row = await info.context.loaders.crisis.load(UUID(self.crisis_id))
        return Crisis.from_row(row) if row else None

    @strawberry.field(description=HISTORY)
    async def history(self, info: Info, first: int = MAX_PAGE, after: str | None = None) -> ChangeConnection:
        page: ChangeConnection = await read_history(info, OFFER_HISTORY, self.id, first, after)
        return page

    @classmethod
    def from_row(cls, row: OfferRow) -> Offer:
        return cls(
            id=strawberry.ID(str(row.id)),
            crisis_id=strawberry.ID(str(row.crisis_id)),
            organisation_id=strawberry.ID(str(row.organisation_id)) if row.organisation_id else None,
            offering_state=codes.MemberState(row.offering_state) if row.offering_state else None,
            sector=codes.Sector(row.sector),
            item=row.item,
            quantity=row.quantity,
            allocated=row.allocated,
            unit=row.unit,
            available_from=row.available_from,
            available_until=row.available_until,
            serves=[codes.MemberState(s) for s in row.serves.split(",") if s],
            delivery_mode=offers.DeliveryMode(row.delivery_mode),
            standby_capacity=row.standby_capacity,
            description=row.description,
            withdrawn=row.withdrawn,
            posted_at=row.posted_at,
        )

    @classmethod
    def from_aggregate(cls, offer: OfferAggregate) -> Offer:
        terms = offer.terms
        return cls(
            id=strawberry.ID(str(offer.id)),
            crisis_id=strawberry.ID(str(offer.crisis_id)),
            organisation_id=strawberry.ID(offer.organisation_id) if offer.organisation_id else None,
            offering_state=offer.offering_state,
            sector=terms.sector,
            item=terms.item,
            quantity=terms.quantity,
            allocated=offer.allocated,
            unit=terms.unit,
            available_from=terms.available_from,
            available_until=terms.available_until,
            serves=sorted(terms.serves, key=lambda s: s.value),
            delivery_mode=terms.delivery_mode,
            standby_capacity=terms.standby_capacity,
            description=terms.description,
            withdrawn=offer.withdrawn,
            posted_at=offer.created_on,
        )


OFFER_HISTORY = History(
    OfferAggregate, "offer", Offer.from_aggregate, lambda _concord, offer: [offering_party(offer)]
)


@strawberry.type
class OfferPayload:
    offer: Offer
    position: LogPosition


@strawberry.type
class OfferEdge:
    cursor: str
    node: Offer


@strawberry.type
class OfferConnection:
    edges: list[OfferEdge]
    page_info: PageInfo
    total_count: int


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
