"""The money of the funds and projects stage by stage, as IATI reports it: each pledge's pledge and
commitment, each of its payments, each allocation and each of its disbursements, dated when the
money moved (a payment's date, not when it was recorded). Read whole, for the IATI export."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.assistance_requests.tables import assistance_requests
from projections.finance.tables import fund_allocations, fund_ledger, pledge_payments, pledges
from projections.projects.tables import projects

#: What a pledge can go to that is an IATI activity of Concord's.
ACTIVITY_KINDS = ("fund", "project")


@dataclass(frozen=True)
class Payment:
    id: UUID
    paid_on: date
    usd_amount: Decimal  # less what was refunded of it


@dataclass(frozen=True)
class PledgeStages:
    id: UUID
    organisation_id: UUID
    destination_kind: str  # fund | project
    destination_id: UUID
    usd_amount: Decimal
    pledged_on: date
    committed_on: date | None
    payments: list[Payment] = field(default_factory=list)  # by payment date


@dataclass(frozen=True)
class Disbursement:
    id: UUID
    disbursed_on: date
    usd_amount: Decimal


@dataclass(frozen=True)
class AllocationStages:
    id: UUID
    fund_id: UUID
    destination_kind: str  # request | project
    destination_id: UUID
    member_state: str | None  # of the request or project
    usd_amount: Decimal
    decided_on: date
    disbursements: list[Disbursement] = field(default_factory=list)  # in the order made


async def pledges_to_activities(engine: AsyncEngine) -> list[PledgeStages]:
    """The pledges to funds and projects, not cancelled, in the order made, with their payments."""
    p, y = pledges.c, pledge_payments.c
    pledge_query = (
        select(
            p.id, p.organisation_id, p.destination_kind, p.destination_id, p.usd_amount, p.pledged_at,
            p.committed_at,
        )
        .where(p.destination_kind.in_(ACTIVITY_KINDS), p.status != "cancelled")
        .order_by(p.made_position)
    )  # fmt: skip
    payment_query = (
        select(y.pledge_id, y.payment_id, y.paid_on, y.usd_amount, y.usd_refunded)
        .join(pledges, p.id == y.pledge_id)
        .where(p.destination_kind.in_(ACTIVITY_KINDS))
        .order_by(y.paid_on, y.payment_id)
    )
    paid: dict[UUID, list[Payment]] = defaultdict(list)
    async with engine.connect() as conn:
        for row in await conn.execute(payment_query):
            paid[row.pledge_id].append(
                Payment(row.payment_id, row.paid_on, row.usd_amount - row.usd_refunded)
            )
        return [
            PledgeStages(
                row.id, row.organisation_id, row.destination_kind, row.destination_id, row.usd_amount,
                row.pledged_at.date(), row.committed_at.date() if row.committed_at else None, paid[row.id],
            )
            for row in await conn.execute(pledge_query)
        ]  # fmt: skip


async def allocations_with_disbursements(engine: AsyncEngine) -> list[AllocationStages]:
    """Every fund's allocations in the order approved, each with its disbursements."""
    a, r, j, g = fund_allocations.c, assistance_requests.c, projects.c, fund_ledger.c
    allocation_query = (
        select(
            a.allocation_id, a.fund_id, a.destination_kind, a.destination_id,
            func.coalesce(r.member_state, j.member_state).label("member_state"), a.usd_amount, a.decided_at,
        )
        .outerjoin(assistance_requests, r.id == a.destination_id)
        .outerjoin(projects, j.id == a.destination_id)
        .order_by(a.fund_id, a.version)
    )  # fmt: skip
    disbursement_query = (
        select(g.allocation_id, g.disbursement_id, g.value_date, g.usd_amount)
        .where(g.kind == "disbursement")
        .order_by(g.fund_id, g.version)
    )
    disbursed: dict[UUID, list[Disbursement]] = defaultdict(list)
    async with engine.connect() as conn:
        for row in await conn.execute(disbursement_query):
            disbursed[row.allocation_id].append(
                Disbursement(row.disbursement_id, row.value_date, row.usd_amount)
            )
        return [
            AllocationStages(
                row.allocation_id, row.fund_id, row.destination_kind, row.destination_id, row.member_state,
                row.usd_amount, row.decided_at.date(), disbursed[row.allocation_id],
            )
            for row in await conn.execute(allocation_query)
        ]  # fmt: skip
