"""Funding flows over GraphQL, as FTS reports them: who funds whom, and their totals."""

from __future__ import annotations

import base64
import binascii
import enum
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine

from domain import codes, pledges
from projections.flow_totals import queries as flow_total_queries
from projections.flows import queries as flow_queries
from projections.flows.pages import FlowCursor, FlowFilter, flow_page
from projections.receiver_flow_totals import queries as receiver_queries
from services.api.problems import BadInput
from services.api.schema.context import Info
from services.api.schema.paging import MAX_PAGE, PageInfo, check_first, page_info
from services.api.schema.pledge_types import DestinationKind, Earmarking
from services.api.schema.scalars import MemberState, parse_id


@strawberry.enum
class FlowStatus(enum.Enum):
    """OCHA FTS flow status."""

    PLEDGE = "pledge"
    COMMITMENT = "commitment"
    PAID = "paid"


@strawberry.type(description="A flow in the OCHA FTS shape: from a source to a destination.")
class Flow:
    id: strawberry.ID
    source_kind: str = strawberry.field(description="organisation, or fund for its allocations")
    source_id: strawberry.ID
    destination_kind: DestinationKind
    destination_id: strawberry.ID
    status: FlowStatus
    amount: Decimal
    currency: str
    usd_amount: Decimal
    usd_paid: Decimal
    earmarking: Earmarking | None
    in_kind: bool
    decided_on: date
    member_state: MemberState | None = strawberry.field(description="of the receiving request or project")
    sector: str | None
    crisis_id: strawberry.ID | None = strawberry.field(
        description="given to, or of the receiving request or project"
    )


@strawberry.enum
class FlowGroup(enum.Enum):
    SOURCE = "source"
    STATUS = "status"
    YEAR = "year"
    MEMBER_STATE = "member_state"
    SECTOR = "sector"
    CRISIS = "crisis"


@strawberry.type(description="Flows added up; conversion is the share of the USD amount paid.")
class FlowTotal:
    source_id: strawberry.ID | None
    status: FlowStatus | None
    year: int | None
    member_state: MemberState | None
    sector: str | None
    crisis_id: strawberry.ID | None
    flows: int
    usd_amount: Decimal
    usd_paid: Decimal
    conversion: Decimal | None


def _flow(row: flow_queries.FlowRow) -> Flow:
    return Flow(
        id=strawberry.ID(str(row.id)),
        source_kind=row.source_kind,
        source_id=strawberry.ID(str(row.source_id)),
        destination_kind=pledges.DestinationKind(row.destination_kind),
        destination_id=strawberry.ID(str(row.destination_id)),
        status=FlowStatus(row.status),
        amount=row.amount,
        currency=row.currency,
        usd_amount=row.usd_amount,
        usd_paid=row.usd_paid,
        earmarking=pledges.Earmarking(row.earmarking) if row.earmarking else None,
        in_kind=row.in_kind,
        decided_on=row.decided_on,
        member_state=codes.MemberState(row.member_state) if row.member_state else None,
        sector=row.sector,
        crisis_id=strawberry.ID(str(row.crisis_id)) if row.crisis_id else None,
    )


def _total(
    source: Any,
    status: str | None,
    year: int | None,
    state: str | None,
    sector: str | None,
    crisis: Any,
    count: int,
    usd: Decimal,
    paid: Decimal,
) -> FlowTotal:
    return FlowTotal(
        source_id=strawberry.ID(str(source)) if source else None,
        status=FlowStatus(status) if status else None,
        year=year,
        member_state=codes.MemberState(state) if state else None,
        sector=sector,
        crisis_id=strawberry.ID(str(crisis)) if crisis else None,
        flows=count,
        usd_amount=usd,
        usd_paid=paid,
        conversion=(paid / usd).quantize(Decimal("0.0001")) if usd else None,
    )  # fmt: skip


def flows_added_up(rows: list[flow_queries.FlowRow], groups: set[FlowGroup]) -> list[FlowTotal]:
    """Flows added up one by one: what the flow totals read models answer without reading every
    flow (the tests compare the two)."""
    totals: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        key = (
            row.source_id if FlowGroup.SOURCE in groups else None,
            row.status if FlowGroup.STATUS in groups else None,
            row.decided_on.year if FlowGroup.YEAR in groups else None,
            row.member_state if FlowGroup.MEMBER_STATE in groups else None,
            row.sector if FlowGroup.SECTOR in groups else None,
            row.crisis_id if FlowGroup.CRISIS in groups else None,
        )
        entry = totals.setdefault(key, [0, Decimal(0), Decimal(0)])
        entry[0] += 1
        entry[1] += row.usd_amount
        entry[2] += row.usd_paid
    return [
        _total(*key, *values)
        for key, values in sorted(totals.items(), key=lambda kv: tuple(str(k) for k in kv[0]))
    ]


async def flow_totals_for(engine: AsyncEngine, groups: set[FlowGroup], year: int | None) -> list[FlowTotal]:
    """From the flow totals read model when it keeps every group asked for (the dashboard's
    funding by donor, status and crisis), else from the receiver flow totals (by member state or
    sector too, whose cells are finer)."""
    names = frozenset(group.value for group in groups)
    if names <= flow_total_queries.GROUPS:
        rows = await flow_total_queries.flow_totals_by(engine, names, year=year)
        return [
            _total(r.source_id, r.status, r.year, None, None, r.crisis_id, r.flows, r.usd_amount, r.usd_paid)
            for r in rows
        ]
    return [
        _total(
            r.source_id, r.status, r.year, r.member_state, r.sector, r.crisis_id, r.flows, r.usd_amount,
            r.usd_paid,
        )
        for r in await receiver_queries.receiver_flow_totals_by(engine, names, year=year)
    ]  # fmt: skip


@strawberry.type
class FlowEdge:
    cursor: str
    node: Flow


@strawberry.type(description="Flows a page at a time: pledges in the order made, then fund allocations.")
class FlowConnection:
    edges: list[FlowEdge]
    page_info: PageInfo
    total_count: int


def encode_flow_cursor(cursor: FlowCursor) -> str:
    if cursor.fund_id is not None:
        text = f"allocation:{cursor.fund_id}:{cursor.fund_version}"
    else:
        text = f"pledge:{cursor.pledge_position}"
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_flow_cursor(cursor: str) -> FlowCursor:
    try:
        kind, _, rest = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind == "pledge":
            return FlowCursor(pledge_position=int(rest))
        if kind == "allocation":
            fund, _, version = rest.partition(":")
            return FlowCursor(fund_id=UUID(fund), fund_version=int(version))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise BadInput("after", f"{cursor!r} is not a cursor of this list")


@strawberry.type
class FlowQuery:
    @strawberry.field(
        description="Flows in the FTS shape: pledges in, fund allocations out, every one at once.",
        deprecation_reason="unpaged: use flowsConnection",
    )
    async def flows(self, info: Info, year: int | None = None) -> list[Flow]:
        return [_flow(r) for r in await flow_queries.flows(info.context.runtime.query_engine, year=year)]

    @strawberry.field(
        description=(
            "Flows in the FTS shape, a page at a time: pledges in (in the order made), then fund "
            "allocations out; sourceId: only those from these organisations or funds."
        )
    )
    async def flows_connection(
        self,
        info: Info,
        source_id: list[strawberry.ID] | None = None,
        year: int | None = None,
        first: int = MAX_PAGE,
        after: str | None = None,
    ) -> FlowConnection:
        check_first(first)
        where = FlowFilter(source_ids=tuple(parse_id(s, "sourceId") for s in source_id or []), year=year)
        cursor = decode_flow_cursor(after) if after else None
        rows, has_next, total = await flow_page(
            info.context.runtime.query_engine, where, first=first, after=cursor
        )
        edges = [FlowEdge(cursor=encode_flow_cursor(c), node=_flow(row)) for c, row in rows]
        return FlowConnection(
            edges=edges, page_info=page_info(edges, has_next=has_next, after=after), total_count=total
        )

    @strawberry.field(
        description=(
            "Flows added up by source (donor), status, year, member state, sector and/or crisis; "
            "conversion is the share of pledged USD that was paid."
        )
    )
    async def flow_totals(
        self, info: Info, group_by: list[FlowGroup], year: int | None = None
    ) -> list[FlowTotal]:
        return await flow_totals_for(info.context.runtime.query_engine, set(group_by), year)
