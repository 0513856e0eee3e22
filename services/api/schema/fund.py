"""The Stability Fund over GraphQL: open a fund, allocate and disburse; one fund, and every fund's totals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from domain import codes, funds, pledges
from projections.finance import stability_fund as fund_queries
from services.api.schema.context import Info
from services.api.schema.fund_types import FUND_HISTORY, Fund, FundAllocation, FundSummary, FundWindow
from services.api.schema.history import as_of as as_of_moment
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.pledge_types import DestinationKind
from services.api.schema.scalars import LogPosition, MemberState, parse_id
from services.coordination import Recorded


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
