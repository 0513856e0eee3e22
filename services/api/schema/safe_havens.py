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
from services.api.schema.history import as_of as as_of_moment
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.safe_haven_types import HAVEN_HISTORY, SafeHaven, SafeHavenStatus
from services.api.schema.scalars import LogPosition, MemberState, Sector, parse_id
from services.coordination import Recorded
from services.errors import NotFound
from services.identity.access import Owner, may


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
