"""Assistance requests' commands over GraphQL: post, amend, cancel, and link one to a safe haven. The
queries are in services.api.schema.requests; the object types in request_types."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import strawberry

from domain import codes
from domain.requests import Need
from services.api.schema.context import Info
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.request_types import (
    AmendRequestPayload,
    AssistanceRequest,
    CancelRequestPayload,
    LinkRequestPayload,
    PostRequestPayload,
)
from services.api.schema.scalars import (
    LogPosition,
    MemberState,
    Sector,
    parse_id,
)


@strawberry.input
class PostRequestInput:
    crisis_id: strawberry.ID
    member_state: MemberState
    sector: Sector
    item: str = strawberry.field(description="a code of the shared item list (query items)")
    title: str
    description: str = ""
    quantity: Decimal
    unit: str
    priority: int = strawberry.field(description="1 (lowest) to 5 (highest)")
    needed_by: date
    admin_code: str = strawberry.field(description="P-code of the admin area, e.g. PH1536")
    transport_needed: bool = False
    escort_needed: bool = strawberry.field(default=False, description="a security escort is needed")
    safe_haven_id: strawberry.ID | None = strawberry.field(
        default=None, description="the needs of this safe haven's population (same state and crisis)"
    )
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input(description="The terms to change; those left out stay as they are.")
class AmendRequestInput:
    id: strawberry.ID
    sector: Sector | None = None
    title: str | None = None
    description: str | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    priority: int | None = None
    needed_by: date | None = None
    admin_code: str | None = None
    item: str | None = None
    transport_needed: bool | None = None
    escort_needed: bool | None = None
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class CancelRequestInput:
    id: strawberry.ID
    reason: str = ""
    idempotency_key: str | None = IDEMPOTENCY_KEY


_AMENDABLE = (
    "title", "description", "quantity", "unit", "priority", "needed_by", "admin_code", "item",
    "transport_needed", "escort_needed",
)  # fmt: skip


@strawberry.type
class RequestMutation:
    @strawberry.mutation(description="Post a member state's request for assistance.")
    async def post_request(self, info: Info, input: PostRequestInput) -> PostRequestPayload:
        need = Need(
            sector=codes.Sector(input.sector),
            title=input.title,
            description=input.description,
            quantity=input.quantity,
            unit=input.unit,
            priority=input.priority,
            needed_by=input.needed_by,
            admin_code=input.admin_code,
            item=input.item,
            transport_needed=input.transport_needed,
            escort_needed=input.escort_needed,
        )
        context = info.context
        recorded = await context.run(
            context.runtime.concord.post_request,
            context.command(input.idempotency_key),
            parse_id(input.crisis_id, "crisisId"),
            codes.MemberState(input.member_state),
            need,
            parse_id(input.safe_haven_id, "safeHavenId") if input.safe_haven_id else None,
        )
        return PostRequestPayload(
            request=AssistanceRequest.from_aggregate(recorded.aggregate),
            position=LogPosition(recorded.position),
        )

    @strawberry.mutation(description="Change the terms of an open request.")
    async def amend_request(self, info: Info, input: AmendRequestInput) -> AmendRequestPayload:
        changes: dict[str, Any] = {
            name: getattr(input, name) for name in _AMENDABLE if getattr(input, name) is not None
        }
        if input.sector is not None:
            changes["sector"] = codes.Sector(input.sector)
        context = info.context
        recorded = await context.run(
            context.runtime.concord.amend_request,
            context.command(input.idempotency_key),
            parse_id(input.id),
            **changes,
        )
        return AmendRequestPayload(
            request=AssistanceRequest.from_aggregate(recorded.aggregate),
            position=LogPosition(recorded.position),
        )

    @strawberry.mutation(description="Cancel an open request; it stays on record as cancelled.")
    async def cancel_request(self, info: Info, input: CancelRequestInput) -> CancelRequestPayload:
        context = info.context
        recorded = await context.run(
            context.runtime.concord.cancel_request,
            context.command(input.idempotency_key),
            parse_id(input.id),
            input.reason,
        )
        return CancelRequestPayload(
            request=AssistanceRequest.from_aggregate(recorded.aggregate),
            position=LogPosition(recorded.position),
        )


@strawberry.input
class LinkRequestToSafeHavenInput:
    id: strawberry.ID = strawberry.field(description="the assistance request")
    safe_haven_id: strawberry.ID
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.type
class HavenLinkMutation:
    @strawberry.mutation(description="Mark a request as the needs of a safe haven's population.")
    async def link_request_to_safe_haven(
        self, info: Info, input: LinkRequestToSafeHavenInput
    ) -> LinkRequestPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.link_request_to_safe_haven,
            c.command(input.idempotency_key),
            parse_id(input.id),
            parse_id(input.safe_haven_id, "safeHavenId"),
        )
        return LinkRequestPayload(
            request=AssistanceRequest.from_aggregate(recorded.aggregate),
            position=LogPosition(recorded.position),
        )
