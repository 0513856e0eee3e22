"""A projection worker that dies anywhere leaves read models a rebuild would give, once it resumes.

Hypothesis chooses the batch size and where each successive worker dies: after how many applied
events of its life, which can fall inside a batch's transaction (rolled back) or between batches.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.domain import DomainEventProtocol
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from projections.projector import Projector
from projections.tracked import TrackedProjection
from projections.tracking import projection_tracking
from services.bootstrap import Runtime, all_projectors, start
from services.coordination import Concord
from services.infrastructure.storage import SQLITE_FILE, storage_for
from services.migrate import migrate
from services.settings import Settings
from tests.conftest import fixed_today
from tests.resilience.history import varied_history


class Killed(Exception):
    """Stands for the worker process dying (kill -9): nothing after it runs."""


class Lifetime:
    """How many more events a worker applies before it dies; None: it lives on."""

    def __init__(self, events: int | None) -> None:
        self.remaining = events

    def tick(self) -> None:
        if self.remaining is None:
            return
        if self.remaining == 0:
            raise Killed
        self.remaining -= 1


class Mortal:
    """A projector that dies when its worker's lifetime runs out, possibly mid-transaction."""

    def __init__(self, projector: Projector, lifetime: Lifetime) -> None:
        self._projector = projector
        self._lifetime = lifetime
        self.name = projector.name
        self.tables: tuple[Table, ...] = projector.tables
        self.topics = projector.topics

    async def project(self, conn: AsyncConnection, event: DomainEventProtocol[Any], position: int) -> None:
        self._lifetime.tick()
        await self._projector.project(conn, event, position)

    def batch(self, conn: AsyncConnection) -> AbstractAsyncContextManager[None]:
        return self._projector.batch(conn)


@pytest.fixture(scope="module")
def recorded_log() -> Iterator[Path]:
    """One SQLite database with a varied log and empty read models; each example works on a copy."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        storage = storage_for(settings)
        migrate(storage)
        concord = Concord(storage.event_store_env, today=fixed_today)
        try:
            varied_history(concord)
        finally:
            concord.close()
        yield Path(folder) / SQLITE_FILE


def runners(runtime: Runtime, lifetime: Lifetime, batch_size: int) -> list[TrackedProjection]:
    return [
        TrackedProjection(
            Mortal(projector, lifetime),
            engine=runtime.read_engine,
            recorder=runtime.concord.recorder,
            decode=runtime.concord.mapper.to_domain_event,
            batch_size=batch_size,
        )
        for projector in all_projectors()
    ]


async def read_models(runtime: Runtime) -> dict[str, Sequence[Any]]:
    tables = {table for projector in all_projectors() for table in projector.tables}
    contents: dict[str, Sequence[Any]] = {}
    async with runtime.read_engine.connect() as conn:
        for table in sorted(tables, key=lambda t: t.name):
            rows = await conn.execute(select(table))
            contents[table.name] = sorted((tuple(row) for row in rows), key=repr)
        tracking = projection_tracking.c
        positions = await conn.execute(select(tracking.projection, tracking.position))
        contents["projection_tracking"] = sorted(tuple(row) for row in positions)
    return contents


async def resume_after_deaths(folder: Path, deaths: list[int], batch_size: int) -> None:
    runtime = await start(Settings(data_dir=folder), run_projections=False, today=fixed_today)
    try:
        for lifespan in deaths:
            lifetime = Lifetime(lifespan)
            for runner in runners(runtime, lifetime, batch_size):
                try:
                    await runner.catch_up()
                except Killed:
                    break  # the process is gone: no other runner of it does anything more
        for runner in runners(runtime, Lifetime(None), batch_size):
            await runner.catch_up()
        resumed = await read_models(runtime)

        for runner in runners(runtime, Lifetime(None), 500):
            await runner.reset()
            await runner.catch_up()
        rebuilt = await read_models(runtime)
        last = runtime.concord.recorder.max_notification_id()
    finally:
        await runtime.close()

    assert {position for _, position in resumed["projection_tracking"]} == {last}
    assert sum(len(rows) for rows in rebuilt.values()) > 30  # the check compares something
    assert resumed == rebuilt


@hypothesis_settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    deaths=st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=4),
    batch_size=st.integers(min_value=1, max_value=40),
)
def test_a_worker_killed_anywhere_resumes_to_what_a_rebuild_gives(
    recorded_log: Path, deaths: list[int], batch_size: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(recorded_log, Path(folder) / SQLITE_FILE)
        asyncio.run(resume_after_deaths(Path(folder), deaths, batch_size))
