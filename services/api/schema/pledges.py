"""Pledges over GraphQL: FTS's pledge → commitment → paid contribution."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from domain import pledges
from domain.money import Conversion
from projections.finance import pledges as pledge_queries
from services.api.schema.context import Info
from services.api.schema.history import as_of as as_of_moment
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.paging import (
    check_first,
    decode_cursor,
    encode_cursor,
)
from services.api.schema.pledge_types import (
    PLEDGE_HISTORY,
    DestinationKind,
    Earmarking,
    Pledge,
    PledgeConnection,
    PledgeEdge,
    PledgePayload,
    PledgeStatus,
    PledgeSummary,
)
from services.api.schema.scalars import LogPosition, parse_id
from services.coordination import Recorded


def _pledge(recorded: Recorded[pledges.Pledge]) -> PledgePayload:
    return PledgePayload(pledge=Pledge.of(recorded.aggregate), position=LogPosition(recorded.position))


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
class PledgeFilter:
    organisation: list[strawberry.ID] | None = None
    destination: list[strawberry.ID] | None = None
    status: list[PledgeStatus] | None = None
    overdue: bool = False


@strawberry.type
class PledgeMutation:
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


@strawberry.type
class PledgeQuery:
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


@strawberry.type
class PledgeListQuery:
    @strawberry.field(description="Pledges, newest first, with their age; overdue: unpaid past due.")
    async def pledges(
        self, info: Info, filter: PledgeFilter | None = None, first: int = 20, after: str | None = None
    ) -> PledgeConnection:
        check_first(first)
        f = filter or PledgeFilter()
        today = info.context.runtime.concord.today()
        where = pledge_queries.PledgeFilter(
            organisation_ids=tuple(parse_id(o, "organisation") for o in f.organisation or ()),
            destination_ids=tuple(parse_id(d, "destination") for d in f.destination or ()),
            statuses=tuple(pledges.PledgeStatus(s).value for s in f.status or ()),
            overdue_on=today if f.overdue else None,
        )
        rows, has_next, total = await pledge_queries.list_pledges(
            info.context.runtime.query_engine,
            where,
            first=first,
            after=decode_cursor(after) if after else None,
        )
        edges = [
            PledgeEdge(cursor=encode_cursor(r.made_position), node=PledgeSummary.of(r, today)) for r in rows
        ]
        return PledgeConnection(edges=edges, has_next_page=has_next, total_count=total)
