"""HXL-tagged CSV of movements and of the 3W (who does what, where).

Movements carry the HXL disaggregation of the group (``#affected+f+age0_4`` …); exact areas go
only to those with need-to-know, and the group's cells and total are disclosed to each caller as
GraphQL and the event feed disclose them (``projections.disclosure``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from domain.codes import MemberState
from domain.movements import GROUP_KEYS
from projections.disclosure import Suppressed, disclose, disclose_count
from projections.movements import queries as movement_queries
from projections.who_what_where import queries as who_what_where
from services.api.exports.hxl import CrisisFilter, SectorFilter, hxl_csv, runtime_of
from services.api.exports.hxl_csv import Column, csv_response
from services.api.rest_auth import allowed
from services.identity.access import Owner, Principal, may

router = APIRouter(prefix="/exports", tags=["exports"])
EXPORT_LIMIT = 1_000_000


def movement_columns(principal: Principal) -> list[Column[movement_queries.MovementRow]]:
    def need_to_know(r: movement_queries.MovementRow) -> bool:
        owners = [Owner(member_state=MemberState(r.destination_state))]
        if r.origin_country in MemberState.__members__:
            owners.append(Owner(member_state=MemberState(r.origin_country)))
        return may(principal, "Movement.destinationAdminCode", *owners)

    last: list[tuple[movement_queries.MovementRow, Suppressed[str]]] = []

    def disclosed(r: movement_queries.MovementRow) -> Suppressed[str]:
        """The row's cells and total as the caller may see them, worked out once per row."""
        if not last or last[0][0] is not r:
            cells = {key: r.group_counts.get(key, 0) for key in GROUP_KEYS}
            last[:] = [(r, disclose(principal.role, cells))]
        return last[0][1]

    def group(key: str) -> Column[movement_queries.MovementRow]:
        sex, age = key.split(":")
        tag = f"#affected+{sex[0]}+age{age.replace('-', '_').replace('+', '_plus')}+num"
        return Column(f"{sex.title()} {age}", tag, lambda r: disclosed(r).cells[key])

    return [
        Column("Movement", "#meta+id", lambda r: r.id),
        Column("Crisis", "#crisis+id", lambda r: r.crisis_id),
        Column("Kind", "#activity+type", lambda r: r.kind),
        Column("Status", "#status", lambda r: r.status),
        Column("Origin country", "#country+code+origin", lambda r: r.origin_country),
        Column("Origin area", "#loc+code+origin", lambda r: r.origin_admin_code if need_to_know(r) else None),
        Column("Receiving state", "#country+code+destination", lambda r: r.destination_state),
        Column("Destination admin 1", "#adm1+code+destination", lambda r: r.destination_admin1),
        Column(
            "Destination area",
            "#loc+code+destination",
            lambda r: r.destination_admin_code if need_to_know(r) else None,
        ),
        Column("People", "#affected+num", lambda r: disclosed(r).total),
        *[group(key) for key in GROUP_KEYS],
        Column(
            "People arrived",
            "#affected+arrived+num",
            lambda r: disclose_count(principal.role, r.people_arrived),
        ),
        Column("Planned departure", "#date+start+planned", lambda r: r.planned_departure),
        Column("Planned arrival", "#date+end+planned", lambda r: r.planned_arrival),
        Column("Departed", "#date+start", lambda r: r.departed_on),
        Column("Arrived", "#date+end", lambda r: r.arrived_on),
        Column("Voluntariness", "#meta+voluntariness", lambda r: r.voluntariness_method),
    ]


@hxl_csv(router, "/movements.csv", "Repatriation, resettlement and return movements as HXL-tagged CSV")
async def movements_csv(
    request: Request,
    principal: Annotated[Principal, Depends(allowed("GET /exports/movements.csv"))],
    crisis: CrisisFilter = None,
    member_state: Annotated[list[MemberState] | None, Query(alias="memberState")] = None,
) -> StreamingResponse:
    rows = await movement_queries.list_movements(
        runtime_of(request).read_engine,
        crisis_ids=crisis or (),
        member_states=[s.value for s in member_state or ()],
    )
    return csv_response(rows, movement_columns(principal), "concord-movements.csv")


ACTIVITY_COLUMNS: list[Column[who_what_where.ActivityRow]] = [
    Column("Activity", "#activity+type", lambda r: r.activity),
    Column("Id", "#activity+id", lambda r: r.id),
    Column("Crisis", "#crisis+id", lambda r: r.crisis_id),
    Column("Organisation", "#org+name", lambda r: r.organisation_name),
    Column("Organisation id", "#org+id", lambda r: r.organisation_id),
    Column("Acting state", "#country+code+acting", lambda r: r.acting_state),
    Column("Country", "#country+code", lambda r: r.member_state),
    Column("Admin area", "#loc+code", lambda r: r.admin_code),
    Column("Sector", "#sector+cluster", lambda r: r.sector),
    Column("Item", "#item+code", lambda r: r.item),
    Column("What", "#activity+name", lambda r: r.title),
    Column("Status", "#status", lambda r: r.status),
    Column("Quantity", "#indicator+num", lambda r: r.quantity),
    Column("Unit", "#indicator+unit", lambda r: r.unit),
    Column("Start", "#date+start", lambda r: r.start),
    Column("End", "#date+end", lambda r: r.end),
]


@hxl_csv(
    router,
    "/3w.csv",
    "Who does what, where (3W/4W) across requests, deliveries and projects, as HXL-tagged CSV",
)
async def who_what_where_csv(
    request: Request,
    _principal: Annotated[Principal, Depends(allowed("GET /exports/3w.csv"))],
    crisis: CrisisFilter = None,
    member_state: Annotated[list[MemberState] | None, Query(alias="memberState")] = None,
    sector: SectorFilter = None,
) -> StreamingResponse:
    rows = await who_what_where.who_what_where(
        runtime_of(request).read_engine,
        crisis_ids=crisis or (),
        member_states=[s.value for s in member_state or ()],
        sectors=[s.value for s in sector or ()],
        limit=EXPORT_LIMIT,
    )
    return csv_response(rows, ACTIVITY_COLUMNS, "concord-3w.csv")
