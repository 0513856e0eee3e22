"""A fund's ledger and its allocations, page by page (keyset on the fund's version): one page in
memory, never the whole."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.tables import fund_allocations, fund_ledger

_l = fund_ledger.c
_a = fund_allocations.c


@dataclass(frozen=True)
class FundLedgerRow:
    version: int
    at: datetime
    kind: str
    usd_amount: Decimal
    received: Decimal
    allocated: Decimal
    disbursed: Decimal
    balance: Decimal


_COLUMNS = [_l[name] for name in FundLedgerRow.__dataclass_fields__]


async def fund_ledger_page(
    engine: AsyncEngine, fund_id: UUID, *, first: int, after: int | None
) -> tuple[list[FundLedgerRow], bool, int]:
    """Oldest first; ``after`` is the version of the last entry seen. Rows, has-next, total."""
    query = select(*_COLUMNS).where(_l.fund_id == fund_id).order_by(_l.version).limit(first + 1)
    if after is not None:
        query = query.where(_l.version > after)
    async with engine.connect() as conn:
        rows = [FundLedgerRow(*row) for row in await conn.execute(query)]
        total = int(await conn.scalar(select(func.count()).where(_l.fund_id == fund_id)) or 0)
    return rows[:first], len(rows) > first, total


@dataclass(frozen=True)
class FundAllocationRow:
    version: int
    allocation_id: UUID
    window: str
    destination_kind: str
    destination_id: UUID
    usd_amount: Decimal
    disbursed: Decimal
    rationale: str
    decided_by: str
    decided_at: datetime


_ALLOCATION_COLUMNS = [_a[name] for name in FundAllocationRow.__dataclass_fields__]


async def fund_allocations_page(
    engine: AsyncEngine, fund_id: UUID, *, first: int, after: int | None
) -> tuple[list[FundAllocationRow], bool, int]:
    """Oldest approval first; ``after`` is the fund's version after the last one seen. Rows,
    has-next, total."""
    query = select(*_ALLOCATION_COLUMNS).where(_a.fund_id == fund_id).order_by(_a.version).limit(first + 1)
    if after is not None:
        query = query.where(_a.version > after)
    async with engine.connect() as conn:
        rows = [FundAllocationRow(*row) for row in await conn.execute(query)]
        total = int(await conn.scalar(select(func.count()).where(_a.fund_id == fund_id)) or 0)
    return rows[:first], len(rows) > first, total
