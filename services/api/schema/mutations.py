"""Mutations: each one is a command on the event-sourced application."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import strawberry

from domain import codes
from domain.requests import Need
from services.api.schema.context import Info
from services.api.schema.scalars import LogPosition, MemberState, Sector, parse_id
from services.api.schema.types import (
    AmendRequestPayload,
    AssistanceRequest,
    CancelRequestPayload,
    PostRequestPayload,
)


@strawberry.input
class PostRequestInput:
    member_state: MemberState
    sector: Sector
    title: str
    description: str = ""
    quantity: Decimal
    unit: str
    priority: int = strawberry.field(description="1 (lowest) to 5 (highest)")
    needed_by: date
    admin_code: str = strawberry.field(description="P-code of the admin area, e.g. PH1536")


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


@strawberry.input
class CancelRequestInput:
    id: strawberry.ID
    reason: str = ""


_AMENDABLE = ("title", "description", "quantity", "unit", "priority", "needed_by", "admin_code")


@strawberry.type
class Mutation:
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
        )
        concord = info.context.runtime.concord
        recorded = await info.context.command(
            concord.post_request, codes.MemberState(input.member_state), need
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
        concord = info.context.runtime.concord
        recorded = await info.context.command(concord.amend_request, parse_id(input.id), **changes)
        return AmendRequestPayload(
            request=AssistanceRequest.from_aggregate(recorded.aggregate),
            position=LogPosition(recorded.position),
        )

    @strawberry.mutation(description="Cancel an open request; it stays on record as cancelled.")
    async def cancel_request(self, info: Info, input: CancelRequestInput) -> CancelRequestPayload:
        concord = info.context.runtime.concord
        recorded = await info.context.command(concord.cancel_request, parse_id(input.id), input.reason)
        return CancelRequestPayload(
            request=AssistanceRequest.from_aggregate(recorded.aggregate),
            position=LogPosition(recorded.position),
        )
