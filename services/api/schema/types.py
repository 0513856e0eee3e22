"""Object types of the GraphQL contract."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import strawberry

from domain import codes, requests
from projections.queries import RequestRow
from services.api.schema.scalars import LogPosition, MemberState, RequestStatus, Sector

if TYPE_CHECKING:
    from domain.requests import AssistanceRequest as RequestAggregate


@strawberry.type(description="A member state's request for assistance: one need.")
class AssistanceRequest:
    id: strawberry.ID
    member_state: MemberState
    sector: Sector
    title: str
    description: str
    quantity: Decimal
    unit: str = strawberry.field(description="unit of measure of the quantity, e.g. piece, kg")
    priority: int = strawberry.field(description="1 (lowest) to 5 (highest)")
    needed_by: date
    admin_code: str = strawberry.field(description="P-code of the admin area (OCHA COD)")
    status: RequestStatus
    cancellation_reason: str | None
    version: int = strawberry.field(description="number of events recorded for this request")
    posted_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: RequestRow) -> AssistanceRequest:
        return cls(
            id=strawberry.ID(str(row.id)),
            member_state=codes.MemberState(row.member_state),
            sector=codes.Sector(row.sector),
            title=row.title,
            description=row.description,
            quantity=row.quantity,
            unit=row.unit,
            priority=row.priority,
            needed_by=row.needed_by,
            admin_code=row.admin_code,
            status=requests.RequestStatus(row.status),
            cancellation_reason=row.cancellation_reason,
            version=row.version,
            posted_at=row.posted_at,
            updated_at=row.updated_at,
        )

    @classmethod
    def from_aggregate(cls, request: RequestAggregate) -> AssistanceRequest:
        need = request.need
        return cls(
            id=strawberry.ID(str(request.id)),
            member_state=request.member_state,
            sector=need.sector,
            title=need.title,
            description=need.description,
            quantity=need.quantity,
            unit=need.unit,
            priority=need.priority,
            needed_by=need.needed_by,
            admin_code=need.admin_code,
            status=request.status,
            cancellation_reason=request.cancellation_reason,
            version=request.version,
            posted_at=request.created_on,
            updated_at=request.modified_on,
        )


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


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


@strawberry.type
class AmendRequestPayload:
    request: AssistanceRequest
    position: LogPosition


@strawberry.type
class CancelRequestPayload:
    request: AssistanceRequest
    position: LogPosition
