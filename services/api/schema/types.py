"""Object types of the GraphQL contract."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import strawberry

from domain import codes, requests
from domain.access import Actor as ActorRecord
from domain.organisations import Organisation as OrganisationAggregate
from domain.requests import AssistanceRequest as RequestAggregate
from projections.queries import OrganisationRow, RequestRow
from services.api.schema.context import Info
from services.api.schema.scalars import (
    LogPosition,
    MemberState,
    OrganisationType,
    RequestStatus,
    Role,
    Sector,
)


@strawberry.type(description="Who made a change: audit metadata recorded with every event.")
class Actor:
    principal: str
    role: str
    scope: str
    member_state: str | None
    organisation_id: str | None
    correlation_id: str | None
    idempotency_key: str | None

    @classmethod
    def of(cls, actor: ActorRecord) -> Actor:
        return cls(
            principal=actor.principal,
            role=actor.role,
            scope=actor.scope,
            member_state=actor.member_state,
            organisation_id=actor.organisation_id,
            correlation_id=actor.correlation_id,
            idempotency_key=actor.idempotency_key,
        )


@strawberry.type
class FieldChange:
    field: str
    before: str | None
    after: str | None


@strawberry.type(description="One event in the life of a request: when, who, what changed.")
class RequestChange:
    at: datetime
    version: int
    event: str
    actor: Actor | None
    changes: list[FieldChange]


_TERMS = ("sector", "title", "description", "quantity", "unit", "priority", "needed_by", "admin_code")


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    return [
        FieldChange(field=_camel(name), before=_text(before.get(name)), after=_text(after.get(name)))
        for name in after
        if before.get(name) != after.get(name)
    ]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def history_of(events: list[Any]) -> list[RequestChange]:
    """The events of one request as changes of its terms and status."""
    changes = []
    terms: dict[str, Any] = {}
    for event in events:
        now = dict(terms)
        if isinstance(event, RequestAggregate.Posted | RequestAggregate.Amended):
            now.update({name: getattr(event, name) for name in _TERMS})
            if isinstance(event, RequestAggregate.Posted):
                now["member_state"] = event.member_state
                now["status"] = requests.RequestStatus.OPEN.value
        elif isinstance(event, RequestAggregate.Cancelled):
            now["status"] = requests.RequestStatus.CANCELLED.value
            now["cancellation_reason"] = event.reason
        actor = getattr(event, "actor", None)
        changes.append(
            RequestChange(
                at=event.timestamp,
                version=event.originator_version,
                event=type(event).__name__,
                actor=Actor.of(actor) if isinstance(actor, ActorRecord) else None,
                changes=_changes(terms, now),
            )
        )
        terms = now
    return changes


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

    @strawberry.field(
        description=(
            "Every change, from the event store: when, who, what. For the requesting state's "
            "coordinators and the secretariat."
        )
    )
    async def history(self, info: Info) -> list[RequestChange]:
        context = info.context
        concord = context.runtime.concord
        events = await context.run(concord.request_history, context.principal, UUID(self.id))
        return history_of(events)

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


@strawberry.type(description="An organisation that gives or coordinates assistance.")
class Organisation:
    id: strawberry.ID
    name: str
    type: OrganisationType
    hxl_name: str = strawberry.field(description="its name as HXL #org")
    member_state: MemberState | None = strawberry.field(
        description="for a member-state government, which state"
    )
    suspended: bool
    registered_at: datetime

    @classmethod
    def from_row(cls, row: OrganisationRow) -> Organisation:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            type=OrganisationType(row.organisation_type),
            hxl_name=row.hxl_name,
            member_state=codes.MemberState(row.member_state) if row.member_state else None,
            suspended=row.suspended,
            registered_at=row.registered_at,
        )

    @classmethod
    def from_aggregate(cls, organisation: OrganisationAggregate) -> Organisation:
        return cls(
            id=strawberry.ID(str(organisation.id)),
            name=organisation.name,
            type=organisation.organisation_type,
            hxl_name=organisation.hxl_name,
            member_state=organisation.member_state,
            suspended=organisation.suspended,
            registered_at=organisation.created_on,
        )


@strawberry.type(description="The caller, as Concord knows it from its credentials.")
class Me:
    subject: str
    role: Role
    member_state: MemberState | None
    organisation_id: strawberry.ID | None


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
class OrganisationEdge:
    cursor: str
    node: Organisation


@strawberry.type
class OrganisationConnection:
    edges: list[OrganisationEdge]
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


@strawberry.type
class OrganisationPayload:
    organisation: Organisation
    position: LogPosition
