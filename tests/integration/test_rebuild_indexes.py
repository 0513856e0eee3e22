"""A rebuild builds a read model's write-only indexes once at its end: the rows are the live
projection's, and the schema is Alembic's afterwards, finished, failed or killed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from projections.assistance_requests.projector import RequestsProjector
from projections.rebuilding import drop_indexes, write_only_indexes
from projections.shadow import shadow_rebuild
from projections.tables import metadata
from projections.tracked import TrackedProjection
from services.bootstrap import Runtime, start
from services.migrate import migrate
from services.settings import Settings
from tests.conftest import fixed_today
from tests.integration.test_projections import Crash, CrashingProjector, read_model, record_history, runner_of
from tests.integration.test_projections import runner_for as tracked_for

WRITE_ONLY = {str(index.name) for index in write_only_indexes(RequestsProjector())}


def _diff(url: str) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={"include_name": lambda name, kind, _: kind != "table" or name in metadata.tables},
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


async def schema_diff(runtime: Runtime) -> list[Any]:
    """What separates the database's read-model tables from the models (and so the migrations)."""
    return await asyncio.to_thread(_diff, runtime.storage.migration_url)


def index_names(runtime: Runtime, table: str, schema: str | None = None) -> set[str]:
    engine = create_engine(runtime.storage.migration_url)
    try:
        return {str(index["name"]) for index in inspect(engine).get_indexes(table, schema=schema)}
    finally:
        engine.dispose()


def runner_for(runtime: Runtime, projector: RequestsProjector, batch_size: int = 7) -> TrackedProjection:
    return tracked_for(runtime, projector, batch_size)


def test_the_deferred_indexes_are_only_queries_indexes() -> None:
    assert {
        "ix_assistance_requests_crisis",
        "ix_assistance_requests_crisis_due",
        "ix_assistance_requests_id_state",
        "ix_assistance_requests_item_state",
        "ix_assistance_requests_place_item",
        "ix_assistance_requests_priority",
        "ix_assistance_requests_safe_haven_id",
        "ix_assistance_requests_sector",
        "ix_assistance_requests_state_posted",
        "ix_assistance_requests_state_status",
        "ix_assistance_requests_status_priority",
    } == WRITE_ONLY  # not ix_request_commitments_request_id: _recount reads commitments through it


async def test_a_rebuild_without_its_write_only_indexes_equals_the_live_projection(
    settings: Settings,
) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        await record_history(runtime, 40)
        live = runner_for(runtime, RequestsProjector())
        following = runner_of(runtime, [live], batch_size=7)
        await following.start()
        while await following.run_once():  # the live path: batches of 7, every index kept up
            pass
        projected_live = await read_model(runtime)

        during: list[tuple[set[str], set[str]]] = []
        rebuilding = runner_for(runtime, RequestsProjector())
        read = await rebuilding.rebuild(
            lambda _: during.append(
                (index_names(runtime, "assistance_requests"), index_names(runtime, "request_commitments"))
            ),
            batch_size=10,
        )
        rebuilt = await read_model(runtime)
        after = index_names(runtime, "assistance_requests")
        diff = await schema_diff(runtime)
        head = runtime.concord.recorder.max_notification_id()
    finally:
        await runtime.close()

    assert len(projected_live) == 40
    assert rebuilt == projected_live
    assert read == head
    assert len(during) > 3
    assert all(not WRITE_ONLY & requests for requests, _ in during)
    assert all("ix_request_commitments_request_id" in commitments for _, commitments in during)
    assert after >= WRITE_ONLY
    assert diff == []


async def test_a_failed_rebuild_creates_its_indexes_again(settings: Settings) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        await record_history(runtime, 30)
        with pytest.raises(Crash):
            await runner_for(runtime, CrashingProjector(after_events=25)).rebuild(batch_size=10)
        diff = await schema_diff(runtime)
    finally:
        await runtime.close()

    assert diff == []


async def test_an_interrupted_rebuild_creates_its_indexes_again(settings: Settings) -> None:
    """Ctrl-C: asyncio.run cancels the command's task, which the rebuild sees at its next await."""
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        await record_history(runtime, 30)
        batches: list[int] = []

        def interrupt_at_the_third_batch(position: int) -> None:
            batches.append(position)
            if len(batches) == 3:
                task.cancel()

        runner = runner_for(runtime, RequestsProjector())
        task = asyncio.create_task(runner.rebuild(interrupt_at_the_third_batch, batch_size=10))
        with pytest.raises(asyncio.CancelledError):
            await task
        position = await runner.load_position()
        diff = await schema_diff(runtime)
        head = runtime.concord.recorder.max_notification_id()
    finally:
        await runtime.close()

    assert 0 < position < head  # stopped part-way
    assert diff == []


async def test_migrate_creates_the_indexes_a_killed_rebuild_left_missing(settings: Settings) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        async with runtime.read_engine.begin() as conn:  # what a rebuild killed with SIGKILL leaves
            await drop_indexes(conn, write_only_indexes(RequestsProjector()))
        left = await schema_diff(runtime)
        await asyncio.to_thread(migrate, runtime.storage)
        restored = await schema_diff(runtime)
        await asyncio.to_thread(migrate, runtime.storage)  # nothing missing: nothing to do
        again = await schema_diff(runtime)
    finally:
        await runtime.close()

    assert {entry[1].name for entry in left if entry[0] == "add_index"} == WRITE_ONLY
    assert restored == again == []


async def test_the_process_that_projects_creates_the_indexes_a_killed_rebuild_left_missing(
    settings: Settings,
) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        posted = await record_history(runtime, 5)
        async with runtime.read_engine.begin() as conn:
            await drop_indexes(conn, write_only_indexes(RequestsProjector()))
        left = index_names(runtime, "assistance_requests")
    finally:
        await runtime.close()
    runtime = await start(settings, today=fixed_today)  # projects in this process
    try:
        assert await runtime.progress.wait_for(posted, timeout=30)
        restored = index_names(runtime, "assistance_requests")
        diff = await schema_diff(runtime)
    finally:
        await runtime.close()

    assert not WRITE_ONLY & left
    assert restored >= WRITE_ONLY
    assert diff == []


async def test_a_shadow_rebuild_leaves_the_live_indexes_and_switches_in_a_full_set(
    settings: Settings,
) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    if not runtime.storage.is_postgres:
        await runtime.close()
        pytest.skip("shadow rebuilds need PostgreSQL's schemas")
    try:
        await record_history(runtime, 30)
        during: list[tuple[set[str], set[str]]] = []
        await shadow_rebuild(
            RequestsProjector(),
            engine=runtime.read_engine,
            recorder=runtime.concord.recorder,
            decode=runtime.concord.mapper.to_domain_event,
            batch_size=10,
            on_batch=lambda _: during.append(
                (
                    index_names(runtime, "assistance_requests"),
                    index_names(runtime, "assistance_requests", schema="rebuild_assistance_requests"),
                )
            ),
        )
        diff = await schema_diff(runtime)
    finally:
        await runtime.close()

    assert len(during) > 3
    assert all(live >= WRITE_ONLY for live, _ in during)
    assert all(not WRITE_ONLY & shadow for _, shadow in during)
    assert diff == []
