"""Pledges and the Stability Fund over GraphQL: FTS's pledge → commitment → paid contribution."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine

from domain import codes, funds, pledges
from domain.money import Conversion
from projections import queries
from projections.ledger_queries import FundAllocationRow, fund_allocations_page
from services.api.schema.context import Info
from services.api.schema.fund_ledger import FundLedgerConnection, ledger_page
from services.api.schema.history import HISTORY, ChangeConnection, History, read_history
from services.api.schema.history import as_of as as_of_moment
from services.api.schema.mutations import IDEMPOTENCY_KEY
from services.api.schema.paging import (
    MAX_PAGE,
    PageInfo,
    check_first,
    decode_cursor,
    encode_cursor,
    page_info,
)
from services.api.schema.scalars import LogPosition, MemberState, parse_id
from services.coordination import Recorded
from services.identity.access import Owner

strawberry.enum(
    pledges.Earmarking, name="Earmarking", description="Grand Bargain earmarking, as FTS records it"
)
strawberry.enum(pledges.DestinationKind, name="DestinationKind")
strawberry.enum(
    pledges.PledgeStatus, name="PledgeStatus", description="FTS: pledge, commitment, paid contribution"
)
strawberry.enum(
    funds.FundWindow, name="FundWindow", description="standard (planned, reviewed) or reserve (rapid)"
)
Earmarking = pledges.Earmarking
DestinationKind = pledges.DestinationKind
PledgeStatus = pledges.PledgeStatus
FundWindow = funds.FundWindow


@strawberry.type
class Payment:
    id: strawberry.ID
    amount: Decimal
    usd_amount: Decimal
    paid_on: date
    refunded: Decimal
    usd_refunded: Decimal


@strawberry.type
class AnnualPortion:
    year: int
    amount: Decimal


@strawberry.type(description="A donor's pledge, from promise to payment (read from the event store).")
class Pledge:
    id: strawberry.ID
    organisation_id: strawberry.ID
    destination_kind: DestinationKind
    destination_id: strawberry.ID
    amount: Decimal
    currency: str = strawberry.field(description="ISO 4217")
    usd_rate: Decimal
    rate_date: date
    usd_amount: Decimal
    earmarking: Earmarking
    in_kind: bool
    annual_portions: list[AnnualPortion]
    status: PledgeStatus
    due_date: date | None
    paid: Decimal
    usd_paid: Decimal
    payments: list[Payment]
    pledged_at: datetime

    @classmethod
    def of(cls, pledge: pledges.Pledge) -> Pledge:
        return cls(
            id=strawberry.ID(str(pledge.id)),
            organisation_id=strawberry.ID(str(pledge.organisation_id)),
            destination_kind=pledge.destination_kind,
            destination_id=strawberry.ID(str(pledge.destination_id)),
            amount=pledge.amount,
            currency=pledge.currency,
            usd_rate=pledge.conversion.usd_rate,
            rate_date=pledge.conversion.on,
            usd_amount=pledge.usd_amount,
            earmarking=pledge.earmarking,
            in_kind=pledge.in_kind,
            annual_portions=[AnnualPortion(year=y, amount=a) for y, a in pledge.annual_portions],
            status=pledge.status,
            due_date=pledge.due_date,
            paid=pledge.paid,
            usd_paid=pledge.usd_paid,
            payments=[
                Payment(
                    id=strawberry.ID(str(payment_id)),
                    amount=p.amount,
                    usd_amount=p.usd_amount,
                    paid_on=p.paid_on,
                    refunded=p.refunded,
                    usd_refunded=p.usd_refunded,
                )
                for payment_id, p in pledge.payments.items()
            ],
            pledged_at=pledge.created_on,
        )

    @strawberry.field(description=HISTORY)
    async def history(self, info: Info, first: int = MAX_PAGE, after: str | None = None) -> ChangeConnection:
        page: ChangeConnection = await read_history(info, PLEDGE_HISTORY, self.id, first, after)
        return page


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


PLEDGE_HISTORY = History(
    pledges.Pledge,
    "pledge",
    Pledge.of,
    lambda _concord, pledge: [Owner(organisation_id=pledge.organisation_id)],
)
FUND_HISTORY = History(funds.StabilityFund, "fund", Fund.of)


@strawberry.type
class PledgePayload:
    pledge: Pledge
    position: LogPosition


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


def _pledge(recorded: Recorded[pledges.Pledge]) -> PledgePayload:
    return PledgePayload(pledge=Pledge.of(recorded.aggregate), position=LogPosition(recorded.position))


def _fund(recorded: Recorded[funds.StabilityFund]) -> FundPayload:
    return FundPayload(fund=Fund.of(recorded.aggregate), position=LogPosition(recorded.position))


@strawberry.input
class AnnualPortionInput:
    year: int
    amount: Decimal


@strawberry.input(description="Made by the caller's organisation (a donor).")
class MakePledgeInput:
    destination_kind: DestinationKind
    destination_id: strawberry.ID
    amount: Decimal
    currency: str = strawberry.field(description="ISO 4217, e.g. JPY")
    usd_rate: Decimal = strawberry.field(description="US dollars per unit of the currency")
    rate_date: date
    earmarking: Earmarking
    in_kind: bool = False
    annual_portions: list[AnnualPortionInput] | None = None
    description: str = ""
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class CommitPledgeInput:
    id: strawberry.ID
    due_date: date
    reference: str = strawberry.field(default="", description="e.g. the signed agreement's number")
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class RecordPaymentInput:
    id: strawberry.ID
    amount: Decimal
    usd_rate: Decimal
    rate_date: date
    paid_on: date
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class CancelPledgeInput:
    id: strawberry.ID
    reason: str = ""
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class RefundPaymentInput:
    pledge_id: strawberry.ID
    payment_id: strawberry.ID
    amount: Decimal
    reason: str
    idempotency_key: str | None = IDEMPOTENCY_KEY


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
class FinanceMutation:
    @strawberry.mutation(description="Pledge money or in-kind resources (a donor, for its organisation).")
    async def make_pledge(self, info: Info, input: MakePledgeInput) -> PledgePayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.make_pledge,
            c.command(input.idempotency_key),
            destination_kind=pledges.DestinationKind(input.destination_kind),
            destination_id=parse_id(input.destination_id, "destinationId"),
            amount=input.amount,
            currency=input.currency,
            conversion=Conversion(input.usd_rate, input.rate_date),
            earmarking=pledges.Earmarking(input.earmarking),
            in_kind=input.in_kind,
            annual_portions=[(p.year, p.amount) for p in input.annual_portions or []],
            description=input.description,
        )
        return _pledge(recorded)

    @strawberry.mutation(description="The pledge becomes a commitment (legally binding).")
    async def commit_pledge(self, info: Info, input: CommitPledgeInput) -> PledgePayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.commit_pledge,
            c.command(input.idempotency_key),
            parse_id(input.id),
            input.due_date,
            input.reference,
        )
        return _pledge(recorded)

    @strawberry.mutation(description="A payment against a commitment; several may follow.")
    async def record_payment(self, info: Info, input: RecordPaymentInput) -> PledgePayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.record_payment,
            c.command(input.idempotency_key),
            parse_id(input.id),
            input.amount,
            Conversion(input.usd_rate, input.rate_date),
            input.paid_on,
        )
        return _pledge(recorded)

    @strawberry.mutation(
        description="Cancel what was pledged and not paid (a paid pledge is refunded instead)."
    )
    async def cancel_pledge(self, info: Info, input: CancelPledgeInput) -> PledgePayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.cancel_pledge,
            c.command(input.idempotency_key),
            parse_id(input.id),
            input.reason,
        )
        return _pledge(recorded)

    @strawberry.mutation(description="Return (part of) a payment, at its own exchange rate.")
    async def refund_payment(self, info: Info, input: RefundPaymentInput) -> PledgePayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.refund_payment,
            c.command(input.idempotency_key),
            parse_id(input.pledge_id, "pledgeId"),
            parse_id(input.payment_id, "paymentId"),
            input.amount,
            input.reason,
        )
        return _pledge(recorded)

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
class FinanceQuery:
    @strawberry.field(
        description=(
            "One pledge, as the event store has it now; with asOf, as it stood then (NOT_FOUND if "
            "it did not exist yet)."
        )
    )
    async def pledge(self, info: Info, id: strawberry.ID, as_of: datetime | None = None) -> Pledge:
        if as_of is not None:
            return await as_of_moment(info, PLEDGE_HISTORY, parse_id(id), as_of)
        concord = info.context.runtime.concord
        return Pledge.of(await info.context.run(concord.get_pledge, parse_id(id)))

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


@strawberry.type(description="A pledge as the read model holds it, with its age.")
class PledgeSummary:
    id: strawberry.ID
    organisation_id: strawberry.ID
    destination_kind: DestinationKind
    destination_id: strawberry.ID
    amount: Decimal
    currency: str
    usd_amount: Decimal
    earmarking: Earmarking
    in_kind: bool
    status: PledgeStatus
    paid: Decimal
    usd_paid: Decimal
    due_date: date | None
    pledged_at: datetime
    days_since_pledged: int
    days_committed_unpaid: int | None = strawberry.field(
        description="days since the commitment, while nothing has been paid"
    )
    overdue: bool = strawberry.field(description="a commitment unpaid past its due date")

    @classmethod
    def of(cls, row: queries.PledgeRow, today: date) -> PledgeSummary:
        unpaid_since = (
            row.committed_at if row.committed_at and row.paid == 0 and row.status == "committed" else None
        )
        return cls(
            id=strawberry.ID(str(row.id)),
            organisation_id=strawberry.ID(str(row.organisation_id)),
            destination_kind=pledges.DestinationKind(row.destination_kind),
            destination_id=strawberry.ID(str(row.destination_id)),
            amount=row.amount,
            currency=row.currency,
            usd_amount=row.usd_amount,
            earmarking=pledges.Earmarking(row.earmarking),
            in_kind=row.in_kind,
            status=pledges.PledgeStatus(row.status),
            paid=row.paid,
            usd_paid=row.usd_paid,
            due_date=row.due_date,
            pledged_at=row.pledged_at,
            days_since_pledged=(today - row.pledged_at.date()).days,
            days_committed_unpaid=(today - unpaid_since.date()).days if unpaid_since else None,
            overdue=row.overdue(today),
        )


@strawberry.type
class PledgeEdge:
    cursor: str
    node: PledgeSummary


@strawberry.type
class PledgeConnection:
    edges: list[PledgeEdge]
    has_next_page: bool
    total_count: int


@strawberry.input
class PledgeFilter:
    organisation: list[strawberry.ID] | None = None
    destination: list[strawberry.ID] | None = None
    status: list[PledgeStatus] | None = None
    overdue: bool = False


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


def _flow(row: queries.FlowRow) -> Flow:
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


def flow_totals(rows: list[queries.FlowRow], groups: set[FlowGroup]) -> list[FlowTotal]:
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
class FinanceListQuery:
    @strawberry.field(description="Pledges, newest first, with their age; overdue: unpaid past due.")
    async def pledges(
        self, info: Info, filter: PledgeFilter | None = None, first: int = 20, after: str | None = None
    ) -> PledgeConnection:
        check_first(first)
        f = filter or PledgeFilter()
        today = info.context.runtime.concord.today()
        where = queries.PledgeFilter(
            organisation_ids=tuple(parse_id(o, "organisation") for o in f.organisation or ()),
            destination_ids=tuple(parse_id(d, "destination") for d in f.destination or ()),
            statuses=tuple(pledges.PledgeStatus(s).value for s in f.status or ()),
            overdue_on=today if f.overdue else None,
        )
        rows, has_next, total = await queries.list_pledges(
            info.context.runtime.query_engine,
            where,
            first=first,
            after=decode_cursor(after) if after else None,
        )
        edges = [
            PledgeEdge(cursor=encode_cursor(r.made_position), node=PledgeSummary.of(r, today)) for r in rows
        ]
        return PledgeConnection(edges=edges, has_next_page=has_next, total_count=total)

    @strawberry.field(description="Every fund with its totals.")
    async def funds(self, info: Info) -> list[FundSummary]:
        rows = await queries.list_funds(info.context.runtime.query_engine)
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

    @strawberry.field(description="Flows in the FTS shape: pledges in, fund allocations out.")
    async def flows(self, info: Info, year: int | None = None) -> list[Flow]:
        return [_flow(r) for r in await queries.flows(info.context.runtime.query_engine, year=year)]

    @strawberry.field(
        description=(
            "Flows added up by source (donor), status, year, member state, sector and/or crisis; "
            "conversion is the share of pledged USD that was paid."
        )
    )
    async def flow_totals(
        self, info: Info, group_by: list[FlowGroup], year: int | None = None
    ) -> list[FlowTotal]:
        rows = await queries.flows(info.context.runtime.query_engine, year=year)
        return flow_totals(rows, set(group_by))
