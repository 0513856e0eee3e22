"""Reading the Stability Fund from the ``finance`` read model: the funds with their totals, and a
fund's ledger and its allocations, page by page (keyset on the fund's version): one page in memory,
never the whole."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.finance.tables import fund_allocations, fund_ledger, funds

R = TypeVar("R")


@dataclass(frozen=True)
class FundRow:
    id: UUID
    name: str
    member_state: str | None
    received: Decimal
    refunded: Decimal
    allocated: Decimal
    disbursed: Decimal
    opened_at: datetime

    @property
    def balance(self) -> Decimal:
        return self.received - self.refunded - self.allocated


async def list_funds(engine: AsyncEngine) -> list[FundRow]:
    columns = [funds.c[name] for name in FundRow.__dataclass_fields__]
    async with engine.connect() as conn:
        return [
            FundRow(*row) for row in await conn.execute(select(*columns).order_by(funds.c.opened_position))
        ]


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
    value_date: date


async def fund_ledger_page(
    engine: AsyncEngine, fund_id: UUID, *, first: int, after: int | None
) -> tuple[list[FundLedgerRow], bool, int]:
    """Oldest first; ``after`` is the version of the last entry seen. Rows, has-next, total."""
    return await _page(engine, fund_ledger, FundLedgerRow, fund_id, first, after)


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


async def fund_allocations_page(
    engine: AsyncEngine, fund_id: UUID, *, first: int, after: int | None
) -> tuple[list[FundAllocationRow], bool, int]:
    """Oldest approval first; ``after`` is the fund's version after the last one seen. Rows,
    has-next, total."""
    return await _page(engine, fund_allocations, FundAllocationRow, fund_id, first, after)


async def _page(
    engine: AsyncEngine, table: Table, row_type: type[R], fund_id: UUID, first: int, after: int | None
) -> tuple[list[R], bool, int]:
    """A keyset page of one fund's rows of ``table`` by the fund's version, and their count."""
    c = table.c
    columns: list[Any] = [c[name] for name in row_type.__dataclass_fields__]  # type: ignore[attr-defined]
    query = select(*columns).where(c.fund_id == fund_id).order_by(c.version).limit(first + 1)
    if after is not None:
        query = query.where(c.version > after)
    async with engine.connect() as conn:
        rows = [row_type(*row) for row in await conn.execute(query)]
        total = int(await conn.scalar(select(func.count()).where(c.fund_id == fund_id)) or 0)
    return rows[:first], len(rows) > first, total
