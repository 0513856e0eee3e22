"""The 3W/4W view: who does what, where and when, across requests, deliveries and projects."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import strawberry

from domain import codes
from projections.who_what_where import queries as who_what_where
from services.api.problems import BadInput
from services.api.schema.context import Info
from services.api.schema.scalars import MemberState, Sector, parse_id

MAX_ACTIVITIES = 5000


@strawberry.enum
class ActivityKind(enum.Enum):
    REQUEST = "request"  # who asks: the requesting state
    DELIVERY = "delivery"  # who delivers: the offering organisation or state
    PROJECT = "project"  # reconstruction and rehabilitation


@strawberry.type(description="One line of the 3W/4W: who, what, where, when, and how far it got.")
class Activity:
    activity: ActivityKind
    id: strawberry.ID
    crisis_id: strawberry.ID
    organisation_id: strawberry.ID | None = strawberry.field(description="who (#org), when an organisation")
    organisation_name: str | None
    acting_state: MemberState | None = strawberry.field(description="who, when a member state acts")
    member_state: MemberState = strawberry.field(description="where (#country)")
    admin_code: str = strawberry.field(description="where (#adm P-code)")
    sector: Sector = strawberry.field(description="what (#sector)")
    item: str | None
    title: str
    status: str
    quantity: Decimal | None
    unit: str | None
    start: date | None = strawberry.field(description="when it started (posted, proposed, project start)")
    end: date | None = strawberry.field(description="when it is due or ended")

    @classmethod
    def from_row(cls, row: who_what_where.ActivityRow) -> Activity:
        return cls(
            activity=ActivityKind(row.activity),
            id=strawberry.ID(str(row.id)),
            crisis_id=strawberry.ID(str(row.crisis_id)),
            organisation_id=strawberry.ID(str(row.organisation_id)) if row.organisation_id else None,
            organisation_name=row.organisation_name,
            acting_state=codes.MemberState(row.acting_state) if row.acting_state else None,
            member_state=codes.MemberState(row.member_state),
            admin_code=row.admin_code,
            sector=codes.Sector(row.sector),
            item=row.item,
            title=row.title,
            status=row.status,
            quantity=row.quantity,
            unit=row.unit,
            start=row.start,
            end=row.end,
        )


@strawberry.type
class ActivityQuery:
    @strawberry.field(description="Who does what, where: filter by crisis, state, sector, area and kind.")
    async def who_what_where(
        self,
        info: Info,
        crisis: list[strawberry.ID] | None = None,
        member_state: list[MemberState] | None = None,
        sector: list[Sector] | None = None,
        area: list[str] | None = None,
        activity: list[ActivityKind] | None = None,
        first: int = 1000,
    ) -> list[Activity]:
        if not 1 <= first <= MAX_ACTIVITIES:
            raise BadInput("first", f"must be from 1 to {MAX_ACTIVITIES}")
        rows = await who_what_where.who_what_where(
            info.context.runtime.query_engine,
            crisis_ids=[parse_id(c, "crisis") for c in crisis or []],
            member_states=[codes.MemberState(s).value for s in member_state or []],
            sectors=[codes.Sector(s).value for s in sector or []],
            areas=[a.strip().upper() for a in area or []],
            activities=[ActivityKind(a).value for a in activity or []],
            limit=first,
        )
        return [Activity.from_row(r) for r in rows]
