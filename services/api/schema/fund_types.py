"""The Stability Fund's object types: a fund, its allocations and their pages, its totals. Its
queries and commands are in services.api.schema.fund."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine

from domain import funds, pledges
from projections.finance.stability_fund import FundAllocationRow, fund_allocations_page
from services.api.schema.context import Info
from services.api.schema.fund_ledger import FundLedgerConnection, ledger_page
from services.api.schema.history import History, read_history
from services.api.schema.history_types import ChangeConnection
from services.api.schema.paging import (
    MAX_PAGE,
    PageInfo,
    check_first,
    decode_cursor,
    encode_cursor,
    page_info,
)
from services.api.schema.pledge_types import DestinationKind
from services.api.schema.scalars import MemberState

strawberry.enum(
    funds.FundWindow, name="FundWindow", description="standard (planned, reviewed) or reserve (rapid)"
)


FundWindow = funds.FundWindow


@strawberry.type(description="An allocation approved from a fund: who decided, when, and why.")
class FundAllocation:
    id: strawberry.ID
    window: FundWindow
    destination_kind: DestinationKind
    destination_id: strawberry.ID
    usd_amount: Decimal
    disbursed: Decimal
    rationale: str
    decided_by: str
    decided_at: datetime

    @classmethod
    def of(cls, row: FundAllocationRow) -> FundAllocation:
        return cls(
            id=strawberry.ID(str(row.allocation_id)),
            window=funds.FundWindow(row.window),
            destination_kind=pledges.DestinationKind(row.destination_kind),
            destination_id=strawberry.ID(str(row.destination_id)),
            usd_amount=row.usd_amount,
            disbursed=row.disbursed,
            rationale=row.rationale,
            decided_by=row.decided_by,
            decided_at=row.decided_at,
        )

    @classmethod
    def approved(cls, event: funds.StabilityFund.AllocationApproved) -> FundAllocation:
        """As its approval records it: nothing disbursed yet."""
        return cls(
            id=strawberry.ID(str(event.allocation_id)),
            window=funds.FundWindow(event.window),
            destination_kind=pledges.DestinationKind(event.destination_kind),
            destination_id=strawberry.ID(str(event.destination_id)),
            usd_amount=event.usd_amount,
            disbursed=Decimal(0),
            rationale=event.rationale,
            decided_by=event.actor.principal,
            decided_at=event.timestamp,
        )


@strawberry.type
class FundAllocationEdge:
    cursor: str
    node: FundAllocation


@strawberry.type(description="A page of a fund's allocations, oldest first (a Relay connection).")
class FundAllocationConnection:
    edges: list[FundAllocationEdge]
    page_info: PageInfo
    total_count: int


async def allocations_page(
    engine: AsyncEngine, fund_id: UUID, first: int, after: str | None
) -> FundAllocationConnection:
    """One page of the allocations read model; the cursor is the fund's version after the approval."""
    check_first(first)
    rows, has_next, total = await fund_allocations_page(
        engine, fund_id, first=first, after=decode_cursor(after) if after else None
    )
    edges = [
        FundAllocationEdge(cursor=encode_cursor(row.version), node=FundAllocation.of(row)) for row in rows
    ]
    return FundAllocationConnection(
        edges=edges, page_info=page_info(edges, has_next=has_next, after=after), total_count=total
    )


@strawberry.type(
    description=(
        "A Stability Fund in US dollars: its totals from the event store, its ledger and allocations paged."
    )
)
class Fund:
    id: strawberry.ID
    name: str
    member_state: MemberState | None = strawberry.field(
        description="a country window; null for the regional fund"
    )
    received: Decimal
    refunded: Decimal
    allocated: Decimal
    disbursed: Decimal
    balance: Decimal = strawberry.field(description="unallocated: received - refunded - allocated")

    @strawberry.field(
        description=(
            "The ledger over time, oldest entry first, a page at a time (from the finance read "
            "model: send Concord-Consistent-With to include a command's entry)."
        )
    )
    async def ledger(
        self, info: Info, first: int = MAX_PAGE, after: str | None = None
    ) -> FundLedgerConnection:
        return await ledger_page(info.context.runtime.query_engine, UUID(self.id), first, after)

    @strawberry.field(
        description=(
            "Its allocations, oldest approval first, a page at a time, with who decided and why "
            "(from the finance read model: send Concord-Consistent-With to include a command's "
            "allocation)."
        )
    )
    async def allocations(
        self, info: Info, first: int = MAX_PAGE, after: str | None = None
    ) -> FundAllocationConnection:
        return await allocations_page(info.context.runtime.query_engine, UUID(self.id), first, after)

    @strawberry.field(
        description=(
            "Every change, oldest first, a page at a time, from the event store (the cursor is the "
            "fund's version): its totals before and after, and who changed them for the secretariat."
        )
    )
    async def history(self, info: Info, first: int = MAX_PAGE, after: str | None = None) -> ChangeConnection:
        page: ChangeConnection = await read_history(info, FUND_HISTORY, self.id, first, after)
        return page

    @classmethod
    def of(cls, fund: funds.StabilityFund) -> Fund:
        return cls(
            id=strawberry.ID(str(fund.id)),
            name=fund.name,
            member_state=fund.member_state,
            received=fund.received,
            refunded=fund.refunded,
            allocated=fund.allocated,
            disbursed=fund.disbursed,
            balance=fund.balance,
        )


FUND_HISTORY = History(funds.StabilityFund, "fund", Fund.of)


@strawberry.type(description="A fund's totals, from the read model.")
class FundSummary:
    id: strawberry.ID
    name: str
    member_state: MemberState | None
    received: Decimal
    refunded: Decimal
    allocated: Decimal
    disbursed: Decimal
    balance: Decimal
