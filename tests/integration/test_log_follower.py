"""One log reader for all projections: each page read once, every read model as if it read alone."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, select

from domain.access import Role
from domain.codes import MemberState
from projections.assistance_requests.projector import RequestsProjector
from projections.assistance_requests.tables import assistance_requests
from projections.runner import PROJECTED, ProjectionRunner, move_positions
from projections.tracked import TrackedProjection
from projections.tracking import projection_tracking
from services.bootstrap import Runtime, start, tracked_projections
from services.coordination import Command, Concord
from services.identity.access import Principal
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.conftest import fixed_today
from tests.factories import a_need
from tests.integration.test_projections import CrashingProjector, read_model, record_history, runner_for


class CountingRecorder:
    """The application's own recorder, counting the pages read from it."""

    def __init__(self, recorder: Any) -> None:
        self._recorder = recorder
        self.pages = 0

    def select_notifications(self, *args: Any, **kwargs: Any) -> Sequence[Any]:
        self.pages += 1
        return self._recorder.select_notifications(*args, **kwargs)  # type: ignore[no-any-return]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def runners(runtime: Runtime, projectors: Sequence[Any] | None = None) -> list[TrackedProjection]:
    """Every projection's runner, as the application wires them, or runners of ``projectors``."""
    if projectors is None:
        return tracked_projections(runtime)
    return [runner_for(runtime, projector, batch_size=500) for projector in projectors]


def follower(
    runtime: Runtime, group: list[TrackedProjection], recorder: Any = None, **options: Any
) -> ProjectionRunner:
    return ProjectionRunner(
        group,
        engine=runtime.read_engine,
        recorder=recorder or runtime.concord.recorder,
        decode=runtime.concord.mapper.to_domain_event,
        **options,
    )


async def tracking_rows(runtime: Runtime) -> dict[str, int]:
    async with runtime.read_engine.connect() as conn:
        rows = await conn.execute(select(projection_tracking.c.projection, projection_tracking.c.position))
        return {name: position for name, position in rows}  # noqa: C416 - a result has keys(): dict() would take it for a mapping


async def drain(log_follower: ProjectionRunner) -> None:
    while await log_follower.run_once():
        pass


async def test_every_projection_follows_from_one_read_of_each_page(settings: Settings) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        last = await record_history(runtime, 30)
        counting = CountingRecorder(runtime.concord.recorder)
        group = runners(runtime)
        log_follower = follower(runtime, group, counting, batch_size=25)
        await log_follower.start()
        await drain(log_follower)
        await log_follower.persist_positions()
        followed = await read_model(runtime)
        positions = await tracking_rows(runtime)
    finally:
        await runtime.close()

    pages = -(-last // 25)
    assert counting.pages == pages + 1  # and one that found the end
    assert {r.projector.name: r.position for r in group} == dict.fromkeys(positions, last)
    assert positions == dict.fromkeys((r.projector.name for r in group), last)
    assert len(followed) == 30


async def test_what_the_follower_writes_equals_each_projection_rebuilt_alone(settings: Settings) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        await record_history(runtime, 40)
        log_follower = follower(runtime, runners(runtime), batch_size=7)
        await log_follower.start()
        await drain(log_follower)
        followed = await read_model(runtime)

        alone = runners(runtime, [RequestsProjector()])[0]
        await alone.reset()
        await alone.catch_up()
        rebuilt = await read_model(runtime)
    finally:
        await runtime.close()

    assert len(followed) == 40
    assert followed == rebuilt


async def test_a_failing_projection_is_set_aside_and_the_others_go_on(settings: Settings) -> None:
    """A bug in one projector must not stop the other read models; it retries later, from its
    own tracking row, and ends where a rebuild would."""
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        last = await record_history(runtime, 30)
        clock = Clock()
        crashing = runners(runtime, [CrashingProjector(after_events=12)])[0]
        others = [r for r in runners(runtime) if r.projector.name != crashing.projector.name]
        log_follower = follower(runtime, [crashing, *others], batch_size=10, clock=clock)
        await log_follower.start()
        await drain(log_follower)
        await log_follower.persist_positions()

        stuck_at = await crashing.load_position()
        assert 0 < stuck_at < last
        assert crashing not in log_follower.active()
        assert all(r.position == last for r in others)
        assert (await tracking_rows(runtime))["organisations"] == last

        assert isinstance(crashing.projector, CrashingProjector)
        crashing.projector.remaining = 10**6  # the bug is fixed
        clock.now += 0.5
        assert crashing not in log_follower.active()  # still set aside (1 s)
        clock.now += 1
        assert crashing in log_follower.active()
        await drain(log_follower)
        recovered = await read_model(runtime)
        assert crashing.position == last

        alone = runners(runtime, [RequestsProjector()])[0]
        await alone.reset()
        await alone.catch_up()
        rebuilt = await read_model(runtime)
    finally:
        await runtime.close()

    assert recovered == rebuilt


async def test_a_projection_whose_row_moved_takes_the_rows_position(settings: Settings) -> None:
    """A rebuild (or another worker) moved the tracking row: the follower's runner re-reads it."""
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        last = await record_history(runtime, 20)
        group = runners(runtime)
        log_follower = follower(runtime, group, batch_size=500)
        await log_follower.start()
        await drain(log_follower)
        await log_follower.persist_positions()

        rebuild = runners(runtime, [RequestsProjector()])[0]
        await rebuild.reset()  # the row is now at 0 and the table empty
        await record_history(runtime, 5)  # new events: the stale runner's guarded update fails
        await drain(log_follower)
        await drain(log_follower)  # the restarted runner reads the log again from 0
        rows = await read_model(runtime)
    finally:
        await runtime.close()

    assert last < max(r.position for r in group)
    assert len(rows) == 25


async def test_positions_move_in_one_guarded_statement(settings: Settings) -> None:
    """Idle runners' rows move with the batch that had rows to write, each only from the position
    its runner saw: one moved meanwhile by someone else stays, and its runner is told."""
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        last = await record_history(runtime, 6)
        group = runners(runtime)
        log_follower = follower(runtime, group, batch_size=500)
        await log_follower.start()
        await drain(log_follower)
        # The batch had requests to write: every idle runner's row moved in its transaction.
        assert await tracking_rows(runtime) == dict.fromkeys((r.projector.name for r in group), last)

        offers, finance = (next(r for r in group if r.projector.name == n) for n in ("offers", "finance"))
        async with runtime.read_engine.begin() as conn:
            await conn.execute(
                projection_tracking.update()
                .where(projection_tracking.c.projection == "finance")
                .values(position=last - 1)
            )
        offers.reached(last + 5, written=False)
        finance.reached(last + 5, written=False)
        async with runtime.read_engine.begin() as conn:
            moved = await move_positions(conn, [(offers, last + 5), (finance, last + 5)])
        rows = await tracking_rows(runtime)
    finally:
        await runtime.close()

    assert moved == {"offers"}
    assert rows["offers"] == last + 5
    assert rows["finance"] == last - 1


async def test_moving_several_rows_announces_the_position_once_at_the_commit(settings: Settings) -> None:
    """On PostgreSQL the announcement rides on the rows' UPDATE: one notification for the whole
    transaction, sent at its commit, also when no row moved; SQLite has none to send."""
    runtime = await start(settings, run_projections=False, today=fixed_today)
    if not runtime.storage.is_postgres:
        await runtime.close()
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    try:
        last = await record_history(runtime, 3)
        group = runners(runtime)
        log_follower = follower(runtime, group, batch_size=500)
        await log_follower.start()
        await drain(log_follower)
        for runner in group:
            runner.reached(last + 7, written=False)
        url = runtime.storage.migration_url.replace("+psycopg", "")
        with psycopg.connect(url, autocommit=True) as listener:
            listener.execute(f"LISTEN {PROJECTED}")
            async with runtime.read_engine.begin() as conn:
                moved = await move_positions(conn, [(r, last + 7) for r in group], announcing=last + 7)
                before_commit = list(listener.notifies(timeout=0.5))
            at_commit = [n.payload for n in listener.notifies(timeout=2, stop_after=2)]
            async with runtime.read_engine.begin() as conn:  # no row moves: the rows are at last + 7
                unmoved = await move_positions(conn, [(group[0], last + 9)], announcing=last + 9)
            alone = [n.payload for n in listener.notifies(timeout=2, stop_after=1)]
    finally:
        await runtime.close()

    assert moved == {r.projector.name for r in group}
    assert len(group) > 1
    assert before_commit == []
    assert at_commit == [str(last + 7)]
    assert unmoved == set()
    assert alone == [str(last + 9)]


async def test_a_lone_writer_whose_row_moved_takes_the_whole_batch_back(settings: Settings) -> None:
    """With one runner with rows to write, its tracking row moves in the idle runners' statement.
    If a rebuild moved that row meanwhile, nothing of the batch stays: not the rows, not the idle
    runners' positions; the runner takes its row's position again."""
    runtime = await start(settings, run_projections=False, today=fixed_today)
    coordinator = Command(Principal("coordinator-PHL", Role.COORDINATOR, MemberState.PHL))
    secretariat = Command(Principal("secretariat", Role.SECRETARIAT))
    try:
        await record_history(runtime, 3)
        crisis = await asyncio.to_thread(
            runtime.concord.open_crisis, secretariat, "Typhoon", [MemberState.PHL], date(2026, 11, 2)
        )
        # Coverage, the flow totals and the match counts read posted requests too: without them,
        # requests write alone.
        others = {"coverage", "flow_totals", "receiver_flow_totals", "match_counts"}
        group = [r for r in runners(runtime) if r.projector.name not in others]
        log_follower = follower(runtime, group, batch_size=500)
        await log_follower.start()
        await drain(log_follower)
        rows_before, positions_before = await read_model(runtime), await tracking_rows(runtime)
        moved_to = crisis.position + 1000
        async with runtime.read_engine.begin() as conn:
            await conn.execute(
                projection_tracking.update()
                .where(projection_tracking.c.projection == "assistance_requests")
                .values(position=moved_to)
            )
        await asyncio.to_thread(
            runtime.concord.post_request, coordinator, crisis.aggregate.id, MemberState.PHL, a_need()
        )
        assert await log_follower.run_once() == 1  # one page, one event: only requests want it
        rows_after, positions_after = await read_model(runtime), await tracking_rows(runtime)
        requests = next(r for r in group if r.projector.name == "assistance_requests")
    finally:
        await runtime.close()

    assert rows_after == rows_before
    assert positions_after == {**positions_before, "assistance_requests": moved_to}
    assert requests.position == moved_to


async def test_another_writers_commit_between_this_processs_own_is_projected(settings: Settings) -> None:
    """The projections take this process's commits from its writer, but only where they follow
    on from where the projections stand: another process's commit in between is read from the log."""
    runtime = await start(settings, run_projections=True, today=fixed_today)
    other = Concord(storage_for(settings).event_store_env, today=fixed_today)
    coordinator = Command(Principal("coordinator-PHL", Role.COORDINATOR, MemberState.PHL))
    secretariat = Command(Principal("secretariat", Role.SECRETARIAT))
    try:
        crisis = await asyncio.to_thread(
            runtime.concord.open_crisis, secretariat, "Typhoon", [MemberState.PHL], date(2026, 11, 2)
        )
        assert await runtime.progress.wait_for(crisis.position, timeout=30)
        titles = ["ours before", "theirs", "ours after"]
        for title, app in zip(titles, [runtime.concord, other, runtime.concord], strict=True):
            posted = await asyncio.to_thread(
                app.post_request, coordinator, crisis.aggregate.id, MemberState.PHL, a_need(title=title)
            )
        assert await runtime.progress.wait_for(posted.position, timeout=30)
        rows = await read_model(runtime)
    finally:
        other.close()
        await runtime.close()

    title = assistance_requests.c.keys().index("title")
    assert sorted(row[title] for row in rows) == sorted(titles)


async def test_several_writers_move_every_row_in_one_statement_and_go_apart_only_when_one_fails(
    settings: Settings,
) -> None:
    """A posted request gives four projections rows to write: their rows, then every tracking row
    in one UPDATE, no savepoint. If one's row moved meanwhile (a rebuild), the page is written
    again with each in a savepoint: the others' rows and positions stay, it takes its row's."""
    runtime = await start(settings, run_projections=False, today=fixed_today)
    coordinator = Command(Principal("coordinator-PHL", Role.COORDINATOR, MemberState.PHL))
    secretariat = Command(Principal("secretariat", Role.SECRETARIAT))
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    def post(crisis: Any) -> int:
        return runtime.concord.post_request(coordinator, crisis, MemberState.PHL, a_need()).position

    try:
        await record_history(runtime, 3)
        crisis = await asyncio.to_thread(
            runtime.concord.open_crisis, secretariat, "Typhoon", [MemberState.PHL], date(2026, 11, 2)
        )
        group = runners(runtime)
        log_follower = follower(runtime, group, batch_size=500)
        await log_follower.start()
        await drain(log_follower)
        event.listen(runtime.read_engine.sync_engine, "before_cursor_execute", record)
        first = await asyncio.to_thread(post, crisis.aggregate.id)
        assert await log_follower.run_once() == 1
        together = list(sent)
        positions_together = await tracking_rows(runtime)

        moved_to = first + 1000
        async with runtime.read_engine.begin() as conn:
            await conn.execute(
                projection_tracking.update()
                .where(projection_tracking.c.projection == "coverage")
                .values(position=moved_to)
            )
        sent.clear()
        second = await asyncio.to_thread(post, crisis.aggregate.id)
        assert await log_follower.run_once() == 1
        apart = list(sent)
        event.remove(runtime.read_engine.sync_engine, "before_cursor_execute", record)
        positions_apart = await tracking_rows(runtime)
        rows = await read_model(runtime)
        coverage = next(r for r in group if r.projector.name == "coverage")
    finally:
        await runtime.close()

    tracking_updates = [s for s in together if s.lstrip().upper().startswith("UPDATE PROJECTION_TRACKING")]
    assert len(tracking_updates) == 1
    assert not [s for s in together if "SAVEPOINT" in s.upper()]
    assert positions_together == dict.fromkeys((r.projector.name for r in group), first)
    assert [s for s in apart if s.upper().startswith("SAVEPOINT")]
    assert positions_apart == {
        **dict.fromkeys((r.projector.name for r in group), second),
        "coverage": moved_to,
    }
    assert coverage.position == moved_to
    assert len(rows) == 5
