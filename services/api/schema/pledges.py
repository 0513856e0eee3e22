"""Pledges over GraphQL: FTS's pledge → commitment → paid contribution."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from domain import pledges
from domain.money import Conversion
from projections import queries
from services.api.schema.context import Info
from services.api.schema.history import HISTORY, ChangeConnection, History, read_history
from services.api.schema.history import as_of as as_of_moment
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.paging import (
    MAX_PAGE,
    check_first,
    decode_cursor,
    encode_cursor,
)
from services.api.schema.scalars import LogPosition, parse_id
from services.coordination import Recorded
from services.identity.access import Owner

strawberry.enum(
    pledges.Earmarking, name="Earmarking", description="Grand Bargain earmarking, as FTS records it"
)


strawberry.enum(pledges.DestinationKind, name="DestinationKind")


strawberry.enum(
    pledges.PledgeStatus, name="PledgeStatus", description="FTS: pledge, commitment, paid contribution"
)


Earmarking = pledges.Earmarking


DestinationKind = pledges.DestinationKind


PledgeStatus = pledges.PledgeStatus


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


PLEDGE_HISTORY = History(
    pledges.Pledge,
    "pledge",
    Pledge.of,
    lambda _concord, pledge: [Owner(organisation_id=pledge.organisation_id)],
)


@strawberry.type
class PledgePayload:
    pledge: Pledge
    position: LogPosition


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
