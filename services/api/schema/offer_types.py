"""An offer's object types, which matches, allocation rounds and the matcher refer to; its queries
and commands are in services.api.schema.offers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import strawberry

from domain import codes, offers
from domain.offers import Offer as OfferAggregate
from domain.offers import offer_status
from projections.offers.queries import OfferRow
from services.api.loaded import LOADED, Loaded
from services.api.schema.context import Info
from services.api.schema.crises import Crisis
from services.api.schema.history import HISTORY, History, read_history
from services.api.schema.history_types import ChangeConnection
from services.api.schema.organisations import Organisation
from services.api.schema.paging import (
    MAX_PAGE,
    PageInfo,
)
from services.api.schema.scalars import (
    DeliveryMode,
    LogPosition,
    MemberState,
    OfferStatus,
    Sector,
    id_of,
)
from services.commands.offers import offering_party

_ORGANISATION = Loaded("organisation", "organisation_id", Organisation.from_row)
_CRISIS = Loaded("crisis", "crisis_id", Crisis.from_row)


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

    @strawberry.field(metadata={LOADED: _ORGANISATION})
    async def organisation(self, info: Info) -> Organisation | None:
        value: Organisation | None = await _ORGANISATION.resolve(self, info)
        return value

    @strawberry.field(metadata={LOADED: _CRISIS})
    async def crisis(self, info: Info) -> Crisis | None:
        value: Crisis | None = await _CRISIS.resolve(self, info)
        return value

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
            serves=list(_served(row.serves)),
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


#: Each plain field of Offer as ``from_row`` reads it: its column, and what it makes of the column's
#: value (None: the value itself). For the plan that reads rows without the objects
#: (services.api.schema.match_rows); ``remaining`` is quantity less allocated.
ROW_FIELDS: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "id": ("id", id_of),
    "crisisId": ("crisis_id", id_of),
    "organisationId": ("organisation_id", lambda value: id_of(value) if value else None),
    "offeringState": ("offering_state", lambda value: codes.MemberState(value) if value else None),
    "sector": ("sector", codes.Sector),
    "item": ("item", None),
    "quantity": ("quantity", None),
    "allocated": ("allocated", None),
    "unit": ("unit", None),
    "availableFrom": ("available_from", None),
    "availableUntil": ("available_until", None),
    "deliveryMode": ("delivery_mode", offers.DeliveryMode),
    "standbyCapacity": ("standby_capacity", None),
    "description": ("description", None),
    "withdrawn": ("withdrawn", None),
    "postedAt": ("posted_at", None),
}


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


@cache
def _served(serves: str) -> tuple[codes.MemberState, ...]:
    """The states an offer serves, from their comma-separated codes: a few hundred combinations,
    each read on every page of offers."""
    return tuple(codes.MemberState(s) for s in serves.split(",") if s)
