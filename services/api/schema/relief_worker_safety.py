"""Relief-worker safety over GraphQL: incidents, the risk of an area, security clearances."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import strawberry

from domain import codes, havens, security
from projections.security_incidents import queries as incident_queries
from services.api.problems import BadInput
from services.api.schema.context import Info
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.paging import (
    MAX_PAGE,
    PageInfo,
    check_first,
    decode_cursor,
    encode_cursor,
    page_info,
)
from services.api.schema.risk import RiskLevel, area_risk
from services.api.schema.scalars import LogPosition, MemberState, id_of, parse_id

strawberry.enum(security.IncidentKind, name="IncidentKind")


strawberry.enum(security.IncidentStatus, name="IncidentStatus")


IncidentKind = security.IncidentKind


IncidentStatus = security.IncidentStatus


@strawberry.type(description="A security incident. description and affectedOrganisations need need-to-know.")
class SecurityIncident:
    id: strawberry.ID
    crisis_id: strawberry.ID | None
    member_state: MemberState
    admin_code: str
    admin1: str
    occurred_on: date
    kind: IncidentKind
    severity: RiskLevel
    status: IncidentStatus
    description: str | None
    affected_organisations: list[strawberry.ID] | None

    @classmethod
    def from_row(cls, row: incident_queries.IncidentRow) -> SecurityIncident:
        return cls(
            id=strawberry.ID(str(row.id)),
            crisis_id=strawberry.ID(str(row.crisis_id)) if row.crisis_id else None,
            member_state=codes.MemberState(row.member_state),
            admin_code=row.admin_code,
            admin1=row.admin1,
            occurred_on=row.occurred_on,
            kind=security.IncidentKind(row.kind),
            severity=security.RiskLevel(row.severity),
            status=security.IncidentStatus(row.status),
            description=row.description,
            affected_organisations=[strawberry.ID(o) for o in row.affected_organisations],
        )

    @classmethod
    def from_aggregate(cls, incident: security.SecurityIncident) -> SecurityIncident:
        return cls(
            id=strawberry.ID(str(incident.id)),
            crisis_id=strawberry.ID(str(incident.crisis_id)) if incident.crisis_id else None,
            member_state=incident.member_state,
            admin_code=incident.admin_code,
            admin1=havens.admin1(incident.admin_code, incident.member_state),
            occurred_on=incident.occurred_on,
            kind=incident.kind,
            severity=incident.severity,
            status=incident.status,
            description=incident.description,
            affected_organisations=[strawberry.ID(str(o)) for o in incident.affected_organisations],
        )


@strawberry.type
class IncidentPayload:
    incident: SecurityIncident
    position: LogPosition


@strawberry.type(description="A security clearance recorded on a match (delivery) or a movement.")
class ClearancePayload:
    subject_id: strawberry.ID
    risk: RiskLevel = strawberry.field(description="the risk of the destination area when cleared")
    conditions: str
    position: LogPosition


@strawberry.type
class AreaRisk:
    member_state: MemberState
    admin_code: str
    risk: RiskLevel


@strawberry.input
class ReportIncidentInput:
    member_state: MemberState
    admin_code: str
    occurred_on: date
    kind: IncidentKind
    severity: RiskLevel
    description: str
    affected_organisations: list[strawberry.ID] | None = None
    crisis_id: strawberry.ID | None = None
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class CloseIncidentInput:
    id: strawberry.ID
    reason: str
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input(description="Clear a delivery (matchId) or a movement (movementId) into its area.")
class ClearForSecurityInput:
    match_id: strawberry.ID | None = None
    movement_id: strawberry.ID | None = None
    conditions: str = strawberry.field(description="the conditions of the clearance: escort, route, hours")
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.type
class ReliefWorkerSafetyMutation:
    @strawberry.mutation(description="Report a security incident; an open incident raises its area's risk.")
    async def report_incident(self, info: Info, input: ReportIncidentInput) -> IncidentPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.report_incident,
            c.command(input.idempotency_key),
            codes.MemberState(input.member_state),
            input.admin_code,
            occurred_on=input.occurred_on,
            kind=security.IncidentKind(input.kind),
            severity=security.RiskLevel(input.severity),
            description=input.description,
            affected_organisations=[
                parse_id(o, "affectedOrganisations") for o in input.affected_organisations or []
            ],
            crisis_id=parse_id(input.crisis_id, "crisisId") if input.crisis_id else None,
        )
        return IncidentPayload(
            incident=SecurityIncident.from_aggregate(recorded.aggregate),
            position=LogPosition(recorded.position),
        )

    @strawberry.mutation(description="Close an incident: its area's risk falls back.")
    async def close_incident(self, info: Info, input: CloseIncidentInput) -> IncidentPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.close_incident,
            c.command(input.idempotency_key),
            parse_id(input.id),
            input.reason,
        )
        return IncidentPayload(
            incident=SecurityIncident.from_aggregate(recorded.aggregate),
            position=LogPosition(recorded.position),
        )

    @strawberry.mutation(
        description="A security clearance: nothing is dispatched into an area at extreme risk without one."
    )
    async def clear_for_security(self, info: Info, input: ClearForSecurityInput) -> ClearancePayload:
        c = info.context
        if (input.match_id is None) == (input.movement_id is None):
            raise BadInput("matchId", "name either a match or a movement to clear")
        if input.match_id is not None:
            match = await c.run(
                c.runtime.concord.clear_match_for_security,
                c.command(input.idempotency_key),
                parse_id(input.match_id, "matchId"),
                input.conditions,
            )
            cleared, subject, position = match.aggregate.clearance, match.aggregate.id, match.position
        else:
            assert input.movement_id is not None
            movement = await c.run(
                c.runtime.concord.clear_movement_for_security,
                c.command(input.idempotency_key),
                parse_id(input.movement_id, "movementId"),
                input.conditions,
            )
            cleared, subject, position = (
                movement.aggregate.clearance,
                movement.aggregate.id,
                movement.position,
            )
        assert cleared is not None
        return ClearancePayload(
            subject_id=strawberry.ID(str(subject)),
            risk=cleared.risk,
            conditions=cleared.conditions,
            position=LogPosition(position),
        )


#: Each field of SecurityIncident read straight off its row, as ``from_row`` makes it: the column,
#: and what is made of its value (None: the value itself); for the row plan (incident_rows).
ROW_FIELDS: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "id": ("id", id_of),
    "crisisId": ("crisis_id", lambda value: None if value is None else id_of(value)),
    "memberState": ("member_state", codes.MemberState),
    "adminCode": ("admin_code", None),
    "admin1": ("admin1", None),
    "occurredOn": ("occurred_on", None),
    "kind": ("kind", security.IncidentKind),
    "severity": ("severity", security.RiskLevel),
    "status": ("status", security.IncidentStatus),
    "description": ("description", None),
}


@strawberry.type
class SecurityIncidentEdge:
    cursor: str
    node: SecurityIncident


@strawberry.type(description="Security incidents a page at a time, newest report first.")
class SecurityIncidentConnection:
    edges: list[SecurityIncidentEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class ReliefWorkerSafetyQuery:
    @strawberry.field(
        description="Security incidents, newest first, by crisis, state, area and status: all at once.",
        deprecation_reason="unpaged: use incidentsConnection",
    )
    async def incidents(
        self,
        info: Info,
        crisis: list[strawberry.ID] | None = None,
        member_state: list[MemberState] | None = None,
        area: list[str] | None = None,
        status: list[IncidentStatus] | None = None,
    ) -> list[SecurityIncident]:
        where = incident_filter(crisis, member_state, area, status)
        rows = await incident_queries.list_incidents(info.context.runtime.query_engine, where)
        return [SecurityIncident.from_row(r) for r in rows]

    @strawberry.field(
        description=(
            "Security incidents by crisis, state, area (P-code) and status, a page at a time, newest "
            "report first."
        )
    )
    async def incidents_connection(
        self,
        info: Info,
        crisis: list[strawberry.ID] | None = None,
        member_state: list[MemberState] | None = None,
        area: list[str] | None = None,
        status: list[IncidentStatus] | None = None,
        first: int = MAX_PAGE,
        after: str | None = None,
    ) -> SecurityIncidentConnection:
        check_first(first)
        rows, has_next, total = await incident_queries.incident_page(
            info.context.runtime.query_engine,
            incident_filter(crisis, member_state, area, status),
            first=first,
            before=decode_cursor(after) if after else None,
        )
        edges = [
            SecurityIncidentEdge(cursor=encode_cursor(position), node=SecurityIncident.from_row(r))
            for position, r in rows
        ]
        return SecurityIncidentConnection(
            edges=edges, page_info=page_info(edges, has_next=has_next, after=after), total_count=total
        )

    @strawberry.field(description="The risk level of each admin area named (P-codes of one member state).")
    async def risk_levels(self, info: Info, member_state: MemberState, areas: list[str]) -> list[AreaRisk]:
        if len(areas) > 500:
            raise BadInput("areas", "at most 500 areas at a time")
        state = codes.MemberState(member_state)
        return [
            AreaRisk(member_state=state, admin_code=code, risk=await area_risk(info, state, code))
            for code in (a.strip().upper() for a in areas)
        ]


def incident_filter(
    crisis: list[strawberry.ID] | None,
    member_state: list[MemberState] | None,
    area: list[str] | None,
    status: list[IncidentStatus] | None,
) -> incident_queries.IncidentFilter:
    return incident_queries.IncidentFilter(
        crisis_ids=[parse_id(c, "crisis") for c in crisis or []],
        member_states=[codes.MemberState(s).value for s in member_state or []],
        statuses=[security.IncidentStatus(s).value for s in status or []],
        areas=[a.strip().upper() for a in area or []],
    )
