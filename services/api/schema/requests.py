"""Assistance requests over GraphQL: one request, the list and possible duplicates. The commands are in
request_mutations; the object types, which other concepts refer to, in request_types."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from domain import codes, requests
from projections.assistance_requests import queries as request_queries
from services.api.schema import history
from services.api.schema.context import Info, selected
from services.api.schema.paging import (
    check_first,
    decode_cursor,
    encode_cursor,
    page_info,
)
from services.api.schema.request_types import (
    REQUEST_HISTORY,
    AssistanceRequest,
    AssistanceRequestConnection,
    AssistanceRequestEdge,
)
from services.api.schema.scalars import (
    MemberState,
    RequestOrder,
    RequestStatus,
    Sector,
    parse_id,
)
from services.errors import NotFound
from services.identity.access import Owner, authorise


@strawberry.input(description="Every field narrows the list; a list matches any of its values.")
class RequestFilter:
    crisis: list[strawberry.ID] | None = None
    item: list[str] | None = None
    needed_by_from: date | None = None
    needed_by_until: date | None = None
    member_state: list[MemberState] | None = None
    sector: list[Sector] | None = None
    status: list[RequestStatus] | None = None
    priority: list[int] | None = None
    min_priority: int | None = strawberry.field(
        default=None, description="only requests of at least this priority"
    )
    safe_haven: list[strawberry.ID] | None = strawberry.field(
        default=None, description="only the needs of these safe havens' populations"
    )

    def to_query(self) -> request_queries.RequestFilter:
        return request_queries.RequestFilter(
            crisis_ids=tuple(parse_id(c, "crisis") for c in self.crisis or ()),
            items=tuple(self.item or ()),
            needed_by_from=self.needed_by_from,
            needed_by_until=self.needed_by_until,
            member_states=tuple(codes.MemberState(s).value for s in self.member_state or ()),
            sectors=tuple(codes.Sector(s).value for s in self.sector or ()),
            statuses=tuple(requests.RequestStatus(s).value for s in self.status or ()),
            priorities=tuple(self.priority or ()),
            min_priority=self.min_priority,
            safe_haven_ids=tuple(parse_id(h, "safeHaven") for h in self.safe_haven or ()),
        )


@strawberry.type
class RequestQuery:
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
            return await history.as_of(info, REQUEST_HISTORY, request_id, as_of)
        row = await request_queries.get_request(info.context.runtime.query_engine, request_id)
        if row is None:
            raise NotFound("assistance request", request_id)
        return AssistanceRequest.from_row(row)


@strawberry.type
class RequestListQuery:
    @strawberry.field(
        description=(
            "Live requests (open or partially covered) of the same crisis, state, item and admin "
            "area: what a need about to be posted may duplicate. excluding leaves one out (the "
            "request itself). For the state's coordinators and the secretariat."
        )
    )
    async def possible_duplicates(
        self,
        info: Info,
        crisis: strawberry.ID,
        member_state: MemberState,
        item: str,
        admin_code: str,
        excluding: strawberry.ID | None = None,
    ) -> list[AssistanceRequest]:
        state = codes.MemberState(member_state)
        authorise(info.context.principal, "query.possibleDuplicates", Owner(member_state=state))
        rows = await request_queries.possible_duplicates(
            info.context.runtime.query_engine,
            crisis_id=parse_id(crisis, "crisis"),
            member_state=state.value,
            admin_code=admin_code.strip().upper(),
            item=item.strip(),
            excluding=parse_id(excluding, "excluding") if excluding else None,
        )
        return [AssistanceRequest.from_row(row) for row in rows]

    @strawberry.field(description="Assistance requests, newest first (a Relay connection).")
    async def requests(
        self,
        info: Info,
        filter: RequestFilter | None = None,
        first: int = 20,
        after: str | None = None,
        order_by: RequestOrder = RequestOrder.NEWEST,
    ) -> AssistanceRequestConnection:
        check_first(first)
        where = filter.to_query() if filter else request_queries.RequestFilter()
        seen = decode_cursor(after) if after else None
        asked = selected(info)
        page = await request_queries.list_requests(
            info.context.runtime.query_engine,
            where,
            first=first,
            after=seen,
            order=order_by.value,
            rows=bool(asked & {"edges", "pageInfo"}),
            count="totalCount" in asked,
        )
        by_offset = order_by is not RequestOrder.NEWEST
        edges = [
            AssistanceRequestEdge(
                cursor=encode_cursor((seen or 0) + i + 1 if by_offset else row.posted_position),
                node=AssistanceRequest.from_row(row),
            )
            for i, row in enumerate(page.rows)
        ]
        return AssistanceRequestConnection(
            edges=edges,
            page_info=page_info(edges, has_next=page.has_next_page, after=after),
            total_count=page.total_count,
        )
