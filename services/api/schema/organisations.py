"""Organisations over GraphQL: those that give or coordinate assistance, and their register."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import strawberry

from domain import codes, organisations
from domain.organisations import Organisation as OrganisationAggregate
from projections.organisations import queries as organisation_queries
from projections.organisations.queries import OrganisationRow
from services.api.schema.context import Info
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.paging import PageInfo, check_first, decode_cursor, encode_cursor, page_info
from services.api.schema.scalars import (
    LogPosition,
    MemberState,
    OrganisationType,
    id_of,
    parse_id,
)
from services.coordination import Recorded
from services.errors import NotFound


@strawberry.type(description="An organisation that gives or coordinates assistance.")
class Organisation:
    id: strawberry.ID
    name: str
    type: OrganisationType
    hxl_name: str = strawberry.field(description="its name as HXL #org")
    member_state: MemberState | None = strawberry.field(
        description="for a member-state government, which state"
    )
    iati_identifier: str | None = strawberry.field(
        description="its IATI organisation identifier, where it is registered with IATI"
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
            iati_identifier=row.iati_identifier,
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
            iati_identifier=organisation.iati_identifier,
            suspended=organisation.suspended,
            registered_at=organisation.created_on,
        )


#: Each plain field of Organisation as ``from_row`` reads it: its column, and what it makes of the
#: column's value (None: the value itself). For the plan that reads rows without the objects
#: (services.api.schema.match_rows).
ROW_FIELDS: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "id": ("id", id_of),
    "name": ("name", None),
    "type": ("organisation_type", OrganisationType),
    "hxlName": ("hxl_name", None),
    "memberState": ("member_state", lambda value: codes.MemberState(value) if value else None),
    "iatiIdentifier": ("iati_identifier", None),
    "suspended": ("suspended", None),
    "registeredAt": ("registered_at", None),
}


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
class OrganisationPayload:
    organisation: Organisation
    position: LogPosition


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


def _organisation_payload(recorded: Recorded[organisations.Organisation]) -> OrganisationPayload:
    return OrganisationPayload(
        organisation=Organisation.from_aggregate(recorded.aggregate),
        position=LogPosition(recorded.position),
    )


@strawberry.type
class OrganisationQuery:
    @strawberry.field(description="One registered organisation.")
    async def organisation(self, info: Info, id: strawberry.ID) -> Organisation | None:
        organisation_id = parse_id(id)
        row = await organisation_queries.get_organisation(info.context.runtime.query_engine, organisation_id)
        if row is None:
            raise NotFound("organisation", organisation_id)
        return Organisation.from_row(row)

    @strawberry.field(description="Registered organisations, in order of registration.")
    async def organisations(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> OrganisationConnection:
        check_first(first)
        rows, has_next, total = await organisation_queries.list_organisations(
            info.context.runtime.query_engine,
            first=first,
            after=decode_cursor(after) if after else None,
        )
        edges = [
            OrganisationEdge(cursor=encode_cursor(r.registered_position), node=Organisation.from_row(r))
            for r in rows
        ]
        return OrganisationConnection(
            edges=edges,
            page_info=page_info(edges, has_next=has_next, after=after),
            total_count=total,
        )


@strawberry.type
class OrganisationMutation:
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
