"""A read model that holds a batch's rows in memory (coverage) writes them as the batch ends, and
forgets them when the batch fails: retried, in the live follower's savepoint or in a catch-up's
batch, it gives exactly what a rebuild gives, on each back end."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from projections.assistance_requests.projector import RequestsProjector
from projections.coverage.projector import CoverageProjector
from projections.coverage.tables import coverage_cells, coverage_commitments, coverage_requests
from projections.tracked import TrackedProjection
from services.bootstrap import Runtime, start
from services.settings import Settings
from tests.conftest import fixed_today
from tests.integration.test_log_follower import follower
from tests.integration.test_projections import Crash, record_history, runner_for


class FailingOnce(CoverageProjector):
    """Coverage that fails once, on its ``after``-th event, in the middle of a batch."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.remaining: int | None = after

    async def project(self, conn: Any, event: Any, position: int) -> None:
        if self.remaining == 0:
            self.remaining = None
            raise Crash
        if self.remaining is not None:
            self.remaining -= 1
        await super().project(conn, event, position)


async def rows(runtime: Runtime) -> list[list[tuple[Any, ...]]]:
    async with runtime.read_engine.connect() as conn:
        return [
            sorted(tuple(row) for row in await conn.execute(select(table)))
            for table in (coverage_cells, coverage_requests, coverage_commitments)
        ]


def runner(runtime: Runtime, projector: Any, batch_size: int) -> TrackedProjection:
    return runner_for(runtime, projector, batch_size=batch_size)


async def rebuilt(runtime: Runtime) -> list[list[tuple[Any, ...]]]:
    await runner(runtime, CoverageProjector(), 500).rebuild()
    return await rows(runtime)


async def test_a_failed_live_batch_leaves_no_held_cells_behind(settings: Settings) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        head = await record_history(runtime, 40)
        failing = FailingOnce(after=25)
        coverage = runner(runtime, failing, 20)
        # Two runners with work: each writes in a savepoint of its own, coverage's rolled back alone.
        live = follower(runtime, [coverage, runner(runtime, RequestsProjector(), 20)], batch_size=20)
        live._backoff = live._max_backoff = 0.001
        await live.start()
        for _ in range(200):
            if not await live.run_once() and coverage.position == head:
                break
            await asyncio.sleep(0.002)
        await live.persist_positions()
        followed = await rows(runtime)
        expected = await rebuilt(runtime)
    finally:
        await runtime.close()

    assert failing.remaining is None  # it failed once, part-way through a batch
    assert coverage.position == head
    assert followed == expected
    assert followed[0]  # cells written


async def test_a_failed_catch_up_batch_leaves_no_held_cells_behind(settings: Settings) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        await record_history(runtime, 40)
        failing = FailingOnce(after=25)
        catching_up = runner(runtime, failing, 20)
        try:
            await catching_up.catch_up(batch_size=20)
        except Crash:
            pass
        else:
            raise AssertionError("the catch-up did not fail")
        await catching_up.restart()
        await catching_up.catch_up(batch_size=20)
        caught_up = await rows(runtime)
        expected = await rebuilt(runtime)
    finally:
        await runtime.close()

    assert caught_up == expected
    assert caught_up[0]
