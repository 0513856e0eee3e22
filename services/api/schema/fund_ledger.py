"""A Stability Fund's ledger over time, page by page from its read model: the balance after each entry."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.finance.stability_fund import fund_ledger_page
from services.api.schema.paging import PageInfo, check_first, decode_cursor, encode_cursor, page_info


@strawberry.enum(description="What moved money in or out of a fund")
class FundLedgerKind(enum.Enum):
    CONTRIBUTION = "contribution"
    REFUND = "refund"
    ALLOCATION = "allocation"
    DISBURSEMENT = "disbursement"


@strawberry.type(description="One entry of a fund's ledger, in US dollars, with the totals after it.")
class FundLedgerEntry:
    at: datetime = strawberry.field(description="when it was recorded")
    value_date: date = strawberry.field(
        description="when the money moved: a contribution's payment date; else the day it was recorded"
    )
    kind: FundLedgerKind
    usd_amount: Decimal
    received: Decimal = strawberry.field(description="contributions received less refunds, so far")
    allocated: Decimal
    disbursed: Decimal
    balance: Decimal = strawberry.field(description="unallocated after this entry")


@strawberry.type
class FundLedgerEdge:
    cursor: str
    node: FundLedgerEntry


@strawberry.type(description="A page of a fund's ledger, oldest entry first (a Relay connection).")
class FundLedgerConnection:
    edges: list[FundLedgerEdge]
    page_info: PageInfo
    total_count: int


async def ledger_page(
    engine: AsyncEngine, fund_id: UUID, first: int, after: str | None
) -> FundLedgerConnection:
    """One page of the ledger read model; the cursor is the fund's version after the entry."""
    check_first(first)
    rows, has_next, total = await fund_ledger_page(
        engine, fund_id, first=first, after=decode_cursor(after) if after else None
    )
    edges = [
        FundLedgerEdge(
            cursor=encode_cursor(row.version),
            node=FundLedgerEntry(
                at=row.at,
                value_date=row.value_date,
                kind=FundLedgerKind(row.kind),
                usd_amount=row.usd_amount,
                received=row.received,
                allocated=row.allocated,
                disbursed=row.disbursed,
                balance=row.balance,
            ),
        )
        for row in rows
    ]
    return FundLedgerConnection(
        edges=edges, page_info=page_info(edges, has_next=has_next, after=after), total_count=total
    )
