"""The assistance request's object types, which matches, safe havens and the matcher refer to; its
queries are in services.api.schema.requests, its commands in request_mutations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import strawberry

from domain import codes, requests
from domain.requests import AssistanceRequest as RequestAggregate
from projections.assistance_requests import queries as request_queries
from projections.assistance_requests.queries import CommitmentRow, RequestRow
from services.api.loaded import LOADED, Loaded
from services.api.schema.context import Info
from services.api.schema.crises import Crisis
from services.api.schema.history import History, read_history
from services.api.schema.history_types import Actor, FieldChange
from services.api.schema.paging import (
    MAX_PAGE,
    PageInfo,
)
from services.api.schema.risk import RiskLevel, area_risk
from services.api.schema.safe_haven_types import SafeHaven
from services.api.schema.scalars import (
    LogPosition,
    MemberState,
    RequestStatus,
    Sector,
    id_of,
)
from services.identity.access import Owner


@strawberry.type(description="One event in the life of a request: when, who, what changed.")
class RequestChange:
    at: datetime
    version: int
    event: str
    actor: Actor | None
    changes: list[FieldChange]
    policy_owners: strawberry.Private[list[Owner]]


@strawberry.type
class RequestChangeEdge:
    cursor: str
    node: RequestChange


@strawberry.type(description="A page of a request's changes, oldest first (a Relay connection).")
class RequestChangeConnection:
    edges: list[RequestChangeEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="What an accepted match commits to a request, and by whom.")
class Commitment:
    match_id: strawberry.ID
    quantity: Decimal
    organisation_id: strawberry.ID | None
    offering_state: MemberState | None
    dispatched: Decimal
    delivered: Decimal
    received: bool

    @classmethod
    def from_row(cls, row: CommitmentRow) -> Commitment:
        return cls(
            match_id=strawberry.ID(str(row.match_id)),
            quantity=row.quantity,
            organisation_id=strawberry.ID(str(row.organisation_id)) if row.organisation_id else None,
            offering_state=codes.MemberState(row.offering_state) if row.offering_state else None,
            dispatched=row.dispatched,
            delivered=row.delivered,
            received=row.received,
        )


_SAFE_HAVEN = Loaded("safe_haven", "safe_haven_id", SafeHaven.from_row)
_CRISIS = Loaded("crisis", "crisis_id", Crisis.from_row)


@strawberry.type(description="A member state's request for assistance: one need in a crisis.")
class AssistanceRequest:
    id: strawberry.ID
    crisis_id: strawberry.ID
    member_state: MemberState
    sector: Sector
    item: str = strawberry.field(description="code on the shared item list (query items)")
    title: str
    description: str
    quantity: Decimal = strawberry.field(description="requested")
    unit: str = strawberry.field(description="unit of measure of the quantity, e.g. piece, kg")
    committed: Decimal = strawberry.field(description="by accepted matches")
    in_transit: Decimal
    delivered: Decimal
    priority: int = strawberry.field(description="1 (lowest) to 5 (highest)")
    needed_by: date
    admin_code: str = strawberry.field(description="P-code of the admin area (OCHA COD)")
    transport_needed: bool
    escort_needed: bool
    status: RequestStatus
    cancellation_reason: str | None
    version: int = strawberry.field(description="number of events recorded for this request")
    posted_at: datetime
    updated_at: datetime
    safe_haven_id: strawberry.ID | None = strawberry.field(
        default=None, description="the safe haven whose population needs this"
    )

    @strawberry.field(
        description="The safe haven whose population needs this (its location is need-to-know)",
        metadata={LOADED: _SAFE_HAVEN},
    )
    async def safe_haven(self, info: Info) -> SafeHaven | None:
        value: SafeHaven | None = await _SAFE_HAVEN.resolve(self, info)
        return value

    @strawberry.field(description="The risk level of the request's area, from open security incidents")
    async def risk(self, info: Info) -> RiskLevel:
        return await area_risk(info, self.member_state, self.admin_code)

    @strawberry.field(description="What is still to be committed: requested minus committed, at least 0.")
    def gap(self) -> Decimal:
        return open_gap(self.quantity, self.committed)

    @strawberry.field(metadata={LOADED: _CRISIS})
    async def crisis(self, info: Info) -> Crisis | None:
        value: Crisis | None = await _CRISIS.resolve(self, info)
        return value

    @strawberry.field(description="Accepted matches and who made them: what is already claimed.")
    async def commitments(self, info: Info) -> list[Commitment]:
        rows = await info.context.loaders.commitments.load(UUID(self.id))
        return [Commitment.from_row(row) for row in rows]

    @strawberry.field(
        description=(
            "Every change, from the event store, a page at a time: when, who, what. For the "
            "requesting state's coordinators and the secretariat."
        )
    )
    async def history(
        self, info: Info, first: int = MAX_PAGE, after: str | None = None
    ) -> RequestChangeConnection:
        page: RequestChangeConnection = await read_history(
            info,
            REQUEST_HISTORY,
            self.id,
            first,
            after,
            node=RequestChange,
            edge=RequestChangeEdge,
            connection=RequestChangeConnection,
        )
        return page

    @classmethod
    def from_row(cls, row: RequestRow) -> AssistanceRequest:
        return cls(
            id=strawberry.ID(str(row.id)),
            crisis_id=strawberry.ID(str(row.crisis_id)),
            member_state=codes.MemberState(row.member_state),
            sector=codes.Sector(row.sector),
            item=row.item,
            title=row.title,
            description=row.description,
            quantity=row.quantity,
            unit=row.unit,
            committed=row.committed,
            in_transit=row.in_transit,
            delivered=row.delivered,
            priority=row.priority,
            needed_by=row.needed_by,
            admin_code=row.admin_code,
            transport_needed=row.transport_needed,
            escort_needed=row.escort_needed,
            status=requests.RequestStatus(row.status),
            cancellation_reason=row.cancellation_reason,
            version=row.version,
            posted_at=row.posted_at,
            updated_at=row.updated_at,
            safe_haven_id=strawberry.ID(str(row.safe_haven_id)) if row.safe_haven_id else None,
        )

    @classmethod
    def from_aggregate(cls, request: RequestAggregate) -> AssistanceRequest:
        need = request.need
        return cls(
            id=strawberry.ID(str(request.id)),
            crisis_id=strawberry.ID(str(request.crisis_id)),
            member_state=request.member_state,
            sector=need.sector,
            item=need.item,
            title=need.title,
            description=need.description,
            quantity=need.quantity,
            unit=need.unit,
            committed=request.committed,
            in_transit=request.in_transit,
            delivered=request.delivered,
            priority=need.priority,
            needed_by=need.needed_by,
            admin_code=need.admin_code,
            transport_needed=need.transport_needed,
            escort_needed=need.escort_needed,
            status=request.status,
            cancellation_reason=request.cancellation_reason,
            version=request.version,
            posted_at=request.created_on,
            updated_at=request.modified_on,
            safe_haven_id=strawberry.ID(str(request.safe_haven_id)) if request.safe_haven_id else None,
        )


def open_gap(quantity: Decimal, committed: Decimal) -> Decimal:
    """A request's gap: requested minus committed, at least 0."""
    return max(quantity - committed, Decimal(0))


#: Each plain field of AssistanceRequest as ``from_row`` reads it: its column, and what it makes of
#: the column's value (None: the value itself). For the plans that read rows without the objects
#: (services.api.schema.request_rows); ``gap`` is ``open_gap`` of quantity and committed.
ROW_FIELDS: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "id": ("id", id_of),
    "crisisId": ("crisis_id", id_of),
    "memberState": ("member_state", codes.MemberState),
    "sector": ("sector", codes.Sector),
    "item": ("item", None),
    "title": ("title", None),
    "description": ("description", None),
    "quantity": ("quantity", None),
    "unit": ("unit", None),
    "committed": ("committed", None),
    "inTransit": ("in_transit", None),
    "delivered": ("delivered", None),
    "priority": ("priority", None),
    "neededBy": ("needed_by", None),
    "adminCode": ("admin_code", None),
    "transportNeeded": ("transport_needed", None),
    "escortNeeded": ("escort_needed", None),
    "status": ("status", requests.RequestStatus),
    "cancellationReason": ("cancellation_reason", None),
    "version": ("version", None),
    "postedAt": ("posted_at", None),
    "updatedAt": ("updated_at", None),
    "safeHavenId": ("safe_haven_id", lambda value: None if value is None else id_of(value)),
}


REQUEST_HISTORY = History(
    RequestAggregate,
    "assistance request",
    AssistanceRequest.from_aggregate,
    lambda _concord, request: [Owner(member_state=request.member_state)],
)


@strawberry.type
class AssistanceRequestEdge:
    cursor: str
    node: AssistanceRequest


@strawberry.type
class AssistanceRequestConnection:
    edges: list[AssistanceRequestEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class PostRequestPayload:
    request: AssistanceRequest
    position: LogPosition

    @strawberry.field(
        description=(
            "Live requests of the same state, crisis, admin area and item, as the read models "
            "knew them: the same need may have been posted twice."
        )
    )
    async def possible_duplicates(self, info: Info) -> list[AssistanceRequest]:
        request = self.request
        rows = await request_queries.possible_duplicates(
            info.context.runtime.query_engine,
            crisis_id=UUID(request.crisis_id),
            member_state=codes.MemberState(request.member_state).value,
            admin_code=request.admin_code,
            item=request.item,
            excluding=UUID(request.id),
        )
        return [AssistanceRequest.from_row(row) for row in rows]


@strawberry.type
class AmendRequestPayload:
    request: AssistanceRequest
    position: LogPosition


@strawberry.type
class CancelRequestPayload:
    request: AssistanceRequest
    position: LogPosition


@strawberry.type
class LinkRequestPayload:
    request: AssistanceRequest
    position: LogPosition
