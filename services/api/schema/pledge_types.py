"""A pledge's object types: payments, annual portions, its age and its history. The commands and
queries are in services.api.schema.pledges; flows and the fund use its enums."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from domain import pledges
from projections.finance import pledges as pledge_queries
from services.api.schema.context import Info
from services.api.schema.history import HISTORY, History, read_history
from services.api.schema.history_types import ChangeConnection
from services.api.schema.paging import (
    MAX_PAGE,
)
from services.api.schema.scalars import LogPosition
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
    def of(cls, row: pledge_queries.PledgeRow, today: date) -> PledgeSummary:
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
