"""A safe haven's object types, which requests and movements refer to; its queries and commands are in
services.api.schema.safe_havens."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from domain import codes, havens
from projections.safe_havens import queries as haven_queries
from services.api.schema.context import Info
from services.api.schema.history import History, read_history
from services.api.schema.history_types import Actor, FieldChange
from services.api.schema.paging import (
    MAX_PAGE,
    PageInfo,
)
from services.api.schema.scalars import MemberState, Sector
from services.identity.access import Owner

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
