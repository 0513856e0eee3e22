"""Flows in the OCHA FTS shape: pledges given and the Stability Fund's allocations, each with the
state, sector and crisis of what it goes to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select
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


FTS_STATUS = {
    "pledged": "pledge",
    "committed": "commitment",
    "partially-paid": "commitment",
    "paid": "paid",
}
_p, _a, _r, _j = pledges.c, fund_allocations.c, assistance_requests.c, projects.c
# The receiving request's or project's member state, sector and crisis.
_RECEIVER = (
    func.coalesce(_r.member_state, _j.member_state).label("member_state"),
    func.coalesce(_r.sector, _j.sector).label("sector"),
    func.coalesce(_r.crisis_id, _j.crisis_id).label("crisis_id"),
)


def pledge_flows() -> Select[Any]:
    """Every pledge, with what ``pledge_flow`` needs of it and of its receiver (add the filters)."""
    return (
        select(
            _p.id, _p.organisation_id, _p.destination_kind, _p.destination_id, _p.status, _p.amount,
            _p.currency, _p.usd_amount, _p.usd_paid, _p.earmarking, _p.in_kind, _p.pledged_at, *_RECEIVER,
        )
        .outerjoin(assistance_requests, _r.id == _p.destination_id)
        .outerjoin(projects, _j.id == _p.destination_id)
    )  # fmt: skip


def allocation_flows() -> Select[Any]:
    """Every fund allocation, with what ``allocation_flow`` needs of it and of its receiver."""
    return (
        select(
            _a.allocation_id, _a.fund_id, _a.destination_kind, _a.destination_id, _a.usd_amount,
            _a.disbursed, _a.decided_at, *_RECEIVER,
        )
        .outerjoin(assistance_requests, _r.id == _a.destination_id)
        .outerjoin(projects, _j.id == _a.destination_id)
    )  # fmt: skip


def pledge_flow(row: Any) -> FlowRow:
    """A row of ``pledge_flows`` as a flow in: its crisis the one given to, or its receiver's."""
    crisis = row.destination_id if row.destination_kind == "crisis" else row.crisis_id
    return FlowRow(
        row.id, "organisation", row.organisation_id, row.destination_kind, row.destination_id,
        FTS_STATUS[row.status], row.amount, row.currency, row.usd_amount, row.usd_paid,
        row.earmarking, row.in_kind, row.pledged_at.date(), row.member_state, row.sector, crisis,
    )  # fmt: skip


def allocation_flow(row: Any) -> FlowRow:
    """A row of ``allocation_flows`` as a flow out: paid once disbursed in full."""
    status = "paid" if row.disbursed >= row.usd_amount else "commitment"
    return FlowRow(
        row.allocation_id, "fund", row.fund_id, row.destination_kind, row.destination_id, status,
        row.usd_amount, "USD", row.usd_amount, row.disbursed, None, False, row.decided_at.date(),
        row.member_state, row.sector, row.crisis_id,
    )  # fmt: skip


async def flows(engine: AsyncEngine, *, year: int | None = None) -> list[FlowRow]:
    """Incoming flows (pledges, not cancelled) and outgoing ones (fund allocations); the receiving
    state, sector and crisis are those of the request or project given to."""
    pledge_query = pledge_flows().where(_p.status != "cancelled").order_by(_p.made_position)
    allocation_query = allocation_flows().order_by(_a.decided_at)
    async with engine.connect() as conn:
        incoming = [pledge_flow(row) for row in await conn.execute(pledge_query)]
        outgoing = [allocation_flow(row) for row in await conn.execute(allocation_query)]
    return [f for f in incoming + outgoing if year is None or f.decided_on.year == year]
