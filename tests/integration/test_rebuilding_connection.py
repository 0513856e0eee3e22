"""A catch-up writes through one connection set up for bulk work, whose settings do not outlive it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.assistance_requests.projector import RequestsProjector
from projections.database import sqlite_engine
from projections.rebuilding import BULK_SQLITE_PRAGMAS
from projections.tracked import TrackedProjection
from services.bootstrap import Runtime, start
from services.settings import Settings
from tests.conftest import fixed_today, migrated_sqlite
from tests.integration.test_projections import read_model, record_history, runner_of


class Crash(Exception):
    """Stands for a projector failing part-way through a catch-up."""


class WatchingProjector(RequestsProjector):
    """Projects requests; notes the settings of the connection it writes through; may fail."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.fail_after = fail_after
        self.seen: dict[str, int] = {}

    async def project(self, conn: Any, event: Any, position: int) -> None:
        if not self.seen:
            for name in BULK_SQLITE_PRAGMAS:
                self.seen[name] = (await conn.execute(text(f"PRAGMA {name}"))).scalar_one()
        if self.fail_after is not None:
            if self.fail_after == 0:
                raise Crash
            self.fail_after -= 1
        await super().project(conn, event, position)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "var", projection_poll_interval=0.2)
    migrated_sqlite(settings.data_dir)
    return settings


def runner_on(engine: AsyncEngine, runtime: Runtime, projector: RequestsProjector) -> TrackedProjection:
    return TrackedProjection(
        projector,
        engine=engine,
        recorder=runtime.concord.recorder,
        decode=runtime.concord.mapper.to_domain_event,
        batch_size=7,
    )


async def pragmas(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {
            name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar_one() for name in BULK_SQLITE_PRAGMAS
        }


@pytest.mark.parametrize("fail_after", [None, 25], ids=["finished", "failed"])
async def test_a_catch_up_on_sqlite_gives_its_connection_back_as_it_found_it(
    sqlite_settings: Settings, fail_after: int | None
) -> None:
    runtime = await start(sqlite_settings, run_projections=False, today=fixed_today)
    # One pooled connection: the catch-up's must be the one found in the pool afterwards.
    engine = sqlite_engine(runtime.storage.read_url, pool_size=1, max_overflow=0)
    try:
        await record_history(runtime, 20)
        before = await pragmas(engine)
        projector = WatchingProjector(fail_after)
        runner = runner_on(engine, runtime, projector)
        if fail_after is None:
            await runner.catch_up(batch_size=5000)
        else:
            with pytest.raises(Crash):
                await runner.catch_up(batch_size=5000)
        after = await pragmas(engine)
    finally:
        await engine.dispose()
        await runtime.close()

    assert projector.seen == BULK_SQLITE_PRAGMAS
    assert before != BULK_SQLITE_PRAGMAS
    assert after == before


async def test_a_rebuild_through_the_bulk_connection_equals_the_live_projection(settings: Settings) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        await record_history(runtime, 40)
        live = runner_on(runtime.read_engine, runtime, RequestsProjector())
        following = runner_of(runtime, [live], batch_size=7)
        await following.start()
        while await following.run_once():  # the live path: batches of 7, one transaction each
            pass
        await following.persist_positions()
        projected_live = await read_model(runtime)

        rebuild = runner_on(runtime.read_engine, runtime, RequestsProjector())
        await rebuild.reset()
        await rebuild.catch_up(batch_size=5000)
        rebuilt = await read_model(runtime)
    finally:
        await runtime.close()

    assert len(projected_live) == 40
    assert rebuilt == projected_live
