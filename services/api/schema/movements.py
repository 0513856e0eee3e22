"""Repatriation, resettlement and returns over GraphQL: the commands from plan to arrival, and the
queries. The object types are in movement_types; displacement figures in displacement.

Over 300 lines on purpose: one concept's inputs, commands and queries, as every schema module
holds (the object types are already apart).
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from domain import codes, movements
from projections.movements import queries as movement_queries
from projections.movements.pages import MovementFilter, movement_page
from services.api.problems import BadInput
from services.api.schema.areas import visible_areas
from services.api.schema.context import Info
from services.api.schema.history import as_of as as_of_moment
from services.api.schema.history import one
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.movement_types import (
    MOVEMENT_HISTORY,
    AgeGroup,
    Movement,
    MovementConnection,
    MovementEdge,
    MovementKind,
    MovementPayload,
    MovementStatus,
    Sex,
    VoluntarinessMethod,
    VulnerableGroup,
)
from services.api.schema.paging import (
    MAX_PAGE,
    check_first,
    decode_cursor,
    encode_cursor,
    page_info,
)
from services.api.schema.scalars import LogPosition, MemberState, parse_id
from services.coordination import Recorded
from services.errors import NotFound


def _payload(recorded: Recorded[movements.Movement]) -> MovementPayload:
    return MovementPayload(
        movement=Movement.from_aggregate(recorded.aggregate), position=LogPosition(recorded.position)
    )


@strawberry.input(description="A country and admin area (P-code), or a safe haven (which implies both).")
class PlaceInput:
    country: str | None = strawberry.field(default=None, description="ISO 3166-1 alpha-3")
    admin_code: str | None = None
    safe_haven_id: strawberry.ID | None = None

    def place(self, field: str) -> movements.Place:
        haven = parse_id(self.safe_haven_id, f"{field}.safeHavenId") if self.safe_haven_id else None
        if haven is None and not self.country:
            raise BadInput(field, "name a country (and admin area) or a safe haven")
        return movements.Place(self.country or "", self.admin_code, haven)


@strawberry.input
class GroupCountInput:
    sex: Sex
    age_group: AgeGroup
    people: int


@strawberry.input
class VulnerableCountInput:
    group: VulnerableGroup
    people: int


@strawberry.input
class PlanMovementInput:
    crisis_id: strawberry.ID
    kind: MovementKind
    origin: PlaceInput
    destination: PlaceInput
    group: list[GroupCountInput]
    vulnerable: list[VulnerableCountInput] | None = None
    planned_departure: date
    planned_arrival: date
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class ConfirmVoluntarinessInput:
    id: strawberry.ID
    confirmed_by: str = strawberry.field(description="who established it, e.g. UNHCR Yangon protection team")
    method: VoluntarinessMethod
    confirmed_on: date
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class MovementInput:
    id: strawberry.ID
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class StartMovementInput:
    id: strawberry.ID
    departed_on: date | None = strawberry.field(default=None, description="defaults to today")
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class RecordArrivalInput:
    id: strawberry.ID
    people_arrived: int = strawberry.field(description="may differ from the people who set out")
    arrived_on: date | None = strawberry.field(default=None, description="defaults to today")
    notes: str = ""
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class PostponeMovementInput:
    id: strawberry.ID
    planned_departure: date
    planned_arrival: date
    reason: str
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class CancelMovementInput:
    id: strawberry.ID
    reason: str = ""
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.type
class MovementMutation:
    @strawberry.mutation(description="Plan a repatriation, resettlement, return or relocation.")
    async def plan_movement(self, info: Info, input: PlanMovementInput) -> MovementPayload:
        c = info.context
        group: dict[str, int] = {}
        for count in input.group:
            key = f"{Sex(count.sex).value}:{AgeGroup(count.age_group).value}"
            group[key] = group.get(key, 0) + count.people
        vulnerable: dict[str, int] = {}
        for v in input.vulnerable or []:
            name = VulnerableGroup(v.group).value
            vulnerable[name] = vulnerable.get(name, 0) + v.people
        recorded = await c.run(
            c.runtime.concord.plan_movement,
            c.command(input.idempotency_key),
            parse_id(input.crisis_id, "crisisId"),
            movements.MovementKind(input.kind),
            input.origin.place("origin"),
            input.destination.place("destination"),
            group=group,
            vulnerable=vulnerable,
            planned_departure=input.planned_departure,
            planned_arrival=input.planned_arrival,
        )
        return _payload(recorded)

    @strawberry.mutation(description="Record that the group chose freely and knowingly to move.")
    async def confirm_voluntariness(self, info: Info, input: ConfirmVoluntarinessInput) -> MovementPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.confirm_voluntariness,
            c.command(input.idempotency_key),
            parse_id(input.id),
            confirmed_by=input.confirmed_by,
            method=movements.VoluntarinessMethod(input.method),
            confirmed_on=input.confirmed_on,
        )
        return _payload(recorded)

    @strawberry.mutation(description="The receiving state approves; a safe haven's room is reserved.")
    async def approve_movement(self, info: Info, input: MovementInput) -> MovementPayload:
        c = info.context
        command = c.command(input.idempotency_key)
        return _payload(await c.run(c.runtime.concord.approve_movement, command, parse_id(input.id)))

    @strawberry.mutation(
        description="The group sets out (a cleared movement, if its destination is at extreme risk)."
    )
    async def start_movement(self, info: Info, input: StartMovementInput) -> MovementPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.start_movement,
            c.command(input.idempotency_key),
            parse_id(input.id),
            input.departed_on,
        )
        return _payload(recorded)

    @strawberry.mutation(description="The group arrived; the count arrived may differ from the planned one.")
    async def record_arrival(self, info: Info, input: RecordArrivalInput) -> MovementPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.record_arrival,
            c.command(input.idempotency_key),
            parse_id(input.id),
            input.people_arrived,
            input.arrived_on,
            input.notes,
        )
        return _payload(recorded)

    @strawberry.mutation(description="New dates; an approval lapses and must be given again.")
    async def postpone_movement(self, info: Info, input: PostponeMovementInput) -> MovementPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.postpone_movement,
            c.command(input.idempotency_key),
            parse_id(input.id),
            input.planned_departure,
            input.planned_arrival,
            input.reason,
        )
        return _payload(recorded)

    @strawberry.mutation(description="Cancel a movement before it sets out; reserved room is freed.")
    async def cancel_movement(self, info: Info, input: CancelMovementInput) -> MovementPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.cancel_movement,
            c.command(input.idempotency_key),
            parse_id(input.id),
            input.reason,
        )
        return _payload(recorded)


@strawberry.type
class MovementQuery:
    @strawberry.field(
        description="Movements by crisis, state (leaving or receiving), status, kind, area: all at once.",
        deprecation_reason="unpaged: use movementsConnection",
    )
    async def movements(
        self,
        info: Info,
        crisis: list[strawberry.ID] | None = None,
        member_state: list[MemberState] | None = None,
        status: list[MovementStatus] | None = None,
        kind: list[MovementKind] | None = None,
        area: list[str] | None = None,
    ) -> list[Movement]:
        rows = await movement_queries.list_movements(
            info.context.runtime.query_engine,
            crisis_ids=[parse_id(c, "crisis") for c in crisis or []],
            member_states=[codes.MemberState(s).value for s in member_state or []],
            statuses=[movements.MovementStatus(s).value for s in status or []],
            kinds=[movements.MovementKind(k).value for k in kind or []],
            areas=visible_areas(info.context.principal, "Movement.destinationAdminCode", area),
        )
        return [Movement.from_row(r) for r in rows]

    @strawberry.field(
        description=(
            "Movements by crisis, state (leaving or receiving), status, kind and area, a page at a "
            "time in the order planned."
        )
    )
    async def movements_connection(
        self,
        info: Info,
        crisis: list[strawberry.ID] | None = None,
        member_state: list[MemberState] | None = None,
        status: list[MovementStatus] | None = None,
        kind: list[MovementKind] | None = None,
        area: list[str] | None = None,
        first: int = MAX_PAGE,
        after: str | None = None,
    ) -> MovementConnection:
        check_first(first)
        where = MovementFilter(
            crisis_ids=[parse_id(c, "crisis") for c in crisis or []],
            member_states=[codes.MemberState(s).value for s in member_state or []],
            statuses=[movements.MovementStatus(s).value for s in status or []],
            kinds=[movements.MovementKind(k).value for k in kind or []],
            areas=visible_areas(info.context.principal, "Movement.destinationAdminCode", area),
        )
        rows, has_next, total = await movement_page(
            info.context.runtime.query_engine,
            where,
            first=first,
            after=decode_cursor(after) if after else None,
        )
        edges = [
            MovementEdge(cursor=encode_cursor(position), node=Movement.from_row(r)) for position, r in rows
        ]
        return MovementConnection(
            edges=edges, page_info=page_info(edges, has_next=has_next, after=after), total_count=total
        )

    @strawberry.field(description=one("movement"))
    async def movement(self, info: Info, id: strawberry.ID, as_of: datetime | None = None) -> Movement:
        movement_id = parse_id(id)
        if as_of is not None:
            return await as_of_moment(info, MOVEMENT_HISTORY, movement_id, as_of)
        rows = await movement_queries.list_movements(info.context.runtime.query_engine, ids=[movement_id])
        if not rows:
            raise NotFound("movement", movement_id)
        return Movement.from_row(rows[0])
