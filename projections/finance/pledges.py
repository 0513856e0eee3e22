"""Reading a donor's pledges from the ``finance`` read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.finance.tables import pledges


@dataclass(frozen=True)
class PledgeRow:
    id: UUID
    organisation_id: UUID
    destination_kind: str
    destination_id: UUID
    amount: Decimal
    currency: str
    usd_rate: Decimal
    rate_date: date
    usd_amount: Decimal
    earmarking: str
    in_kind: bool
    status: str
    paid: Decimal
    usd_paid: Decimal
    due_date: date | None
    pledged_at: datetime
    committed_at: datetime | None
    last_paid_on: date | None
    made_position: int

    def overdue(self, today: date) -> bool:
        """A commitment unpaid past its due date."""
        return (
            self.due_date is not None
            and self.due_date < today
            and self.status in ("committed", "partially-paid")
        )


@dataclass(frozen=True)
class PledgeFilter:
    organisation_ids: tuple[UUID, ...] = ()
    destination_ids: tuple[UUID, ...] = ()
    statuses: tuple[str, ...] = ()
    overdue_on: date | None = None  # only commitments unpaid past their due date on this day


async def list_pledges(
    engine: AsyncEngine, where: PledgeFilter, *, first: int, after: int | None
) -> tuple[list[PledgeRow], bool, int]:
    p = pledges.c
    conditions: list[Any] = []
    for column, values in (
        (p.organisation_id, where.organisation_ids),
        (p.destination_id, where.destination_ids),
        (p.status, where.statuses),
    ):
        if values:
            conditions.append(column.in_(values))
    if where.overdue_on is not None:
        conditions += [p.due_date < where.overdue_on, p.status.in_(("committed", "partially-paid"))]
    columns = [p[name] for name in PledgeRow.__dataclass_fields__]
    query = select(*columns).where(*conditions).order_by(p.made_position.desc()).limit(first + 1)
    if after is not None:
        query = query.where(p.made_position < after)
    count = select(func.count()).select_from(pledges).where(*conditions)
    async with engine.connect() as conn:
        rows = [PledgeRow(*row) for row in await conn.execute(query)]
        total = int(await conn.scalar(count) or 0)
    return rows[:first], len(rows) > first, total
