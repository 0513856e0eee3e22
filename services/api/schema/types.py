"""Object types of the GraphQL contract."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

from domain import codes, crises, matches, offers, requests
from domain.crises import Crisis as CrisisAggregate
from domain.matches import Match as MatchAggregate
from domain.offers import Offer as OfferAggregate
from domain.offers import offer_status
from domain.organisations import Organisation as OrganisationAggregate
from domain.requests import AssistanceRequest as RequestAggregate
from projections import queries
from projections.queries import (
    CommitmentRow,
    CrisisRow,
    MatchRow,
    OfferRow,
    OrganisationRow,
    RequestRow,
)
from services.api.schema.context import Info
from services.api.schema.history import (
    HISTORY,
    Actor,
    ChangeConnection,
    FieldChange,
    History,
    read_history,
)
from services.api.schema.paging import MAX_PAGE, PageInfo
from services.api.schema.risk import RiskLevel, area_risk
from services.commands.offers import offering_party
from services.identity.access import Owner

if TYPE_CHECKING:
    from services.api.schema.havens import SafeHaven
    from services.coordination import Concord
from services.api.schema.scalars import (
    AccessScope,
    CrisisPhase,
    DeliveryMode,
    LogPosition,
    MatchStatus,
    MemberState,
    OfferStatus,
    OrganisationType,
    RequestStatus,
    Role,
    Sector,
)


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

    @strawberry.field(description="The safe haven whose population needs this (its location is need-to-know)")
    async def safe_haven(
        self, info: Info
    ) -> Annotated[SafeHaven, strawberry.lazy("services.api.schema.havens")] | None:
        from services.api.schema.havens import SafeHaven  # noqa: PLC0415 (havens imports this module)

        if self.safe_haven_id is None:
            return None
        row = await info.context.loaders.safe_haven.load(UUID(self.safe_haven_id))
        return SafeHaven.from_row(row) if row else None

    @strawberry.field(description="The risk level of the request's area, from open security incidents")
    async def risk(self, info: Info) -> RiskLevel:
        return await area_risk(info, self.member_state, self.admin_code)

    @strawberry.field(description="What is still to be committed: requested minus committed, at least 0.")
    def gap(self) -> Decimal:
        return max(self.quantity - self.committed, Decimal(0))

    @strawberry.field
    async def crisis(self, info: Info) -> Crisis | None:
        row = await info.context.loaders.crisis.load(UUID(self.crisis_id))
        return Crisis.from_row(row) if row else None

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


@strawberry.type(description="A crisis: every request, offer and movement belongs to one.")
class Crisis:
    id: strawberry.ID
    name: str
    affected_states: list[MemberState]
    start_date: date
    phase: CrisisPhase

    @classmethod
    def from_row(cls, row: CrisisRow) -> Crisis:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            affected_states=[codes.MemberState(s) for s in row.affected_states.split(",") if s],
            start_date=row.start_date,
            phase=crises.CrisisPhase(row.phase),
        )

    @strawberry.field(description=HISTORY)
    async def history(self, info: Info, first: int = MAX_PAGE, after: str | None = None) -> ChangeConnection:
        page: ChangeConnection = await read_history(info, CRISIS_HISTORY, self.id, first, after)
        return page

    @classmethod
    def from_aggregate(cls, crisis: CrisisAggregate) -> Crisis:
        return cls(
            id=strawberry.ID(str(crisis.id)),
            name=crisis.name,
            affected_states=list(crisis.affected_states),
            start_date=crisis.start_date,
            phase=crisis.phase,
        )


@strawberry.type(description="An item of the shared list that needs and offers are counted in.")
class Item:
    code: str
    name: str
    sector: Sector
    unit: str


@strawberry.type(
    description="An admin area of a member state as OCHA's COD gazetteer names it (admin-1 or admin-2)."
)
class AdminArea:
    code: str = strawberry.field(description="its P-code, what a need or a safe haven records")
    name: str
    level: int = strawberry.field(description="1 (region, province or state) or 2 (the level below)")
    parent_code: str | None = strawberry.field(description="an admin-2 area's admin-1 P-code")
    parent_name: str | None


@strawberry.type(description="An offer of assistance from a donor organisation or a member state.")
class Offer:
    id: strawberry.ID
    crisis_id: strawberry.ID
    organisation_id: strawberry.ID | None
    offering_state: MemberState | None
    sector: Sector
    item: str
    quantity: Decimal
    allocated: Decimal
    unit: str
    available_from: date
    available_until: date
    serves: list[MemberState]
    delivery_mode: DeliveryMode
    standby_capacity: str | None = strawberry.field(
        description="pre-registered, reusable capacity (e.g. an emergency medical team)"
    )
    description: str
    withdrawn: bool
    posted_at: datetime

    @strawberry.field
    def remaining(self) -> Decimal:
        return self.quantity - self.allocated

    @strawberry.field(description="Derived: expired once its window has ended.")
    def status(self, info: Info) -> OfferStatus:
        today = info.context.runtime.concord.today()
        return offer_status(
            withdrawn=self.withdrawn,
            expired=today > self.available_until,
            quantity=self.quantity,
            allocated=self.allocated,
        )

    @strawberry.field
    async def organisation(self, info: Info) -> Organisation | None:
        if self.organisation_id is None:
            return None
        row = await info.context.loaders.organisation.load(UUID(self.organisation_id))
        return Organisation.from_row(row) if row else None

    @strawberry.field
    async def crisis(self, info: Info) -> Crisis | None:
        row = await info.context.loaders.crisis.load(UUID(self.crisis_id))
        return Crisis.from_row(row) if row else None

    @strawberry.field(description=HISTORY)
    async def history(self, info: Info, first: int = MAX_PAGE, after: str | None = None) -> ChangeConnection:
        page: ChangeConnection = await read_history(info, OFFER_HISTORY, self.id, first, after)
        return page

    @classmethod
    def from_row(cls, row: OfferRow) -> Offer:
        return cls(
            id=strawberry.ID(str(row.id)),
            crisis_id=strawberry.ID(str(row.crisis_id)),
            organisation_id=strawberry.ID(str(row.organisation_id)) if row.organisation_id else None,
            offering_state=codes.MemberState(row.offering_state) if row.offering_state else None,
            sector=codes.Sector(row.sector),
            item=row.item,
            quantity=row.quantity,
            allocated=row.allocated,
            unit=row.unit,
            available_from=row.available_from,
            available_until=row.available_until,
            serves=[codes.MemberState(s) for s in row.serves.split(",") if s],
            delivery_mode=offers.DeliveryMode(row.delivery_mode),
            standby_capacity=row.standby_capacity,
            description=row.description,
            withdrawn=row.withdrawn,
            posted_at=row.posted_at,
        )

    @classmethod
    def from_aggregate(cls, offer: OfferAggregate) -> Offer:
        terms = offer.terms
        return cls(
            id=strawberry.ID(str(offer.id)),
            crisis_id=strawberry.ID(str(offer.crisis_id)),
            organisation_id=strawberry.ID(offer.organisation_id) if offer.organisation_id else None,
            offering_state=offer.offering_state,
            sector=terms.sector,
            item=terms.item,
            quantity=terms.quantity,
            allocated=offer.allocated,
            unit=terms.unit,
            available_from=terms.available_from,
            available_until=terms.available_until,
            serves=sorted(terms.serves, key=lambda s: s.value),
            delivery_mode=terms.delivery_mode,
            standby_capacity=terms.standby_capacity,
            description=terms.description,
            withdrawn=offer.withdrawn,
            posted_at=offer.created_on,
        )


@strawberry.type(description="A quantity of an offer allocated to a request, followed to delivery.")
class Match:
    id: strawberry.ID
    crisis_id: strawberry.ID
    request_id: strawberry.ID
    offer_id: strawberry.ID
    quantity: Decimal
    unit: str
    status: MatchStatus
    over_cover: bool
    dispatched: Decimal | None
    received: Decimal | None
    reason: str | None
    proposed_by: str
    proposed_at: datetime
    updated_at: datetime

    @strawberry.field
    async def request(self, info: Info) -> AssistanceRequest | None:
        row = await info.context.loaders.request.load(UUID(self.request_id))
        return AssistanceRequest.from_row(row) if row else None

    @strawberry.field
    async def offer(self, info: Info) -> Offer | None:
        row = await info.context.loaders.offer.load(UUID(self.offer_id))
        return Offer.from_row(row) if row else None

    @strawberry.field(
        description="The risk level where it is delivered; at EXTREME dispatch needs a security clearance"
    )
    async def risk(self, info: Info) -> RiskLevel | None:
        row = await info.context.loaders.request.load(UUID(self.request_id))
        if row is None:
            return None
        return await area_risk(info, codes.MemberState(row.member_state), row.admin_code)

    @strawberry.field(description=HISTORY)
    async def history(self, info: Info, first: int = MAX_PAGE, after: str | None = None) -> ChangeConnection:
        page: ChangeConnection = await read_history(info, MATCH_HISTORY, self.id, first, after)
        return page

    @classmethod
    def from_row(cls, row: MatchRow) -> Match:
        return cls(
            id=strawberry.ID(str(row.id)),
            crisis_id=strawberry.ID(str(row.crisis_id)),
            request_id=strawberry.ID(str(row.request_id)),
            offer_id=strawberry.ID(str(row.offer_id)),
            quantity=row.quantity,
            unit=row.unit,
            status=matches.MatchStatus(row.status),
            over_cover=row.over_cover,
            dispatched=row.dispatched,
            received=row.received,
            reason=row.reason,
            proposed_by=row.proposed_by,
            proposed_at=row.proposed_at,
            updated_at=row.updated_at,
        )

    @classmethod
    def from_aggregate(cls, match: MatchAggregate) -> Match:
        return cls(
            id=strawberry.ID(str(match.id)),
            crisis_id=strawberry.ID(str(match.crisis_id)),
            request_id=strawberry.ID(str(match.request_id)),
            offer_id=strawberry.ID(str(match.offer_id)),
            quantity=match.quantity,
            unit=match.unit,
            status=match.status,
            over_cover=match.over_cover,
            dispatched=match.dispatched,
            received=match.received,
            reason=match.reason,
            proposed_by=match.proposed_by.principal,
            proposed_at=match.created_on,
            updated_at=match.modified_on,
        )


def _match_owners(concord: Concord, match: MatchAggregate) -> list[Owner]:
    """The requesting state and the offering party, as the match's own commands are decided."""
    request, offer = concord.get_request(match.request_id), concord.get_offer(match.offer_id)
    return [Owner(member_state=request.member_state), offering_party(offer)]


REQUEST_HISTORY = History(
    RequestAggregate,
    "assistance request",
    AssistanceRequest.from_aggregate,
    lambda _concord, request: [Owner(member_state=request.member_state)],
)
CRISIS_HISTORY = History(CrisisAggregate, "crisis", Crisis.from_aggregate)
OFFER_HISTORY = History(
    OfferAggregate, "offer", Offer.from_aggregate, lambda _concord, offer: [offering_party(offer)]
)
MATCH_HISTORY = History(MatchAggregate, "match", Match.from_aggregate, _match_owners)


@strawberry.type(description="Coverage of needs in one group: requested, committed, delivered, gap.")
class CoverageRow:
    member_state: MemberState | None
    sector: Sector | None
    requests: int
    requested: Decimal
    committed: Decimal
    delivered: Decimal
    gap: Decimal


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


@strawberry.type(description="An entry of the access policy the caller's role may use, and over what.")
class Permission:
    operation: str = strawberry.field(
        description="As the policy table names it: query.coverage, mutation.postRequest, POST /imports/offers"
    )
    scope: AccessScope


@strawberry.type(description="The caller, as Concord knows it from its credentials.")
class Me:
    subject: str
    role: Role
    member_state: MemberState | None
    organisation_id: strawberry.ID | None
    permissions: list[Permission] = strawberry.field(
        description=(
            "What the caller's role may use, so that a page offers only that; each use is decided "
            "again, for the objects it touches."
        )
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

    @strawberry.field(
        description=(
            "Live requests of the same state, crisis, admin area and item, as the read models "
            "knew them: the same need may have been posted twice."
        )
    )
    async def possible_duplicates(self, info: Info) -> list[AssistanceRequest]:
        request = self.request
        rows = await queries.possible_duplicates(
            info.context.runtime.query_engine,
            crisis_id=UUID(request.crisis_id),
            member_state=codes.MemberState(request.member_state).value,
            admin_code=request.admin_code,
            item=request.item,
            excluding=UUID(request.id),
        )
        return [AssistanceRequest.from_row(row) for row in rows]


@strawberry.type
class CrisisPayload:
    crisis: Crisis
    position: LogPosition


@strawberry.type
class OfferPayload:
    offer: Offer
    position: LogPosition


@strawberry.type
class MatchPayload:
    match: Match
    position: LogPosition


@strawberry.type
class OfferEdge:
    cursor: str
    node: Offer


@strawberry.type
class OfferConnection:
    edges: list[OfferEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class MatchEdge:
    cursor: str
    node: Match


@strawberry.type
class MatchConnection:
    edges: list[MatchEdge]
    page_info: PageInfo
    total_count: int


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
