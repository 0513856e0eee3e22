"""A movement's object types: the people moved, counted and disclosed by role, and its history.
The commands and queries are in services.api.schema.movements."""

from __future__ import annotations

import enum
from datetime import date
from uuid import UUID

import strawberry

from domain import codes, havens, movements
from projections.disclosure import disclose
from projections.movements import queries as movement_queries
from services.api.schema.context import Info
from services.api.schema.history import HISTORY, History, read_history
from services.api.schema.history_types import ChangeConnection
from services.api.schema.paging import MAX_PAGE, PageInfo
from services.api.schema.risk import RiskLevel, area_risk
from services.api.schema.safe_haven_types import SafeHaven
from services.api.schema.scalars import LogPosition, MemberState
from services.commands.movements import movement_owners
from services.identity.access import Owner, Principal

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
    def from_row(cls, row: movement_queries.MovementRow) -> Movement:
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
            policy_owners=movement_policy_owners(row.destination_state, row.origin_country),
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
            policy_owners=movement_policy_owners(state.value, movement.origin.country),
        )


def movement_policy_owners(receiving: str, origin: str) -> list[Owner]:
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
    """Through the request's loader: a page of movements reads its havens in one query, not one
    (and a connection) per movement."""
    if haven_id is None:
        return None
    row = await info.context.loaders.safe_haven.load(haven_id)
    return SafeHaven.from_row(row) if row is not None else None


@strawberry.type
class MovementPayload:
    movement: Movement
    position: LogPosition


@strawberry.type
class MovementEdge:
    cursor: str
    node: Movement


@strawberry.type(description="Movements a page at a time, in the order planned.")
class MovementConnection:
    edges: list[MovementEdge]
    page_info: PageInfo
    total_count: int
