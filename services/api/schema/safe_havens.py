"""Safe havens over GraphQL; the exact location is for those with need-to-know only."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import strawberry

from domain import codes, havens
from projections.safe_havens import queries as haven_queries
from services.api.schema.areas import visible_areas
from services.api.schema.context import Info
from services.api.schema.history import Actor, FieldChange, History, read_history
from services.api.schema.history import as_of as as_of_moment
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.paging import (
    MAX_PAGE,
    PageInfo,
)
from services.api.schema.scalars import LogPosition, MemberState, Sector, parse_id
from services.coordination import Recorded
from services.errors import NotFound
from services.identity.access import Owner, may

strawberry.enum(havens.HavenStatus, name="SafeHavenStatus")


SafeHavenStatus = havens.HavenStatus


@strawberry.type
class Location:
    latitude: Decimal
    longitude: Decimal


@strawberry.type(description="A safe haven. location and adminCode are null without need-to-know.")
class SafeHaven:
    id: strawberry.ID
    crisis_id: strawberry.ID
    member_state: MemberState
    name: str
    admin1: str = strawberry.field(description="the first administrative level (P-code)")
    capacity_day: int
    capacity_night: int
    occupancy: int = strawberry.field(
        graphql_type=int | None, description="people sheltered; null for viewers when 1 to 4"
    )
    reserved: int = strawberry.field(
        graphql_type=int | None, description="room held for approved movements not yet arrived"
    )
    services: list[Sector]
    status: SafeHavenStatus
    # Sensitive: the policy gate resolves these to null for those without need-to-know.
    admin_code: str | None = strawberry.field(description="the exact admin area (P-code)")
    location: Location | None

    @strawberry.field(description="People it can shelter round the clock: min(day, night)")
    def capacity(self) -> int:
        return min(self.capacity_day, self.capacity_night)

    @strawberry.field(
        graphql_type=int | None,
        description="Derived: capacity less occupancy and reserved room (null when those are withheld)",
    )
    def available(self) -> int:
        return max(min(self.capacity_day, self.capacity_night) - self.occupancy - self.reserved, 0)

    @strawberry.field(
        description=(
            "Every change, oldest first, a page at a time, from the event store (the cursor is the "
            "haven's version). Without need-to-know the exact area, the coordinates and who made "
            "each change are left out."
        )
    )
    async def history(
        self, info: Info, first: int = MAX_PAGE, after: str | None = None
    ) -> SafeHavenChangeConnection:
        page: SafeHavenChangeConnection = await read_history(
            info,
            HAVEN_HISTORY,
            self.id,
            first,
            after,
            node=SafeHavenChange,
            edge=SafeHavenChangeEdge,
            connection=SafeHavenChangeConnection,
        )
        return page

    @classmethod
    def from_row(cls, row: haven_queries.SafeHavenRow) -> SafeHaven:
        return cls(
            id=strawberry.ID(str(row.id)),
            crisis_id=strawberry.ID(str(row.crisis_id)),
            member_state=codes.MemberState(row.member_state),
            name=row.name,
            admin1=row.admin1,
            capacity_day=row.capacity_day,
            capacity_night=row.capacity_night,
            occupancy=row.occupancy,
            reserved=row.reserved,
            services=[codes.Sector(s) for s in row.services.split(",") if s],
            status=havens.HavenStatus(row.status),
            admin_code=row.admin_code,
            location=Location(latitude=row.latitude, longitude=row.longitude),
        )

    @classmethod
    def from_aggregate(cls, haven: havens.SafeHaven) -> SafeHaven:
        return cls(
            id=strawberry.ID(str(haven.id)),
            crisis_id=strawberry.ID(str(haven.crisis_id)),
            member_state=haven.member_state,
            name=haven.name,
            admin1=havens.admin1(haven.admin_code, haven.member_state),
            capacity_day=haven.capacity_day,
            capacity_night=haven.capacity_night,
            occupancy=haven.occupancy,
            reserved=haven.reserved,
            services=list(haven.services),
            status=haven.status,
            admin_code=haven.admin_code,
            location=Location(latitude=haven.latitude, longitude=haven.longitude),
        )


@strawberry.type(description="One event in the life of a safe haven: when, who, what changed.")
class SafeHavenChange:
    at: datetime
    version: int
    event: str
    actor: Actor | None
    changes: list[FieldChange]
    policy_owners: strawberry.Private[list[Owner]]


@strawberry.type
class SafeHavenChangeEdge:
    cursor: str
    node: SafeHavenChange


@strawberry.type(description="A page of a safe haven's changes, oldest first (a Relay connection).")
class SafeHavenChangeConnection:
    edges: list[SafeHavenChangeEdge]
    page_info: PageInfo
    total_count: int


HAVEN_HISTORY = History(
    havens.SafeHaven,
    "safe haven",
    SafeHaven.from_aggregate,
    lambda _concord, haven: [Owner(member_state=haven.member_state)],
)


@strawberry.type
class SafeHavenPayload:
    safe_haven: SafeHaven
    position: LogPosition


def _payload(recorded: Recorded[havens.SafeHaven]) -> SafeHavenPayload:
    return SafeHavenPayload(
        safe_haven=SafeHaven.from_aggregate(recorded.aggregate), position=LogPosition(recorded.position)
    )


@strawberry.input
class DesignateSafeHavenInput:
    crisis_id: strawberry.ID
    member_state: MemberState
    name: str
    admin_code: str
    latitude: Decimal
    longitude: Decimal
    capacity_day: int
    capacity_night: int | None = strawberry.field(default=None, description="defaults to the day capacity")
    services: list[Sector] | None = None
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class PeopleInput:
    id: strawberry.ID
    people: int
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class ChangeSafeHavenStatusInput:
    id: strawberry.ID
    status: SafeHavenStatus
    reason: str = ""
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.type
class SafeHavenMutation:
    @strawberry.mutation(description="Designate a safe haven (the host state's coordinator).")
    async def designate_safe_haven(self, info: Info, input: DesignateSafeHavenInput) -> SafeHavenPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.designate_safe_haven,
            c.command(input.idempotency_key),
            parse_id(input.crisis_id, "crisisId"),
            codes.MemberState(input.member_state),
            name=input.name,
            admin_code=input.admin_code,
            latitude=input.latitude,
            longitude=input.longitude,
            capacity_day=input.capacity_day,
            capacity_night=input.capacity_night,
            services=[codes.Sector(s) for s in input.services or []],
        )
        return _payload(recorded)

    @strawberry.mutation(description="Admit people; never beyond the haven's capacity.")
    async def admit_to_safe_haven(self, info: Info, input: PeopleInput) -> SafeHavenPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.admit_to_safe_haven,
            c.command(input.idempotency_key),
            parse_id(input.id),
            input.people,
        )
        return _payload(recorded)

    @strawberry.mutation(description="People who left the haven.")
    async def record_departure(self, info: Info, input: PeopleInput) -> SafeHavenPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.record_departure,
            c.command(input.idempotency_key),
            parse_id(input.id),
            input.people,
        )
        return _payload(recorded)

    @strawberry.mutation(description="Open, full, closed or suspended for security.")
    async def change_safe_haven_status(
        self, info: Info, input: ChangeSafeHavenStatusInput
    ) -> SafeHavenPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.change_safe_haven_status,
            c.command(input.idempotency_key),
            parse_id(input.id),
            havens.HavenStatus(input.status),
            input.reason,
        )
        return _payload(recorded)


@strawberry.type
class SafeHavenQuery:
    @strawberry.field(description="Safe havens, filtered by crisis, host state and status.")
    async def safe_havens(
        self,
        info: Info,
        crisis: list[strawberry.ID] | None = None,
        member_state: list[MemberState] | None = None,
        status: list[SafeHavenStatus] | None = None,
        area: list[str] | None = None,
    ) -> list[SafeHaven]:
        rows = await haven_queries.list_safe_havens(
            info.context.runtime.query_engine,
            crisis_ids=[parse_id(c, "crisis") for c in crisis or []],
            member_states=[codes.MemberState(s).value for s in member_state or []],
            statuses=[havens.HavenStatus(s).value for s in status or []],
        )
        if area:
            principal = info.context.principal
            codes_asked = visible_areas(principal, "SafeHaven.adminCode", area)

            def within(row: haven_queries.SafeHavenRow) -> bool:
                """By its exact area for those with need-to-know, else by its admin-1 only, so that
                a filter cannot be used to find where a haven is."""
                owner = Owner(member_state=codes.MemberState(row.member_state))
                code = row.admin_code if may(principal, "SafeHaven.adminCode", owner) else row.admin1
                return any(code.startswith(asked) for asked in codes_asked)

            rows = [r for r in rows if within(r)]
        return [SafeHaven.from_row(r) for r in rows]

    @strawberry.field(
        description=(
            "One safe haven; NOT_FOUND if there is none with this id. With asOf, the haven as it "
            "stood then, replayed from the event store."
        )
    )
    async def safe_haven(
        self, info: Info, id: strawberry.ID, as_of: datetime | None = None
    ) -> SafeHaven | None:
        haven_id: UUID = parse_id(id)
        if as_of is not None:
            return await as_of_moment(info, HAVEN_HISTORY, haven_id, as_of)
        found = await haven_queries.safe_havens_by_id(info.context.runtime.query_engine, [haven_id])
        if haven_id not in found:
            raise NotFound("safe haven", haven_id)
        return SafeHaven.from_row(found[haven_id])
