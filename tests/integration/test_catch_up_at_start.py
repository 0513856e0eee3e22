"""Projections far behind the log catch up the way a rebuild goes, then the live follower goes on:
the same read models and tracking positions, each event applied once, a crash resumed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from projections.assistance_requests.projector import RequestsProjector
from projections.runner import ProjectionRunner
from projections.tracked import TrackedProjection
from services.bootstrap import Runtime, start
from services.settings import Settings
from tests.conftest import PostgresServer, fixed_today
from tests.integration.test_log_follower import drain, tracking_rows
from tests.integration.test_projections import CrashingProjector, read_model, record_history, runner_for


class CountingProjector(RequestsProjector):
    """Projects requests and counts the events it was given, by position."""

    def __init__(self) -> None:
        self.applied: list[int] = []

    async def project(self, conn: Any, event: Any, position: int) -> None:
        self.applied.append(position)
        await super().project(conn, event, position)


def follower(runtime: Runtime, runner: TrackedProjection, *, after: int | None) -> ProjectionRunner:
    return ProjectionRunner(
        [runner],
        engine=runtime.read_engine,
        recorder=runtime.concord.recorder,
        decode=runtime.concord.mapper.to_domain_event,
        batch_size=5,
        catch_up_after=after,
        catch_up_batch_size=7,
    )


async def rebuilt(runtime: Runtime) -> list[Any]:
    rebuild = runner_for(runtime, RequestsProjector(), batch_size=500)
    await rebuild.reset()
    await rebuild.catch_up()
    return await read_model(runtime)


async def test_a_projection_far_behind_catches_up_in_bulk_then_follows_live(settings: Settings) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        head = await record_history(runtime, 30)
        projector = CountingProjector()
        runner = runner_for(runtime, projector, batch_size=5)
        live = follower(runtime, runner, after=10)
        await live.start()
        await live.catch_up_far_behind()
        caught_up = runner.position, runner.persisted, (await tracking_rows(runtime))[projector.name]
        later = await record_history(runtime, 4)
        await drain(live)
        await live.persist_positions()
        positions = (await tracking_rows(runtime))[projector.name]
        projected = await read_model(runtime)
        expected = await rebuilt(runtime)
    finally:
        await runtime.close()

    assert caught_up == (head, head, head)
    assert positions == later
    assert sorted(projector.applied) == sorted(set(projector.applied))  # each event once
    assert projected == expected


async def test_a_projection_close_to_the_head_is_left_to_the_live_follower(settings: Settings) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        await record_history(runtime, 5)
        projector = CountingProjector()
        runner = runner_for(runtime, projector, batch_size=5)
        live = follower(runtime, runner, after=10_000)
        await live.start()
        await live.catch_up_far_behind()
    finally:
        await runtime.close()

    assert projector.applied == []
    assert runner.position == 0


async def test_a_catch_up_that_crashes_resumes_from_its_last_committed_batch(settings: Settings) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        await record_history(runtime, 30)
        crashing = runner_for(runtime, CrashingProjector(after_events=17), batch_size=5)
        live = follower(runtime, crashing, after=10)
        await live.start()
        await live.catch_up_far_behind()  # logs the crash; the runner takes its row's position again
        stopped_at = crashing.position
        on_disk = (await tracking_rows(runtime))[crashing.projector.name]
        partial = len(await read_model(runtime))

        resumed = runner_for(runtime, CountingProjector(), batch_size=5)
        again = follower(runtime, resumed, after=10)
        await again.start()
        await again.catch_up_far_behind()
        projected = await read_model(runtime)
        expected = await rebuilt(runtime)
    finally:
        await runtime.close()

    assert stopped_at == on_disk > 0  # whole batches of 7 events were committed before the crash
    assert partial > 0
    applied = resumed.projector.applied  # type: ignore[attr-defined]
    assert min(applied) > on_disk  # nothing committed before the crash is applied again
    assert projected == expected


async def analysed(runtime: Runtime, tables: list[str]) -> dict[str, bool]:
    """Whether PostgreSQL's planner has statistics of each table (``ANALYZE`` has run on it)."""
    async with runtime.read_engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = ANY(:t)"),
            {"t": tables},
        )
        return {str(name): bool(done) for name, done in rows.tuples()}


@pytest.mark.postgres
async def test_a_catch_up_and_a_rebuild_leave_their_tables_analysed_on_postgresql(
    postgres_server: PostgresServer, tmp_path: Any
) -> None:
    """Autovacuum may be minutes away (or off): the planner has the new rows' statistics at once."""
    settings = Settings(database_url=postgres_server.new_database(), data_dir=tmp_path / "var")
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        await record_history(runtime, 30)
        projector = RequestsProjector()
        tables = [table.name for table in projector.tables]
        before = await analysed(runtime, tables)
        live = follower(runtime, runner_for(runtime, projector, batch_size=5), after=10)
        await live.start()
        await live.catch_up_far_behind()
        caught_up = await analysed(runtime, tables)
        async with runtime.read_engine.begin() as conn:  # forget them, as a new database has none
            for table in tables:
                await conn.execute(text(f"SELECT pg_stat_reset_single_table_counters('{table}'::regclass)"))
        await runner_for(runtime, projector, batch_size=500).rebuild()
        rebuilt = await analysed(runtime, tables)
    finally:
        await runtime.close()

    assert before == dict.fromkeys(tables, False)
    assert caught_up == dict.fromkeys(tables, True)
    assert rebuilt == dict.fromkeys(tables, True)
