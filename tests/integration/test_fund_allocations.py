"""A fund's allocations from their read model, page by page: every one once, in the order approved,
with who decided and why (which the fund aggregate no longer keeps); and the migration that gave
the read model that order, replaying the finance projection."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from domain.funds import FundWindow, StabilityFund
from domain.pledges import DestinationKind
from services.api.schema.fund_types import FundAllocationConnection, allocations_page
from services.bootstrap import Runtime, start, tracked_projections
from services.coordination import Concord
from services.infrastructure.storage import storage_for
from services.migrate import migrate
from services.settings import Settings
from tests.conftest import fixed_today
from tests.snapshot_scenarios import ACTOR


def write_allocations(settings: Settings) -> tuple[UUID, list[StabilityFund.AllocationApproved]]:
    """A fund with allocations, some fully disbursed, interleaved with another fund's; returns the
    first fund's id and its approvals in order."""
    app = Concord(storage_for(settings).event_store_env, today=fixed_today)
    try:
        fund = StabilityFund.open("ASEAN Stability Fund", actor=ACTOR)
        other = StabilityFund.open("Philippine window", actor=ACTOR)
        fund.receive(uuid4(), uuid4(), Decimal(10_000), actor=ACTOR)
        other.receive(uuid4(), uuid4(), Decimal(10_000), actor=ACTOR)
        for n in range(23):
            allocation, _ = (
                each.allocate(
                    FundWindow.RESERVE if n % 2 else FundWindow.STANDARD,
                    DestinationKind.PROJECT,
                    uuid4(),
                    Decimal(10 + n),
                    f"phase {n}",
                    actor=ACTOR,
                )
                for each in (fund, other)
            )
            if n % 3 == 0:
                fund.disburse(allocation, Decimal(10 + n), actor=ACTOR)
            app.save(fund, other)
        events = app.events.get(fund.id)
        return fund.id, [e for e in events if isinstance(e, StabilityFund.AllocationApproved)]
    finally:
        app.close()


async def _projected(settings: Settings) -> Runtime:
    runtime = await start(settings, run_projections=False)
    for runner in tracked_projections(runtime):
        await runner.catch_up()
    return runtime


async def _read_in_pages(
    settings: Settings, fund_id: UUID, sizes: list[int]
) -> list[FundAllocationConnection]:
    runtime = await start(settings, run_projections=False)
    try:
        pages: list[FundAllocationConnection] = []
        after, has_next = None, True
        while has_next:
            assert len(pages) <= 100, "the cursor does not move on"
            page = await allocations_page(runtime.read_engine, fund_id, sizes[len(pages) % len(sizes)], after)
            pages.append(page)
            has_next, after = page.page_info.has_next_page, page.page_info.end_cursor
        return pages
    finally:
        await runtime.close()


def _as_approved(approvals: list[StabilityFund.AllocationApproved]) -> list[tuple[Any, ...]]:
    return [(str(e.allocation_id), e.window, e.usd_amount, e.rationale, e.actor.principal) for e in approvals]


def _as_listed(pages: list[FundAllocationConnection]) -> list[tuple[Any, ...]]:
    nodes = [edge.node for page in pages for edge in page.edges]
    return [(n.id, n.window.value, n.usd_amount, n.rationale, n.decided_by) for n in nodes]


def test_paging_through_the_allocations_gives_every_one_once_in_order(settings: Settings) -> None:
    fund_id, approvals = write_allocations(settings)
    asyncio.run(_project(settings))

    @hypothesis_settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(sizes=st.lists(st.integers(1, 100), min_size=1, max_size=5))
    def check(sizes: list[int]) -> None:
        pages = asyncio.run(_read_in_pages(settings, fund_id, sizes))
        assert _as_listed(pages) == _as_approved(approvals)
        assert all(page.total_count == len(approvals) for page in pages)
        nodes = [edge.node for page in pages for edge in page.edges]
        assert [n.disbursed for n in nodes] == [
            n.usd_amount if i % 3 == 0 else Decimal(0) for i, n in enumerate(nodes)
        ]

    check()


def test_the_migration_replays_the_finance_projection_into_allocations_with_their_order(
    tmp_path: Path,
) -> None:
    """Allocations projected before revision 0012 have no version: it empties the finance read
    models and forgets the projection's position, so that the next start projects them again."""
    settings = Settings(data_dir=tmp_path / "var", projection_poll_interval=0.2, consistency_timeout=30)
    storage = storage_for(settings)
    migrate(storage, "0011")
    fund_id, approvals = write_allocations(settings)
    assert storage.sqlite_path is not None
    with sqlite3.connect(storage.sqlite_path) as conn:  # as the finance projection left it at 0011
        conn.execute(
            "INSERT INTO fund_allocations VALUES (?, ?, 'standard', 'project', ?, '1', '0', 'old', 'x', ?)",
            (uuid4().hex, fund_id.hex, uuid4().hex, datetime.now(UTC).isoformat()),
        )
        conn.execute(
            "INSERT INTO projection_tracking VALUES ('finance', 999999, ?)", (datetime.now(UTC).isoformat(),)
        )

    migrate(storage)
    with sqlite3.connect(storage.sqlite_path) as conn:
        left = conn.execute("SELECT count(*) FROM fund_allocations").fetchone()
        tracked = conn.execute("SELECT count(*) FROM projection_tracking WHERE projection = 'finance'")
        assert (left[0], tracked.fetchone()[0]) == (0, 0)
    asyncio.run(_project(settings))

    assert _as_listed(asyncio.run(_read_in_pages(settings, fund_id, [10]))) == _as_approved(approvals)


async def _project(settings: Settings) -> None:
    await (await _projected(settings)).close()
