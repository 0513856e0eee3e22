"""Query fields: reads from the SQL read models."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from domain import codes, gazetteer, requests
from domain.items import ITEMS
from projections import queries
from services.api.schema import history
from services.api.schema.context import Info, selected
from services.api.schema.paging import check_first, decode_cursor, encode_cursor, page_info
from services.api.schema.scalars import (
    CoverageGroup,
    MatchStatus,
    MemberState,
    RequestOrder,
    RequestStatus,
    Sector,
    parse_id,
)
from services.api.schema.types import (
    CRISIS_HISTORY,
    MATCH_HISTORY,
    OFFER_HISTORY,
    REQUEST_HISTORY,
    AdminArea,
    AssistanceRequest,
    AssistanceRequestConnection,
    AssistanceRequestEdge,
    CoverageRow,
    Crisis,
    Item,
    Match,
    MatchConnection,
    MatchEdge,
    Me,
    Offer,
    OfferConnection,
    OfferEdge,
    Organisation,
    OrganisationConnection,
    OrganisationEdge,
    Permission,
)
from services.errors import NotFound
from services.identity.access import Owner, authorise, permissions


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

    def to_query(self) -> queries.RequestFilter:
        return queries.RequestFilter(
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
            return await history.as_of(info, REQUEST_HISTORY, request_id, as_of)
        row = await queries.get_request(info.context.runtime.query_engine, request_id)
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
            permissions=[
                Permission(operation=operation, scope=scope)
                for operation, scope in permissions(principal).items()
            ],
        )

    @strawberry.field(description="One registered organisation.")
    async def organisation(self, info: Info, id: strawberry.ID) -> Organisation | None:
        organisation_id = parse_id(id)
        row = await queries.get_organisation(info.context.runtime.query_engine, organisation_id)
        if row is None:
            raise NotFound("organisation", organisation_id)
        return Organisation.from_row(row)

    @strawberry.field(description="Registered organisations, in order of registration.")
    async def organisations(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> OrganisationConnection:
        check_first(first)
        rows, has_next, total = await queries.list_organisations(
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
        rows = await queries.possible_duplicates(
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
        where = filter.to_query() if filter else queries.RequestFilter()
        seen = decode_cursor(after) if after else None
        asked = selected(info)
        page = await queries.list_requests(
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


@strawberry.input
class OfferFilter:
    crisis: list[strawberry.ID] | None = None
    sector: list[Sector] | None = None
    item: list[str] | None = None
    organisation: list[strawberry.ID] | None = None
    serving: MemberState | None = strawberry.field(default=None, description="can serve this state")
    available: bool = strawberry.field(
        default=False, description="only offers open for matching today: not withdrawn nor expired"
    )


@strawberry.input
class MatchFilter:
    crisis: list[strawberry.ID] | None = None
    request: list[strawberry.ID] | None = None
    offer: list[strawberry.ID] | None = None
    status: list[MatchStatus] | None = None
    requesting_state: list[MemberState] | None = strawberry.field(
        default=None, description="only matches serving the requests of these member states"
    )


@strawberry.type
class AssistanceQuery:
    """Crises, offers, matches and coverage (merged into Query)."""

    @strawberry.field(description="Crises, newest first; closed ones only when asked for.")
    async def crises(self, info: Info, include_closed: bool = False) -> list[Crisis]:
        rows = await queries.list_crises(info.context.runtime.query_engine, include_closed=include_closed)
        return [Crisis.from_row(row) for row in rows]

    @strawberry.field(description=history.one("crisis"))
    async def crisis(self, info: Info, id: strawberry.ID, as_of: datetime | None = None) -> Crisis | None:
        crisis_id = parse_id(id)
        if as_of is not None:
            return await history.as_of(info, CRISIS_HISTORY, crisis_id, as_of)
        row = await info.context.loaders.crisis.load(crisis_id)
        if row is None:
            raise NotFound("crisis", crisis_id)
        return Crisis.from_row(row)

    @strawberry.field(description="The shared item list that needs and offers are counted in.")
    def items(self, sector: Sector | None = None) -> list[Item]:
        return [
            Item(code=i.code, name=i.name, sector=i.sector, unit=i.unit)
            for i in ITEMS.values()
            if sector is None or i.sector is sector
        ]

    @strawberry.field(
        description="A member state's admin areas from OCHA's COD gazetteer, admin-1 each followed by "
        "its admin-2 areas; empty for a state without one (Brunei Darussalam, Singapore)."
    )
    def admin_areas(self, member_state: MemberState) -> list[AdminArea]:
        listed = gazetteer.areas_of(codes.MemberState(member_state))
        names = {a.code: a.name for a in listed if a.level == 1}
        order = {code: index for index, code in enumerate(names)}
        ranked = sorted(listed, key=lambda a: (order.get(a.parent or a.code, len(order)), a.level))
        return [
            AdminArea(
                code=a.code,
                name=a.name,
                level=a.level,
                parent_code=a.parent,
                parent_name=names.get(a.parent) if a.parent else None,
            )
            for a in ranked
        ]

    @strawberry.field(description="Offers, newest first.")
    async def offers(
        self, info: Info, filter: OfferFilter | None = None, first: int = 20, after: str | None = None
    ) -> OfferConnection:
        check_first(first)
        f = filter or OfferFilter()
        where = queries.OfferFilter(
            crisis_ids=tuple(parse_id(c, "crisis") for c in f.crisis or ()),
            sectors=tuple(codes.Sector(s).value for s in f.sector or ()),
            items=tuple(f.item or ()),
            organisation_ids=tuple(parse_id(o, "organisation") for o in f.organisation or ()),
            serving=codes.MemberState(f.serving).value if f.serving else None,
            available_on=info.context.runtime.concord.today() if f.available else None,
        )
        rows, has_next, total = await queries.list_offers(
            info.context.runtime.query_engine,
            where,
            first=first,
            after=decode_cursor(after) if after else None,
        )
        edges = [OfferEdge(cursor=encode_cursor(r.posted_position), node=Offer.from_row(r)) for r in rows]
        return OfferConnection(
            edges=edges, page_info=page_info(edges, has_next=has_next, after=after), total_count=total
        )

    @strawberry.field(description=history.one("offer"))
    async def offer(self, info: Info, id: strawberry.ID, as_of: datetime | None = None) -> Offer | None:
        offer_id = parse_id(id)
        if as_of is not None:
            return await history.as_of(info, OFFER_HISTORY, offer_id, as_of)
        row = await info.context.loaders.offer.load(offer_id)
        if row is None:
            raise NotFound("offer", offer_id)
        return Offer.from_row(row)

    @strawberry.field(description="Matches, newest first.")
    async def matches(
        self, info: Info, filter: MatchFilter | None = None, first: int = 20, after: str | None = None
    ) -> MatchConnection:
        check_first(first)
        f = filter or MatchFilter()
        where = queries.MatchFilter(
            crisis_ids=tuple(parse_id(c, "crisis") for c in f.crisis or ()),
            request_ids=tuple(parse_id(r, "request") for r in f.request or ()),
            offer_ids=tuple(parse_id(o, "offer") for o in f.offer or ()),
            statuses=tuple(matches_status(s) for s in f.status or ()),
            requesting_states=tuple(codes.MemberState(s).value for s in f.requesting_state or ()),
        )
        rows, has_next, total = await queries.list_matches(
            info.context.runtime.query_engine,
            where,
            first=first,
            after=decode_cursor(after) if after else None,
        )
        edges = [MatchEdge(cursor=encode_cursor(r.proposed_position), node=Match.from_row(r)) for r in rows]
        return MatchConnection(
            edges=edges, page_info=page_info(edges, has_next=has_next, after=after), total_count=total
        )

    @strawberry.field(description=history.one("match"))
    async def match(self, info: Info, id: strawberry.ID, as_of: datetime | None = None) -> Match | None:
        match_id = parse_id(id)
        if as_of is not None:
            return await history.as_of(info, MATCH_HISTORY, match_id, as_of)
        found = await queries.matches_by_id(info.context.runtime.query_engine, [match_id])
        if match_id not in found:
            raise NotFound("match", match_id)
        return Match.from_row(found[match_id])

    @strawberry.field(
        description=(
            "Requested, committed and delivered per member state and/or sector, and the gap "
            "(cancelled requests left out; committed and delivered counted up to what was requested)."
        )
    )
    async def coverage(
        self,
        info: Info,
        crisis: strawberry.ID | None = None,
        group_by: list[CoverageGroup] | None = None,
    ) -> list[CoverageRow]:
        groups = set(group_by or [CoverageGroup.STATE, CoverageGroup.SECTOR])
        rows = await queries.coverage(
            info.context.runtime.query_engine,
            parse_id(crisis, "crisis") if crisis else None,
            by_state=CoverageGroup.STATE in groups,
            by_sector=CoverageGroup.SECTOR in groups,
        )
        return [
            CoverageRow(
                member_state=codes.MemberState(r.member_state) if r.member_state else None,
                sector=codes.Sector(r.sector) if r.sector else None,
                requests=r.requests,
                requested=r.requested,
                committed=r.committed,
                delivered=r.delivered,
                gap=r.gap,
            )
            for r in rows
        ]


def matches_status(status: MatchStatus) -> str:
    return MatchStatus(status).value
