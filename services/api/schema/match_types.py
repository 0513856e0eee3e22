"""A match's object types and its history, which the matcher's types refer to. The commands and
queries are in services.api.schema.matches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

import strawberry

from domain import codes, matches
from domain.matches import Match as MatchAggregate
from projections.matches.queries import MatchRow
from services.api.loaded import LOADED, Loaded
from services.api.schema.context import Info
from services.api.schema.history import HISTORY, History, read_history
from services.api.schema.history_types import ChangeConnection
from services.api.schema.offer_types import Offer
from services.api.schema.paging import (
    MAX_PAGE,
    PageInfo,
)
from services.api.schema.request_types import AssistanceRequest
from services.api.schema.risk import RiskLevel, area_risk
from services.api.schema.scalars import (
    LogPosition,
    MatchStatus,
    id_of,
)
from services.commands.offers import offering_party
from services.identity.access import Owner

if TYPE_CHECKING:
    from services.coordination import Concord


_REQUEST = Loaded("request", "request_id", AssistanceRequest.from_row)
_OFFER = Loaded("offer", "offer_id", Offer.from_row)


@strawberry.type(description="A quantity of an offer allocated to a request, followed to delivery.")
class Match:
    id: strawberry.ID
    crisis_id: strawberry.ID
    request_id: strawberry.ID
    offer_id: strawberry.ID
    quantity: Decimal
    unit: str
    status: MatchStatus
    over_cover: bool
    dispatched: Decimal | None
    received: Decimal | None
    reason: str | None
    proposed_by: str
    proposed_at: datetime
    updated_at: datetime

    @strawberry.field(metadata={LOADED: _REQUEST})
    async def request(self, info: Info) -> AssistanceRequest | None:
        value: AssistanceRequest | None = await _REQUEST.resolve(self, info)
        return value

    @strawberry.field(metadata={LOADED: _OFFER})
    async def offer(self, info: Info) -> Offer | None:
        value: Offer | None = await _OFFER.resolve(self, info)
        return value

    @strawberry.field(
        description="The risk level where it is delivered; at EXTREME dispatch needs a security clearance"
    )
    async def risk(self, info: Info) -> RiskLevel | None:
        row = await info.context.loaders.request.load(UUID(self.request_id))
        if row is None:
            return None
        return await area_risk(info, codes.MemberState(row.member_state), row.admin_code)

    @strawberry.field(description=HISTORY)
    async def history(self, info: Info, first: int = MAX_PAGE, after: str | None = None) -> ChangeConnection:
        page: ChangeConnection = await read_history(info, MATCH_HISTORY, self.id, first, after)
        return page

    @classmethod
    def from_row(cls, row: MatchRow) -> Match:
        return cls(
            id=strawberry.ID(str(row.id)),
            crisis_id=strawberry.ID(str(row.crisis_id)),
            request_id=strawberry.ID(str(row.request_id)),
            offer_id=strawberry.ID(str(row.offer_id)),
            quantity=row.quantity,
            unit=row.unit,
            status=matches.MatchStatus(row.status),
            over_cover=row.over_cover,
            dispatched=row.dispatched,
            received=row.received,
            reason=row.reason,
            proposed_by=row.proposed_by,
            proposed_at=row.proposed_at,
            updated_at=row.updated_at,
        )

    @classmethod
    def from_aggregate(cls, match: MatchAggregate) -> Match:
        return cls(
            id=strawberry.ID(str(match.id)),
            crisis_id=strawberry.ID(str(match.crisis_id)),
            request_id=strawberry.ID(str(match.request_id)),
            offer_id=strawberry.ID(str(match.offer_id)),
            quantity=match.quantity,
            unit=match.unit,
            status=match.status,
            over_cover=match.over_cover,
            dispatched=match.dispatched,
            received=match.received,
            reason=match.reason,
            proposed_by=match.proposed_by.principal,
            proposed_at=match.created_on,
            updated_at=match.modified_on,
        )


#: Each plain field of Match as ``from_row`` reads it: its column, and what it makes of the column's
#: value (None: the value itself). For the plan that reads rows without the objects
#: (services.api.schema.match_rows).
ROW_FIELDS: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "id": ("id", id_of),
    "crisisId": ("crisis_id", id_of),
    "requestId": ("request_id", id_of),
    "offerId": ("offer_id", id_of),
    "quantity": ("quantity", None),
    "unit": ("unit", None),
    "status": ("status", matches.MatchStatus),
    "overCover": ("over_cover", None),
    "dispatched": ("dispatched", None),
    "received": ("received", None),
    "reason": ("reason", None),
    "proposedBy": ("proposed_by", None),
    "proposedAt": ("proposed_at", None),
    "updatedAt": ("updated_at", None),
}


def _match_owners(concord: Concord, match: MatchAggregate) -> list[Owner]:
    """The requesting state and the offering party, as the match's own commands are decided."""
    request, offer = concord.get_request(match.request_id), concord.get_offer(match.offer_id)
    return [Owner(member_state=request.member_state), offering_party(offer)]


MATCH_HISTORY = History(MatchAggregate, "match", Match.from_aggregate, _match_owners)


@strawberry.type
class MatchPayload:
    match: Match
    position: LogPosition


@strawberry.type
class MatchEdge:
    cursor: str
    node: Match


@strawberry.type
class MatchConnection:
    edges: list[MatchEdge]
    page_info: PageInfo
    total_count: int
