"""A fund's ledger from its read model, page by page, on SQLite and PostgreSQL: every entry once, in
order, with the running totals the event store's events give; and the same rows after a rebuild."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from domain.funds import FundWindow, StabilityFund
from domain.pledges import DestinationKind
from projections.finance.tables import fund_ledger
from services.api.problems import BadInput
from services.api.schema.fund_ledger import FundLedgerEntry, FundLedgerKind, ledger_page
from services.bootstrap import Runtime, start, tracked_projections
from services.coordination import Concord
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.conftest import fixed_today
from tests.snapshot_scenarios import ACTOR

ZERO = Decimal(0)


def write_funds(settings: Settings) -> tuple[UUID, list[Any]]:
    """Two funds whose events interleave in the log; returns the first's id and its events."""
    app = Concord(storage_for(settings).event_store_env, today=fixed_today)
    try:
        fund = StabilityFund.open("ASEAN Stability Fund", actor=ACTOR)
        other = StabilityFund.open("Philippine window", actor=ACTOR)
        for n in range(37):
            fund.receive(uuid4(), uuid4(), Decimal(100 + n), actor=ACTOR)
            other.receive(uuid4(), uuid4(), Decimal(5), actor=ACTOR)
            if n % 3 == 1:
                allocation = fund.allocate(
                    FundWindow.STANDARD,
                    DestinationKind.REQUEST,
                    uuid4(),
                    Decimal("50.25"),
                    "roofs",
                    actor=ACTOR,
                )
                fund.disburse(allocation, Decimal(20), actor=ACTOR)
            if n % 7 == 3:
                fund.return_contribution(uuid4(), uuid4(), Decimal("10.5"), actor=ACTOR)
            app.save(fund, other)
        return fund.id, list(app.events.get(fund.id))
    finally:
        app.close()


def expected_ledger(events: list[Any]) -> list[FundLedgerEntry]:
    """The running totals as the aggregate keeps them, replayed from the fund's events."""
    kinds = {
        StabilityFund.ContributionReceived: FundLedgerKind.CONTRIBUTION,
        StabilityFund.ContributionRefunded: FundLedgerKind.REFUND,
        StabilityFund.AllocationApproved: FundLedgerKind.ALLOCATION,
        StabilityFund.Disbursed: FundLedgerKind.DISBURSEMENT,
    }
    totals = dict.fromkeys(FundLedgerKind, ZERO)
    entries = []
    for event in events:
        kind = kinds.get(type(event))
        if kind is None:
            continue
        totals[kind] += event.usd_amount
        received = totals[FundLedgerKind.CONTRIBUTION] - totals[FundLedgerKind.REFUND]
        entries.append(
            FundLedgerEntry(
                at=event.timestamp,
                value_date=event.timestamp.date(),  # no payment behind these receipts: recorded day
                kind=kind,
                usd_amount=event.usd_amount,
                received=received,
                allocated=totals[FundLedgerKind.ALLOCATION],
                disbursed=totals[FundLedgerKind.DISBURSEMENT],
                balance=received - totals[FundLedgerKind.ALLOCATION],
            )
        )
    return entries


async def _projected(settings: Settings) -> Runtime:
    runtime = await start(settings, run_projections=False)
    for runner in tracked_projections(runtime):
        await runner.catch_up()
    return runtime


async def _read_in_pages(runtime: Runtime, fund_id: UUID, sizes: list[int]) -> list[Any]:
    pages, after, has_next = [], None, True
    while has_next:
        assert len(pages) <= 200, "the cursor does not move on"
        page = await ledger_page(runtime.read_engine, fund_id, sizes[len(pages) % len(sizes)], after)
        pages.append(page)
        has_next = page.page_info.has_next_page
        after = page.page_info.end_cursor
    return pages


@pytest.fixture
def fund(settings: Settings) -> tuple[UUID, list[FundLedgerEntry]]:
    fund_id, events = write_funds(settings)
    return fund_id, expected_ledger(events)


def test_paging_through_the_ledger_gives_every_entry_once_in_order(
    settings: Settings, fund: tuple[UUID, list[FundLedgerEntry]]
) -> None:
    fund_id, expected = fund
    asyncio.run(_project(settings))

    @hypothesis_settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(sizes=st.lists(st.integers(1, 100), min_size=1, max_size=6))
    def check(sizes: list[int]) -> None:
        async def read() -> list[Any]:
            runtime = await start(settings, run_projections=False)
            try:
                return await _read_in_pages(runtime, fund_id, sizes)
            finally:
                await runtime.close()

        pages = asyncio.run(read())
        entries = [edge.node for page in pages for edge in page.edges]
        assert entries == expected
        assert all(page.total_count == len(expected) for page in pages)
        assert [len(page.edges) for page in pages[:-1]] == [
            sizes[i % len(sizes)] for i in range(len(pages) - 1)
        ]
        assert [page.page_info.has_previous_page for page in pages] == [False] + [True] * (len(pages) - 1)

    check()


def test_the_ledger_read_model_equals_a_rebuild(settings: Settings, fund: tuple[UUID, list[Any]]) -> None:
    async def rows_before_and_after() -> tuple[list[Any], list[Any]]:
        runtime = await _projected(settings)
        try:
            query = select(fund_ledger).order_by(fund_ledger.c.fund_id, fund_ledger.c.version)
            async with runtime.read_engine.connect() as conn:
                live = [tuple(row) for row in await conn.execute(query)]
            [finance] = [r for r in tracked_projections(runtime) if r.projector.name == "finance"]
            await finance.reset()
            await finance.catch_up()
            async with runtime.read_engine.connect() as conn:
                rebuilt = [tuple(row) for row in await conn.execute(query)]
        finally:
            await runtime.close()
        return live, rebuilt

    live, rebuilt = asyncio.run(rows_before_and_after())

    assert len(live) == len(fund[1]) + 37  # the other fund's contributions are its own rows
    assert rebuilt == live


def test_a_page_larger_than_the_limit_is_refused(settings: Settings) -> None:
    async def ask() -> None:
        runtime = await start(settings, run_projections=False)
        try:
            await ledger_page(runtime.read_engine, uuid4(), 101, None)
        finally:
            await runtime.close()

    with pytest.raises(BadInput):
        asyncio.run(ask())


async def _project(settings: Settings) -> None:
    await (await _projected(settings)).close()
