"""Repatriation, resettlement and returns over GraphQL, and displacement figures by area over time."""

from __future__ import annotations

import enum
from datetime import date, datetime
from uuid import UUID

import strawberry

from domain import codes, havens, movements
from domain.displacement import DisplacementAssessment
from projections import field_queries, queries
from projections.disclosure import disclose
from services.api.problems import BadInput
from services.api.schema.areas import visible_areas
from services.api.schema.context import Info
from services.api.schema.history import HISTORY, ChangeConnection, History, one, read_history
from services.api.schema.history import as_of as as_of_moment
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.paging import MAX_PAGE
from services.api.schema.risk import RiskLevel, area_risk
from services.api.schema.safe_havens import SafeHaven
from services.api.schema.scalars import LogPosition, MemberState, parse_id
from services.commands.movements import movement_owners
from services.coordination import Recorded
from services.errors import NotFound
from services.identity.access import Owner, Principal, may

strawberry.enum(movements.MovementKind, name="MovementKind")
strawberry.enum(movements.MovementStatus, name="MovementStatus")
strawberry.enum(movements.VoluntarinessMethod, name="VoluntarinessMethod")
strawberry.enum(movements.VulnerableGroup, name="VulnerableGroup")
MovementKind = movements.MovementKind
MovementStatus = movements.MovementStatus
VoluntarinessMethod = movements.VoluntarinessMethod
VulnerableGroup = movements.VulnerableGroup


@strawberry.enum
class Sex(enum.Enum):
    FEMALE = "female"
    MALE = "male"


@strawberry.enum(description="Age groups of HXL's and the DTM's disaggregation")
class AgeGroup(enum.Enum):
    AGE_0_4 = "0-4"
    AGE_5_17 = "5-17"
    AGE_18_59 = "18-59"
    AGE_60_PLUS = "60+"


@strawberry.type
class GroupCount:
    sex: Sex
    age_group: AgeGroup
    people: int | None = strawberry.field(
        description="null for viewers when 1 to 4, or to protect one that is"
    )


@strawberry.type
class VulnerableCount:
    group: VulnerableGroup
    people: int | None = strawberry.field(
        description="null for viewers when 1 to 4, or to protect one that is"
    )


@strawberry.type
class Voluntariness:
    confirmed_by: str
    method: VoluntarinessMethod
    confirmed_on: date


@strawberry.type(description="A group moving home or to a new place; counts only, never persons.")
class Movement:
    id: strawberry.ID
    crisis_id: strawberry.ID
    kind: MovementKind
    status: MovementStatus
    origin_country: str = strawberry.field(description="ISO 3166-1 alpha-3")
    member_state: MemberState = strawberry.field(description="the receiving member state")
    destination_admin1: str
    # Need to know: the exact areas (they may be a safe haven's) resolve to null for others.
    origin_admin_code: str | None
    destination_admin_code: str | None
    people_arrived: int | None = strawberry.field(description="null for viewers when 1 to 4")
    group_counts: strawberry.Private[dict[str, int]]
    vulnerable_counts: strawberry.Private[dict[str, int]]

    @strawberry.field(description="The group's size: null for viewers when 1 to 4, or to protect a cell")
    def people(self, info: Info) -> int | None:
        return disclose(info.context.principal.role, self.group_counts).total

    @strawberry.field(description="By sex and age group; small counts withheld from viewers")
    def group(self, info: Info) -> list[GroupCount]:
        shown = disclose(info.context.principal.role, self.group_counts).cells
        result = []
        for key in movements.GROUP_KEYS:
            sex, age = key.split(":")
            result.append(GroupCount(sex=Sex(sex), age_group=AgeGroup(age), people=shown.get(key, 0)))
        return result

    @strawberry.field(description="Vulnerable-group counts; small counts withheld from viewers")
    def vulnerable(self, info: Info) -> list[VulnerableCount]:
        shown = disclose(info.context.principal.role, self.vulnerable_counts, with_total=False).cells
        return [VulnerableCount(group=VulnerableGroup(k), people=n) for k, n in sorted(shown.items())]

    planned_departure: date
    planned_arrival: date
    departed_on: date | None
    arrived_on: date | None
    voluntariness: Voluntariness | None
    cleared_risk: RiskLevel | None = strawberry.field(description="the risk level a clearance was given at")
    origin_haven_id: strawberry.Private[UUID | None]
    destination_haven_id: strawberry.Private[UUID | None]
    policy_owners: strawberry.Private[list[Owner]]

    @strawberry.field(description="The destination area's present risk level, from open incidents")
    async def risk(self, info: Info) -> RiskLevel:
        code = self.destination_admin_code or self.destination_admin1
        return await area_risk(info, self.member_state, code)

    @strawberry.field
    async def origin_safe_haven(self, info: Info) -> SafeHaven | None:
        return await _haven(info, self.origin_haven_id)

    @strawberry.field
    async def destination_safe_haven(self, info: Info) -> SafeHaven | None:
        return await _haven(info, self.destination_haven_id)

    @strawberry.field(description=HISTORY)
    async def history(self, info: Info, first: int = MAX_PAGE, after: str | None = None) -> ChangeConnection:
        page: ChangeConnection = await read_history(info, MOVEMENT_HISTORY, self.id, first, after)
        return page

    @classmethod
    def from_row(cls, row: field_queries.MovementRow) -> Movement:
        voluntariness = None
        if row.voluntariness_method and row.voluntariness_confirmed_by and row.voluntariness_confirmed_on:
            voluntariness = Voluntariness(
                confirmed_by=row.voluntariness_confirmed_by,
                method=movements.VoluntarinessMethod(row.voluntariness_method),
                confirmed_on=row.voluntariness_confirmed_on,
            )
        return cls(
            id=strawberry.ID(str(row.id)),
            crisis_id=strawberry.ID(str(row.crisis_id)),
            kind=movements.MovementKind(row.kind),
            status=movements.MovementStatus(row.status),
            origin_country=row.origin_country,
            member_state=codes.MemberState(row.destination_state),
            destination_admin1=row.destination_admin1,
            origin_admin_code=row.origin_admin_code,
            destination_admin_code=row.destination_admin_code,
            people_arrived=row.people_arrived,
            group_counts=row.group_counts,
            vulnerable_counts=row.vulnerable,
            planned_departure=row.planned_departure,
            planned_arrival=row.planned_arrival,
            departed_on=row.departed_on,
            arrived_on=row.arrived_on,
            voluntariness=voluntariness,
            cleared_risk=RiskLevel(row.cleared_risk) if row.cleared_risk else None,
            origin_haven_id=row.origin_haven_id,
            destination_haven_id=row.destination_haven_id,
            policy_owners=_owners(row.destination_state, row.origin_country),
        )

    @classmethod
    def from_aggregate(cls, movement: movements.Movement) -> Movement:
        voluntariness = None
        if movement.voluntariness is not None:
            by, method, on = movement.voluntariness
            voluntariness = Voluntariness(confirmed_by=by, method=method, confirmed_on=on)
        state = movement.receiving_state
        assert movement.destination.admin_code is not None
        return cls(
            id=strawberry.ID(str(movement.id)),
            crisis_id=strawberry.ID(str(movement.crisis_id)),
            kind=movement.kind,
            status=movement.status,
            origin_country=movement.origin.country,
            member_state=state,
            destination_admin1=havens.admin1(movement.destination.admin_code, state),
            origin_admin_code=movement.origin.admin_code,
            destination_admin_code=movement.destination.admin_code,
            people_arrived=movement.people_arrived,
            group_counts=movement.group,
            vulnerable_counts=movement.vulnerable,
            planned_departure=movement.planned_departure,
            planned_arrival=movement.planned_arrival,
            departed_on=movement.departed_on,
            arrived_on=movement.arrived_on,
            voluntariness=voluntariness,
            cleared_risk=movement.clearance.risk if movement.clearance else None,
            origin_haven_id=movement.origin.safe_haven_id,
            destination_haven_id=movement.destination.safe_haven_id,
            policy_owners=_owners(state.value, movement.origin.country),
        )


def _owners(receiving: str, origin: str) -> list[Owner]:
    owners = [Owner(member_state=codes.MemberState(receiving))]
    if origin in codes.MemberState.__members__:
        owners.append(Owner(member_state=codes.MemberState(origin)))
    return owners


def _counts(movement: Movement, principal: Principal) -> dict[str, int | None]:
    """The group's size, its sex-and-age cells and its vulnerable groups, as the resolvers of
    ``people``, ``group`` and ``vulnerable`` disclose them (cells of no one left out)."""
    group = disclose(principal.role, movement.group_counts)
    vulnerable = disclose(principal.role, movement.vulnerable_counts, with_total=False).cells
    return {
        "people": group.total,
        **{f"group[{cell}]": people for cell, people in group.cells.items() if people != 0},
        **{f"vulnerable[{name}]": people for name, people in vulnerable.items() if people != 0},
    }


MOVEMENT_HISTORY = History(
    movements.Movement,
    "movement",
    Movement.from_aggregate,
    lambda _concord, movement: movement_owners(movement),
    derived=_counts,
)


async def _haven(info: Info, haven_id: UUID | None) -> SafeHaven | None:
    if haven_id is None:
        return None
    found = await queries.safe_havens_by_id(info.context.runtime.query_engine, [haven_id])
    return SafeHaven.from_row(found[haven_id]) if haven_id in found else None


@strawberry.type
class MovementPayload:
    movement: Movement
    position: LogPosition


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


@strawberry.input(description="An area's stocks as a DTM baseline or site assessment found them.")
class RecordDisplacementFiguresInput:
    crisis_id: strawberry.ID
    member_state: MemberState
    admin_code: str
    as_of: date
    displaced: int = strawberry.field(description="internally displaced persons (IDPs)")
    returned: int = strawberry.field(description="returnees: former IDPs and refugees back home")
    resettled: int = strawberry.field(description="IDPs resettled or locally integrated")
    source: str = strawberry.field(description="e.g. IOM DTM round 4 baseline assessment")
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.type(description="An area's stocks; for viewers, figures of 1 to 4 people are null")
class DisplacementFigures:
    country: str
    admin_code: str = strawberry.field(description="exact P-code, or its admin-1 without need-to-know")
    as_of: date
    displaced: int = strawberry.field(graphql_type=int | None)
    returned: int = strawberry.field(graphql_type=int | None)
    resettled: int = strawberry.field(graphql_type=int | None)


@strawberry.type
class DisplacementAssessmentPayload:
    id: strawberry.ID
    position: LogPosition


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

    @strawberry.mutation(description="An area's displacement stocks as an assessment found them.")
    async def record_displacement_figures(
        self, info: Info, input: RecordDisplacementFiguresInput
    ) -> DisplacementAssessmentPayload:
        c = info.context
        recorded: Recorded[DisplacementAssessment] = await c.run(
            c.runtime.concord.record_displacement_figures,
            c.command(input.idempotency_key),
            parse_id(input.crisis_id, "crisisId"),
            codes.MemberState(input.member_state),
            input.admin_code,
            as_of=input.as_of,
            displaced=input.displaced,
            returned=input.returned,
            resettled=input.resettled,
            source=input.source,
        )
        return DisplacementAssessmentPayload(
            id=strawberry.ID(str(recorded.aggregate.id)), position=LogPosition(recorded.position)
        )


@strawberry.type
class MovementQuery:
    @strawberry.field(description="Movements by crisis, state (leaving or receiving), status, kind, area.")
    async def movements(
        self,
        info: Info,
        crisis: list[strawberry.ID] | None = None,
        member_state: list[MemberState] | None = None,
        status: list[MovementStatus] | None = None,
        kind: list[MovementKind] | None = None,
        area: list[str] | None = None,
    ) -> list[Movement]:
        rows = await field_queries.list_movements(
            info.context.runtime.query_engine,
            crisis_ids=[parse_id(c, "crisis") for c in crisis or []],
            member_states=[codes.MemberState(s).value for s in member_state or []],
            statuses=[movements.MovementStatus(s).value for s in status or []],
            kinds=[movements.MovementKind(k).value for k in kind or []],
            areas=visible_areas(info.context.principal, "Movement.destinationAdminCode", area),
        )
        return [Movement.from_row(r) for r in rows]

    @strawberry.field(description=one("movement"))
    async def movement(self, info: Info, id: strawberry.ID, as_of: datetime | None = None) -> Movement:
        movement_id = parse_id(id)
        if as_of is not None:
            return await as_of_moment(info, MOVEMENT_HISTORY, movement_id, as_of)
        rows = await field_queries.list_movements(info.context.runtime.query_engine, ids=[movement_id])
        if not rows:
            raise NotFound("movement", movement_id)
        return Movement.from_row(rows[0])

    @strawberry.field(
        description=(
            "Displaced, returned and resettled people by area over time (IOM DTM terms). Exact areas "
            "for the state's coordinators and the secretariat; admin-1 totals for everyone else."
        )
    )
    async def displacement(
        self,
        info: Info,
        crisis: list[strawberry.ID] | None = None,
        member_state: list[MemberState] | None = None,
        area: list[str] | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[DisplacementFigures]:
        principal = info.context.principal

        def roll_up(country: str, code: str) -> str:
            if country not in codes.MemberState.__members__:
                return code
            state = codes.MemberState(country)
            if may(principal, "Movement.destinationAdminCode", Owner(member_state=state)):
                return code
            return havens.admin1(code, state)

        points = await field_queries.displacement_series(
            info.context.runtime.query_engine,
            crisis_ids=[parse_id(c, "crisis") for c in crisis or []],
            countries=[codes.MemberState(s).value for s in member_state or []],
            areas=visible_areas(principal, "Movement.destinationAdminCode", area),
            since=since,
            until=until,
            roll_up=roll_up,
        )
        return [DisplacementFigures(**vars(p)) for p in points]
