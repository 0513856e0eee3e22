"""Query fields: reads from the SQL read models."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime

import strawberry

from domain import codes, requests
from projections import queries
from services.api.problems import BadInput
from services.api.schema.context import Info
from services.api.schema.scalars import MemberState, RequestStatus, Sector, parse_id
from services.api.schema.types import (
    AssistanceRequest,
    AssistanceRequestConnection,
    AssistanceRequestEdge,
    Me,
    Organisation,
    OrganisationConnection,
    OrganisationEdge,
    PageInfo,
)
from services.errors import NotFound

MAX_PAGE = 100
_CURSOR_PREFIX = "position:"


@strawberry.input(description="Every field narrows the list; a list matches any of its values.")
class RequestFilter:
    member_state: list[MemberState] | None = None
    sector: list[Sector] | None = None
    status: list[RequestStatus] | None = None
    priority: list[int] | None = None
    min_priority: int | None = strawberry.field(
        default=None, description="only requests of at least this priority"
    )

    def to_query(self) -> queries.RequestFilter:
        return queries.RequestFilter(
            member_states=tuple(codes.MemberState(s).value for s in self.member_state or ()),
            sectors=tuple(codes.Sector(s).value for s in self.sector or ()),
            statuses=tuple(requests.RequestStatus(s).value for s in self.status or ()),
            priorities=tuple(self.priority or ()),
            min_priority=self.min_priority,
        )


def encode_cursor(posted_position: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{posted_position}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith(_CURSOR_PREFIX):
            return int(text.removeprefix(_CURSOR_PREFIX))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise BadInput("after", f"{cursor!r} is not a cursor of this list")


@strawberry.type
class Query:
    @strawberry.field(
        description=(
            "One assistance request; NOT_FOUND if there is none with this id. With asOf, the "
            "request as it stood then, replayed from the event store."
        )
    )
    async def request(
        self,
        info: Info,
        id: strawberry.ID,
        as_of: datetime | None = None,
    ) -> AssistanceRequest | None:
        request_id = parse_id(id)
        if as_of is not None:
            if as_of.tzinfo is None:
                raise BadInput("asOf", "give a time zone, e.g. 2026-11-28T09:00:00Z")
            concord = info.context.runtime.concord
            past = await info.context.run(concord.request_as_of, request_id, as_of)
            return AssistanceRequest.from_aggregate(past)
        row = await queries.get_request(info.context.runtime.read_engine, request_id)
        if row is None:
            raise NotFound("assistance request", request_id)
        return AssistanceRequest.from_row(row)

    @strawberry.field(description="The caller, as its credentials name it.")
    def me(self, info: Info) -> Me:
        principal = info.context.principal
        organisation = principal.organisation_id
        return Me(
            subject=principal.subject,
            role=principal.role,
            member_state=principal.member_state,
            organisation_id=strawberry.ID(str(organisation)) if organisation else None,
        )

    @strawberry.field(description="One registered organisation.")
    async def organisation(self, info: Info, id: strawberry.ID) -> Organisation | None:
        organisation_id = parse_id(id)
        row = await queries.get_organisation(info.context.runtime.read_engine, organisation_id)
        if row is None:
            raise NotFound("organisation", organisation_id)
        return Organisation.from_row(row)

    @strawberry.field(description="Registered organisations, in order of registration.")
    async def organisations(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> OrganisationConnection:
        _check_first(first)
        rows, has_next, total = await queries.list_organisations(
            info.context.runtime.read_engine,
            first=first,
            after=decode_cursor(after) if after else None,
        )
        edges = [
            OrganisationEdge(cursor=encode_cursor(r.registered_position), node=Organisation.from_row(r))
            for r in rows
        ]
        return OrganisationConnection(
            edges=edges,
            page_info=_page_info(edges, has_next=has_next, after=after),
            total_count=total,
        )

    @strawberry.field(description="Assistance requests, newest first (a Relay connection).")
    async def requests(
        self,
        info: Info,
        filter: RequestFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> AssistanceRequestConnection:
        _check_first(first)
        where = filter.to_query() if filter else queries.RequestFilter()
        page = await queries.list_requests(
            info.context.runtime.read_engine,
            where,
            first=first,
            after=decode_cursor(after) if after else None,
        )
        edges = [
            AssistanceRequestEdge(
                cursor=encode_cursor(row.posted_position), node=AssistanceRequest.from_row(row)
            )
            for row in page.rows
        ]
        return AssistanceRequestConnection(
            edges=edges,
            page_info=_page_info(edges, has_next=page.has_next_page, after=after),
            total_count=page.total_count,
        )


def _check_first(first: int) -> None:
    if not 0 <= first <= MAX_PAGE:
        raise BadInput("first", f"must be from 0 to {MAX_PAGE}")


def _page_info(
    edges: Sequence[AssistanceRequestEdge | OrganisationEdge], *, has_next: bool, after: str | None
) -> PageInfo:
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
