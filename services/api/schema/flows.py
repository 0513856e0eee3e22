"""Funding flows over GraphQL, as FTS reports them: who funds whom, and their totals."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any

import strawberry

from domain import codes, pledges
from projections.flows import queries as flow_queries
from services.api.schema.context import Info
from services.api.schema.pledge_types import DestinationKind, Earmarking
from services.api.schema.scalars import MemberState


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


def flow_totals(rows: list[flow_queries.FlowRow], groups: set[FlowGroup]) -> list[FlowTotal]:
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
        FlowTotal(
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
        )
        for (source, status, year, state, sector, crisis), (count, usd, paid) in sorted(
            totals.items(), key=lambda kv: tuple(str(k) for k in kv[0])
        )
    ]


@strawberry.type
class FlowQuery:
    @strawberry.field(description="Flows in the FTS shape: pledges in, fund allocations out.")
    async def flows(self, info: Info, year: int | None = None) -> list[Flow]:
        return [_flow(r) for r in await flow_queries.flows(info.context.runtime.query_engine, year=year)]

    @strawberry.field(
        description=(
            "Flows added up by source (donor), status, year, member state, sector and/or crisis; "
            "conversion is the share of pledged USD that was paid."
        )
    )
    async def flow_totals(
        self, info: Info, group_by: list[FlowGroup], year: int | None = None
    ) -> list[FlowTotal]:
        rows = await flow_queries.flows(info.context.runtime.query_engine, year=year)
        return flow_totals(rows, set(group_by))
