"""The Stability Fund over GraphQL: its balance, allocations and ledger."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine

from domain import codes, funds, pledges
from projections.finance import stability_fund as fund_queries
from projections.finance.stability_fund import FundAllocationRow, fund_allocations_page
from services.api.schema.context import Info
from services.api.schema.fund_ledger import FundLedgerConnection, ledger_page
from services.api.schema.history import ChangeConnection, History, read_history
from services.api.schema.history import as_of as as_of_moment
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.paging import (
    MAX_PAGE,
    PageInfo,
    check_first,
    decode_cursor,
    encode_cursor,
    page_info,
)
from services.api.schema.pledge_types import DestinationKind
from services.api.schema.scalars import LogPosition, MemberState, parse_id
from services.coordination import Recorded

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


@strawberry.type
class FundPayload:
    fund: Fund
    position: LogPosition


@strawberry.type
class FundAllocationPayload:
    fund: Fund
    allocation: FundAllocation = strawberry.field(
        description="the allocation approved, from its event (the fund lists it once its read model has it)"
    )
    position: LogPosition


def _fund(recorded: Recorded[funds.StabilityFund]) -> FundPayload:
    return FundPayload(fund=Fund.of(recorded.aggregate), position=LogPosition(recorded.position))


@strawberry.input
class OpenFundInput:
    name: str
    member_state: MemberState | None = None
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class AllocateFromFundInput:
    fund_id: strawberry.ID
    window: FundWindow
    destination_kind: DestinationKind
    destination_id: strawberry.ID
    usd_amount: Decimal
    rationale: str
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class DisburseInput:
    fund_id: strawberry.ID
    allocation_id: strawberry.ID
    usd_amount: Decimal
    idempotency_key: str | None = IDEMPOTENCY_KEY


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


@strawberry.type
class FundMutation:
    @strawberry.mutation(description="Open a fund: the regional Stability Fund or a country window.")
    async def open_fund(self, info: Info, input: OpenFundInput) -> FundPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.open_fund, c.command(input.idempotency_key), input.name, input.member_state
        )
        return _fund(recorded)

    @strawberry.mutation(
        description="Approve an allocation to a request or project; never beyond the balance."
    )
    async def allocate_from_fund(self, info: Info, input: AllocateFromFundInput) -> FundAllocationPayload:
        c = info.context
        concord = c.runtime.concord
        recorded = await c.run(
            concord.allocate_from_fund,
            c.command(input.idempotency_key),
            parse_id(input.fund_id, "fundId"),
            window=funds.FundWindow(input.window),
            destination_kind=pledges.DestinationKind(input.destination_kind),
            destination_id=parse_id(input.destination_id, "destinationId"),
            usd_amount=input.usd_amount,
            rationale=input.rationale,
        )
        approved = await c.run(concord.approved_allocation, recorded.aggregate)
        return FundAllocationPayload(
            fund=Fund.of(recorded.aggregate),
            allocation=FundAllocation.approved(approved),
            position=LogPosition(recorded.position),
        )

    @strawberry.mutation(description="Pay out against an allocation; never beyond it.")
    async def disburse(self, info: Info, input: DisburseInput) -> FundPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.disburse,
            c.command(input.idempotency_key),
            parse_id(input.fund_id, "fundId"),
            parse_id(input.allocation_id, "allocationId"),
            input.usd_amount,
        )
        return _fund(recorded)


@strawberry.type
class FundQuery:
    @strawberry.field(
        description=(
            "One fund's ledger, as the event store has it now; with asOf, its totals as they stood "
            "then (NOT_FOUND if it did not exist yet; its ledger and allocations are read as now)."
        )
    )
    async def fund(self, info: Info, id: strawberry.ID, as_of: datetime | None = None) -> Fund:
        if as_of is not None:
            return await as_of_moment(info, FUND_HISTORY, parse_id(id), as_of)
        concord = info.context.runtime.concord
        return Fund.of(await info.context.run(concord.get_fund, parse_id(id)))


@strawberry.type
class FundListQuery:
    @strawberry.field(description="Every fund with its totals.")
    async def funds(self, info: Info) -> list[FundSummary]:
        rows = await fund_queries.list_funds(info.context.runtime.query_engine)
        return [
            FundSummary(
                id=strawberry.ID(str(r.id)),
                name=r.name,
                member_state=codes.MemberState(r.member_state) if r.member_state else None,
                received=r.received,
                refunded=r.refunded,
                allocated=r.allocated,
                disbursed=r.disbursed,
                balance=r.balance,
            )
            for r in rows
        ]
