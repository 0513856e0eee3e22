"""Flows in the OCHA FTS shape: pledges given and the Stability Fund's allocations, each with the
state, sector and crisis of what it goes to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.assistance_requests.tables import assistance_requests
from projections.finance.tables import fund_allocations, pledges
from projections.projects.tables import projects


@dataclass(frozen=True)
class FlowRow:
    """One flow in the OCHA FTS shape: from a source to a destination, with its status."""

    id: UUID
    source_kind: str  # organisation | fund
    source_id: UUID
    destination_kind: str  # fund | request | project | crisis
    destination_id: UUID
    status: str  # FTS: pledge | commitment | paid
    amount: Decimal
    currency: str
    usd_amount: Decimal
    usd_paid: Decimal
    earmarking: str | None
    in_kind: bool
    decided_on: date
    member_state: str | None  # of the receiving request, where there is one
    sector: str | None
    crisis_id: UUID | None  # the crisis given to, or of the receiving request


_FTS_STATUS = {
    "pledged": "pledge",
    "committed": "commitment",
    "partially-paid": "commitment",
    "paid": "paid",
}


async def flows(engine: AsyncEngine, *, year: int | None = None) -> list[FlowRow]:
    """Incoming flows (pledges, not cancelled) and outgoing ones (fund allocations); the receiving
    state, sector and crisis are those of the request or project given to."""
    p, a, r, j = pledges.c, fund_allocations.c, assistance_requests.c, projects.c
    state, sector, crisis = (
        func.coalesce(r.member_state, j.member_state).label("member_state"),
        func.coalesce(r.sector, j.sector).label("sector"),
        func.coalesce(r.crisis_id, j.crisis_id).label("crisis_id"),
    )
    pledge_query = (
        select(
            p.id, p.organisation_id, p.destination_kind, p.destination_id, p.status, p.amount, p.currency,
            p.usd_amount, p.usd_paid, p.earmarking, p.in_kind, p.pledged_at, state, sector, crisis,
        )
        .outerjoin(assistance_requests, r.id == p.destination_id)
        .outerjoin(projects, j.id == p.destination_id)
        .where(p.status != "cancelled")
        .order_by(p.made_position)
    )  # fmt: skip
    allocation_query = (
        select(
            a.allocation_id, a.fund_id, a.destination_kind, a.destination_id, a.usd_amount, a.disbursed,
            a.decided_at, state, sector, crisis,
        )
        .outerjoin(assistance_requests, r.id == a.destination_id)
        .outerjoin(projects, j.id == a.destination_id)
        .order_by(a.decided_at)
    )  # fmt: skip
    async with engine.connect() as conn:
        incoming = [
            FlowRow(
                row.id, "organisation", row.organisation_id, row.destination_kind, row.destination_id,
                _FTS_STATUS[row.status], row.amount, row.currency, row.usd_amount, row.usd_paid,
                row.earmarking, row.in_kind, row.pledged_at.date(), row.member_state, row.sector,
                row.destination_id if row.destination_kind == "crisis" else row.crisis_id,
            )
            for row in await conn.execute(pledge_query)
        ]  # fmt: skip
        outgoing = [
            FlowRow(
                row.allocation_id, "fund", row.fund_id, row.destination_kind, row.destination_id,
                "paid" if row.disbursed >= row.usd_amount else "commitment", row.usd_amount, "USD",
                row.usd_amount, row.disbursed, None, False, row.decided_at.date(),
                row.member_state, row.sector, row.crisis_id,
            )
            for row in await conn.execute(allocation_query)
        ]  # fmt: skip
    return [f for f in incoming + outgoing if year is None or f.decided_on.year == year]
