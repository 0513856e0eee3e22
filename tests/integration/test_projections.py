"""Projections on SQLite and PostgreSQL: rows and position in one transaction, exactly once."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from domain.access import Role
from domain.codes import MemberState, Sector
from projections.assistance_requests import queries as request_queries
from projections.assistance_requests.projector import RequestsProjector
from projections.assistance_requests.tables import assistance_requests
from projections.runner import ProjectionRunner
from projections.tracked import TrackedProjection
from services.bootstrap import Runtime, start, tracked_projections
from services.coordination import Command
from services.identity.access import Principal
from services.settings import Settings
from tests.conftest import fixed_today
from tests.factories import a_need


async def record_history(runtime: Runtime, requests: int) -> int:
    """Post, amend and cancel requests; returns the last position."""
    concord = runtime.concord

    def write() -> int:
        position = 0
        states = list(MemberState)
        secretariat = Command(Principal("secretariat", Role.SECRETARIAT))
        crisis = concord.open_crisis(
            secretariat, "Regional displacement", states, date(2026, 11, 1)
        ).aggregate.id
        for index in range(requests):
            state = states[index % len(states)]
            need = a_need(admin_code=f"{state.iso2}{index % 90 + 10}", quantity=Decimal(index + 1))
            command = Command(Principal(f"coordinator-{state.value}", Role.COORDINATOR, state))
            request = concord.post_request(command, crisis, state, need)
            position = request.position
            if index % 3 == 0:
                position = concord.amend_request(command, request.aggregate.id, priority=5).position
            if index % 7 == 0:
                position = concord.cancel_request(command, request.aggregate.id, "duplicate").position
        return position

    return await asyncio.to_thread(write)


async def read_model(runtime: Runtime) -> list[Sequence[Any]]:
    async with runtime.read_engine.connect() as conn:
        rows = await conn.execute(select(assistance_requests).order_by(assistance_requests.c.id))
        return [tuple(row) for row in rows]


async def test_in_process_projection_follows_the_log(runtime: Runtime) -> None:
    position = await record_history(runtime, 10)

    assert await runtime.progress.wait_for(position, timeout=10)

    page = await request_queries.list_requests(
        runtime.read_engine, request_queries.RequestFilter(), first=100, after=None
    )
    assert page.total_count == 10
    cancelled = [r for r in page.rows if r.status == "cancelled"]
    assert len(cancelled) == 2
    amended = [r for r in page.rows if r.priority == 5]
    assert len(amended) == 4


async def test_filters_and_keyset_pages_cover_every_row_once(runtime: Runtime) -> None:
    position = await record_history(runtime, 25)
    assert await runtime.progress.wait_for(position, timeout=10)

    seen: list[str] = []
    after = None
    while True:
        page = await request_queries.list_requests(
            runtime.read_engine, request_queries.RequestFilter(statuses=("open",)), first=4, after=after
        )
        seen.extend(str(r.id) for r in page.rows)
        if not page.has_next_page:
            break
        after = page.rows[-1].posted_position

    assert len(seen) == len(set(seen)) == page.total_count == 21
    phl = await request_queries.list_requests(
        runtime.read_engine,
        request_queries.RequestFilter(member_states=("PHL",), sectors=(Sector.SHL.value,)),
        first=50,
        after=None,
    )
    assert {r.member_state for r in phl.rows} == {"PHL"}
    assert phl.total_count == 2


async def test_possible_duplicates_read_through_the_driver_are_the_rows_sqlalchemy_reads(
    runtime: Runtime,
) -> None:
    concord = runtime.concord

    def write() -> tuple[Any, Any, int]:
        secretariat = Command(Principal("secretariat", Role.SECRETARIAT))
        crisis = concord.open_crisis(secretariat, "Marawi", [MemberState.PHL], date(2026, 11, 1)).aggregate.id
        command = Command(Principal("coordinator-PHL", Role.COORDINATOR, MemberState.PHL))
        first = concord.post_request(command, crisis, MemberState.PHL, a_need(quantity=Decimal("2.50")))
        for quantity in ("500", "12.125"):
            concord.post_request(command, crisis, MemberState.PHL, a_need(quantity=Decimal(quantity)))
        concord.post_request(command, crisis, MemberState.PHL, a_need(admin_code="PH1538"))
        cancelled = concord.post_request(command, crisis, MemberState.PHL, a_need())
        done = concord.cancel_request(command, cancelled.aggregate.id, "posted twice")
        return crisis, first.aggregate.id, done.position

    crisis, first, position = await asyncio.to_thread(write)
    assert await runtime.progress.wait_for(position, timeout=10)
    engine = runtime.query_engine
    asked = {"crisis_id": crisis, "member_state": "PHL", "admin_code": "PH1536", "item": "SHL-TARP"}

    for excluding in (None, first):
        found = await request_queries.possible_duplicates(engine, **asked, excluding=excluding)
        values = {**asked, "excluding": excluding} if excluding else asked
        statement = request_queries.duplicates_statement(excluding=excluding is not None)
        async with engine.connect() as conn:
            expected = [request_queries.RequestRow(*row) for row in await conn.execute(statement, values)]

        assert request_queries.DUPLICATES.prepared(engine, excluding is not None) is not None
        assert len(found) == (3 if excluding is None else 2)
        assert sorted(map(_exactly, found)) == sorted(map(_exactly, expected))


def _exactly(row: request_queries.RequestRow) -> list[tuple[str, str]]:
    """Each value with its type: 2.50 is not 2.5, nor a naive time an aware one."""
    return [(type(value).__name__, repr(value)) for value in dataclasses.astuple(row)]


class Crash(Exception):
    """Stands for the process dying in the middle of a batch."""


class CrashingProjector(RequestsProjector):
    def __init__(self, after_events: int) -> None:
        self.remaining = after_events

    async def project(self, conn: Any, event: Any, position: int) -> None:
        if self.remaining == 0:
            raise Crash
        self.remaining -= 1
        await super().project(conn, event, position)


def runner_of(runtime: Runtime, projections: Sequence[TrackedProjection], **options: Any) -> ProjectionRunner:
    """The runner, as the application runs it, over ``projections``."""
    return ProjectionRunner(
        list(projections),
        engine=runtime.read_engine,
        recorder=runtime.concord.recorder,
        decode=runtime.concord.mapper.to_domain_event,
        **options,
    )


def runner_for(runtime: Runtime, projector: RequestsProjector, batch_size: int) -> TrackedProjection:
    return TrackedProjection(
        projector,
        engine=runtime.read_engine,
        recorder=runtime.concord.recorder,
        decode=runtime.concord.mapper.to_domain_event,
        batch_size=batch_size,
    )


async def test_a_projection_killed_mid_batch_resumes_to_what_a_rebuild_gives(
    settings: Settings,
) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        await record_history(runtime, 60)
        crashing = runner_for(runtime, CrashingProjector(after_events=45), batch_size=20)
        with pytest.raises(Crash):
            await crashing.catch_up()
        resumed_from = await crashing.load_position()
        assert 0 < resumed_from < runtime.concord.recorder.max_notification_id()

        await runner_for(runtime, RequestsProjector(), batch_size=20).catch_up()
        resumed = await read_model(runtime)

        rebuild = runner_for(runtime, RequestsProjector(), batch_size=500)
        await rebuild.reset()
        await rebuild.catch_up()
        rebuilt = await read_model(runtime)
    finally:
        await runtime.close()

    assert len(resumed) == 60
    assert resumed == rebuilt


async def test_a_second_runner_never_applies_an_event_twice(settings: Settings) -> None:
    """Two workers on one projection (two `concord project`s): the tracking row lets one win."""
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        last = await record_history(runtime, 30)
        first, second = (
            next(r for r in tracked_projections(runtime) if r.projector.name == name)
            for name in ("assistance_requests", "assistance_requests")
        )
        await asyncio.gather(*(asyncio.create_task(_follow_until(runtime, r, last)) for r in (first, second)))
        rows = await read_model(runtime)
    finally:
        await runtime.close()

    assert len(rows) == 30
    assert max(row[-1] for row in rows) == last


async def _follow_until(runtime: Runtime, runner: TrackedProjection, last: int) -> None:
    """Its own runner (another process's), following the log until the tracking row reaches ``last``."""
    task = asyncio.create_task(runner_of(runtime, [runner], poll_interval=0.05).run_forever())
    try:
        while (await runner.load_position()) < last:  # noqa: ASYNC110 - polls the database
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_rebuild_in_big_batches_equals_the_projection_event_by_event(settings: Settings) -> None:
    """Big batches hold requests amended in the batch that posted them: the rows must not differ."""
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        await record_history(runtime, 40)
        await runner_for(runtime, RequestsProjector(), batch_size=1).catch_up()
        one_by_one = await read_model(runtime)

        rebuild = runner_for(runtime, RequestsProjector(), batch_size=1)
        await rebuild.reset()
        read = await rebuild.catch_up(batch_size=5000)
        rebuilt = await read_model(runtime)
        position = await rebuild.load_position()
        last = runtime.concord.recorder.max_notification_id()
    finally:
        await runtime.close()

    assert len(one_by_one) == 40
    assert rebuilt == one_by_one
    assert read == position == last
