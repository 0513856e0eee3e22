"""Mutations: each one is a command on the event-sourced application, made by the caller."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import strawberry

from domain import codes, organisations
from domain.requests import Need
from services.api.schema.context import Info
from services.api.schema.scalars import LogPosition, MemberState, OrganisationType, Sector, parse_id
from services.api.schema.types import (
    AmendRequestPayload,
    AssistanceRequest,
    CancelRequestPayload,
    Organisation,
    OrganisationPayload,
    PostRequestPayload,
)
from services.coordination import Recorded

IDEMPOTENCY_KEY = strawberry.field(
    default=None,
    description=(
        "Makes a retry safe: the same key with the same input returns the first result; "
        "with a different input it is refused (IDEMPOTENCY_KEY_REUSED). The Idempotency-Key "
        "header does the same."
    ),
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


@strawberry.input
class RegisterOrganisationInput:
    name: str
    type: OrganisationType
    hxl_name: str = strawberry.field(default="", description="its HXL #org name; defaults to name")
    member_state: MemberState | None = strawberry.field(
        default=None, description="required for a member-state government"
    )
    iati_identifier: str = strawberry.field(
        default="", description="its IATI organisation identifier (e.g. XM-DAC-41114), where it has one"
    )
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class SuspendOrganisationInput:
    id: strawberry.ID
    reason: str = ""
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class ReinstateOrganisationInput:
    id: strawberry.ID
    idempotency_key: str | None = IDEMPOTENCY_KEY


_AMENDABLE = (
    "title", "description", "quantity", "unit", "priority", "needed_by", "admin_code", "item",
    "transport_needed", "escort_needed",
)  # fmt: skip


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

    @strawberry.mutation(description="Register an organisation (secretariat).")
    async def register_organisation(
        self,
        info: Info,
        input: RegisterOrganisationInput,
    ) -> OrganisationPayload:
        context = info.context
        recorded = await context.run(
            context.runtime.concord.register_organisation,
            context.command(input.idempotency_key),
            input.name,
            organisations.OrganisationType(input.type),
            hxl_name=input.hxl_name,
            member_state=codes.MemberState(input.member_state) if input.member_state else None,
            iati_identifier=input.iati_identifier,
        )
        return _organisation_payload(recorded)

    @strawberry.mutation(description="Suspend an organisation: its credentials stop working for commands.")
    async def suspend_organisation(
        self,
        info: Info,
        input: SuspendOrganisationInput,
    ) -> OrganisationPayload:
        context = info.context
        recorded = await context.run(
            context.runtime.concord.suspend_organisation,
            context.command(input.idempotency_key),
            parse_id(input.id),
            input.reason,
        )
        return _organisation_payload(recorded)

    @strawberry.mutation(description="Lift an organisation's suspension.")
    async def reinstate_organisation(
        self,
        info: Info,
        input: ReinstateOrganisationInput,
    ) -> OrganisationPayload:
        context = info.context
        recorded = await context.run(
            context.runtime.concord.reinstate_organisation,
            context.command(input.idempotency_key),
            parse_id(input.id),
        )
        return _organisation_payload(recorded)


def _organisation_payload(recorded: Recorded[organisations.Organisation]) -> OrganisationPayload:
    return OrganisationPayload(
        organisation=Organisation.from_aggregate(recorded.aggregate),
        position=LogPosition(recorded.position),
    )
