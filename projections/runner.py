"""One reader of the log for all of a process's projection runners.

Each runner used to read the log on its own: after every command ten runners each selected the
new notifications, and each moved its tracking row, even the ones with nothing to project. The
follower reads a page once, decodes each event once (only those some projector wants), and hands
the page to every runner. A runner with something to project applies it in its own transaction,
rows and tracking position together, exactly as before: exactly-once stays per projection, and a
conflict or failure in one projection never rolls back another's. The others move their position
in memory; when the log goes quiet the follower writes all those positions in one transaction.

A runner that fails (a bug in its projector, a poison event) is set aside for a while, doubling
up to ``max_backoff``, so that the rest of the read models go on; when it comes back it takes its
tracking row's position again and the follower reads from there, the others skipping what they
have. Its tracking row says it fails, with the error, until it writes again (projections.failures):
readiness and ``concord status`` show it at once, in any process.

Over 300 lines on purpose: one loop (read, hand on, move positions, set aside and take back a
failing runner) whose steps share its state and are read together.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Notification
from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from projections.catchup import CatchUp
from projections.database import writer
from projections.failures import clear_failure, record_failure, tracking_rows
from projections.handoff import OwnCommits
from projections.log_reader import log_reader
from projections.tables import projection_tracking
from projections.tracked import Decode, Decoded, TrackedProjection, TrackingConflict
from projections.wakers import Wakeup

log = logging.getLogger(__name__)

#: PostgreSQL channel on which the follower says, as its transaction commits, that projections moved:
#: API processes that do not project (standing by, or with ``CONCORD_PROJECTIONS=external``) then
#: read the tracking table at once instead of at their next poll.
PROJECTED = "concord_projected"


class ProjectionRunner:
    def __init__(
        self,
        runners: Sequence[TrackedProjection],
        *,
        engine: AsyncEngine,
        recorder: Any,
        decode: Decode,
        waker: Wakeup | None = None,
        own_commits: OwnCommits | None = None,
        batch_size: int = 500,
        catch_up_after: int | None = None,
        catch_up_batch_size: int = 5000,
        poll_interval: float = 1.0,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        on_started: Callable[[], None] | None = None,
    ) -> None:
        """``on_started`` is called each time ``run_forever`` has taken the positions and begins
        to read the log."""
        self.runners = list(runners)
        self._on_started = on_started
        self._engine = writer(engine)
        self._reader = log_reader(recorder)
        self._decode = decode
        self._waker = waker
        self._own_commits = own_commits
        self._batch_size = batch_size
        self._catch_up = CatchUp(
            self._engine, recorder, decode, after=catch_up_after, batch_size=catch_up_batch_size, clock=clock
        )
        self._poll_interval = poll_interval
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._clock = clock
        self._set_aside: dict[str, tuple[float, float]] = {}  # name -> (until, last backoff)
        self._failing: set[str] = set()  # names whose tracking row says they fail
        self._topics = frozenset().union(*(r.projector.topics for r in self.runners))

    async def run_forever(self) -> None:
        """Follow the log until cancelled, waking on the waker (or the poll interval)."""
        await self.start()
        if self._on_started is not None:
            self._on_started()
        await self.catch_up_far_behind()
        while True:
            if self._waker is not None:
                self._waker.clear()
            if read := await self.run_once():
                if read >= self._batch_size and self._catch_up.due():
                    await self.catch_up_far_behind()
                continue
            await self.persist_positions()
            if self._waker is not None:
                await self._waker.wait(self._poll_interval)
            else:
                await asyncio.sleep(self._poll_interval)

    async def start(self) -> None:
        """Take every runner's position from its tracking row (registering new projections)."""
        for runner in self.runners:
            await runner.restart()
        tracked = await tracking_rows(self._engine)
        self._failing = {name for name, row in tracked.items() if row.error is not None}

    async def catch_up_far_behind(self) -> None:
        """Bring the active runners far behind the head up to it the way a rebuild goes
        (projections.catchup.CatchUp); those that fail there are left to the live loop, from their
        tracking rows."""
        for runner in await self._catch_up.run(self.active()):
            await self._restart(runner)

    def active(self) -> list[TrackedProjection]:
        """The runners not set aside after a failure (those whose time is up come back)."""
        now = self._clock()
        return [r for r in self.runners if self._set_aside.get(r.projector.name, (0.0, 0.0))[0] <= now]

    async def run_once(self) -> int:
        """Read one page from the slowest active runner's position and hand it to every active
        runner; returns the number of notifications read."""
        runners = await self._rejoin(self.active())
        if not runners:
            return 0
        after = min(r.position for r in runners)
        page = None
        if self._own_commits is not None:  # this process's latest commits, without a read
            page = self._own_commits.page(after, self._batch_size, self._topics)
        if page is None:
            page = await asyncio.to_thread(self._reader.read, after, self._batch_size, self._topics)
        if page is None:
            return 0
        decoded = [(n, self._decode_one(n)) for n in page.notifications]
        new_position = page.last
        work: list[tuple[TrackedProjection, list[Decoded]]] = []
        idle: list[TrackedProjection] = []
        for runner in runners:
            relevant = runner.relevant(decoded, new_position)
            if relevant:
                work.append((runner, relevant))
            elif relevant is not None:
                idle.append(runner)
        written: list[TrackedProjection] = []
        failed: list[tuple[TrackedProjection, BaseException]] = []
        if work:
            # The idle runners' rows move in the same transaction: no commit of their own later.
            written, failed = await self._write(work, idle, new_position)
        await self._settle(written, idle, failed, new_position)
        return page.read

    async def _settle(
        self,
        written: list[TrackedProjection],
        idle: list[TrackedProjection],
        failed: list[tuple[TrackedProjection, BaseException]],
        new_position: int,
    ) -> None:
        """Each runner's position after a page: moved, or set aside after a failure; a runner that
        was failing and moved again is recorded as recovered."""
        for runner in written:
            runner.reached(new_position, written=True)
            self._set_aside.pop(runner.projector.name, None)
        for runner in idle:
            if runner not in written and all(runner is not r for r, _ in failed):
                runner.reached(new_position, written=False)
                self._set_aside.pop(runner.projector.name, None)
        for runner, error in failed:
            await self._failed(runner, error)
        for runner in [*written, *(r for r in idle if r not in written)]:
            if runner.projector.name in self._failing and all(runner is not r for r, _ in failed):
                await self._recovered(runner)

    async def _write(
        self,
        work: list[tuple[TrackedProjection, list[Decoded]]],
        idle: list[TrackedProjection],
        new_position: int,
    ) -> tuple[list[TrackedProjection], list[tuple[TrackedProjection, BaseException]]]:
        """Every runner's rows and tracking row in one transaction (one commit, one connection):
        the rows of each runner with work, then every runner's tracking row, those with work and
        the ``idle`` ones, in one statement. If any of them fails, or finds its row moved, nothing
        is written and, with several runners, the page is written again with each runner's part in
        a savepoint of its own (``_write_apart``), so that it fails alone; a lone runner's failure,
        or the transaction's, is returned as it is (every runner with work failed, the idle ones
        as they were on disk). A failure is rare; the savepoints and a tracking UPDATE per runner,
        after every command, were not."""
        try:
            async with self._engine.begin() as conn:
                for runner, relevant in work:
                    await runner.write(conn, relevant, new_position, move_tracking=False)
                moves = [(runner, new_position) for runner in (*(r for r, _ in work), *idle)]
                moved = await move_positions(conn, moves, announcing=new_position)
                for runner, _ in work:
                    _require_moved(runner, moved)  # else its rows go with the transaction
        except Exception as error:
            if len(work) > 1:
                return await self._write_apart(work, idle, new_position)
            return [], [(runner, error) for runner, _ in work]
        written = [runner for runner, _ in work]
        written.extend(r for r in idle if r.projector.name in moved)
        return written, [(r, _moved_away(r)) for r in idle if r.projector.name not in moved]

    async def _write_apart(
        self,
        work: list[tuple[TrackedProjection, list[Decoded]]],
        idle: list[TrackedProjection],
        new_position: int,
    ) -> tuple[list[TrackedProjection], list[tuple[TrackedProjection, BaseException]]]:
        """``_write`` with each runner's rows and tracking row in a savepoint of its own, so that
        one that fails or finds its row moved is undone alone; the ``idle`` runners' rows move to
        ``new_position`` in one statement. If the transaction itself fails, nothing is written,
        every runner with work is failed and the idle ones stay as they were on disk."""
        written: list[TrackedProjection] = []
        failed: list[tuple[TrackedProjection, BaseException]] = []
        try:
            async with self._engine.begin() as conn:
                for runner, relevant in work:
                    try:
                        async with conn.begin_nested():
                            await runner.write(conn, relevant, new_position)
                    except Exception as error:
                        failed.append((runner, error))
                    else:
                        written.append(runner)
                moves = [(runner, new_position) for runner in idle]
                moved = await move_positions(conn, moves, announcing=new_position)
        except Exception as error:
            return [], [(runner, error) for runner, _ in work]
        written.extend(r for r in idle if r.projector.name in moved)
        failed.extend((r, _moved_away(r)) for r in idle if r.projector.name not in moved)
        return written, failed

    async def persist_positions(self) -> None:
        """Write, in one statement, the positions runners reached without a row to project."""
        behind = [r for r in self.active() if r.behind_on_disk]
        if not behind:
            return
        try:
            async with self._engine.begin() as conn:
                moves = [(runner, runner.position) for runner in behind]
                moved = await move_positions(conn, moves, announcing=max(r.position for r in behind))
        except Exception:
            log.warning("could not write the projections' positions; retrying later", exc_info=True)
            return
        for runner in behind:
            if runner.projector.name in moved:
                runner.tracking_moved(runner.position)
            else:
                await self._restart(runner)  # another runner or a rebuild moved its row

    def _decode_one(self, notification: Notification) -> Any:
        try:
            return self._decode(notification)
        except Exception as error:  # only the runners that want this event fail on it
            return error

    async def _rejoin(self, runners: list[TrackedProjection]) -> list[TrackedProjection]:
        """Runners back from being set aside read their position from the tracking row again."""
        for runner in runners:
            name = runner.projector.name
            until, backoff = self._set_aside.get(name, (0.0, 0.0))
            if until and backoff:
                self._set_aside[name] = (0.0, backoff)  # keeps its backoff until it succeeds
                if not await self._restart(runner):
                    return [r for r in runners if r is not runner]
        return runners

    async def _failed(self, runner: TrackedProjection, error: BaseException) -> None:
        if isinstance(error, asyncio.CancelledError):
            raise error
        if isinstance(error, TrackingConflict):
            # Another runner or a rebuild moved the row: take its position and go on.
            await self._restart(runner)
            return
        self._set_aside_now(runner)
        name = runner.projector.name
        backoff = self._set_aside[name][1]
        log.error("projection %s failed; set aside for %.0f s", name, backoff, exc_info=error)
        try:
            await record_failure(self._engine, name, error)
        except Exception:  # the database may be what failed: the next attempt records it
            log.warning("could not record projection %s's failure", name, exc_info=True)
        else:
            self._failing.add(name)

    async def _recovered(self, runner: TrackedProjection) -> None:
        name = runner.projector.name
        try:
            await clear_failure(self._engine, name)
        except Exception:
            log.warning("could not record that projection %s recovered", name, exc_info=True)
        else:
            self._failing.discard(name)
            log.info("projection %s recovered", name)

    def _set_aside_now(self, runner: TrackedProjection) -> None:
        name = runner.projector.name
        last = self._set_aside.get(name, (0.0, 0.0))[1]
        backoff = min(self._max_backoff, last * 2) if last else self._backoff
        self._set_aside[name] = (self._clock() + backoff, backoff)

    async def _restart(self, runner: TrackedProjection) -> bool:
        try:
            await runner.restart()
        except Exception:
            log.warning("projection %s could not read its position", runner.projector.name, exc_info=True)
            self._set_aside_now(runner)
            return False
        return True


async def move_positions(
    conn: AsyncConnection, moves: list[tuple[TrackedProjection, int]], *, announcing: int | None = None
) -> set[str]:
    """Move several runners' tracking rows in one statement, each guarded by the position its
    runner last saw there (as TrackedProjection's own update is); the names of the rows moved.
    With ``announcing``, the transaction also announces that position (``announce``): on
    PostgreSQL in the same statement, one round trip fewer after every command."""
    if not moves:
        if announcing is not None:
            await announce(conn, announcing)
        return set()
    notify = announcing is not None and conn.dialect.name == "postgresql"
    parameters: dict[str, Any] = {"now": datetime.now(UTC)}
    for i, (runner, position) in enumerate(moves):
        parameters[f"name_{i}"] = runner.projector.name
        parameters[f"seen_{i}"] = runner.persisted
        parameters[f"to_{i}"] = position
    if notify:
        parameters.update(channel=PROJECTED, announced=str(announcing))
    result = await conn.execute(_move_statement(len(moves), notify=notify), parameters)
    moved = {row[0] for row in result}
    if notify and not moved:  # no row to carry the notification
        await announce(conn, announcing)  # type: ignore[arg-type]
    return moved


@functools.cache
def _move_statement(count: int, *, notify: bool = False) -> TextClause:
    """The UPDATE for ``count`` rows, built once: this runs after every command, and building and
    caching-keying the same statement as an expression tree cost more than running it.
    CASE rather than UPDATE ... FROM (VALUES ...): SQLite names no columns of a VALUES list.
    With ``notify`` (PostgreSQL) each moved row also calls pg_notify with the same channel and
    payload: PostgreSQL delivers identical notifications of one transaction once, at its commit."""
    table = projection_tracking.name
    whens = " ".join(f"WHEN :name_{i} THEN :to_{i}" for i in range(count))
    guards = " OR ".join(f"(projection = :name_{i} AND position = :seen_{i})" for i in range(count))
    columns = projection_tracking.c
    binds = [bindparam("now", type_=columns.updated_at.type)]
    for i in range(count):
        binds += [
            bindparam(f"name_{i}", type_=columns.projection.type),
            bindparam(f"seen_{i}", type_=columns.position.type),
            bindparam(f"to_{i}", type_=columns.position.type),
        ]
    # Only the table's name and placeholders go into the text: every value is bound.
    sql = f"UPDATE {table} SET position = CASE projection {whens} END, updated_at = :now "  # noqa: S608
    sql += f"WHERE {guards} RETURNING projection"
    if notify:
        sql += ", pg_notify(:channel, :announced)"
    return text(sql).bindparams(*binds)


def _require_moved(runner: TrackedProjection, moved: set[str]) -> None:
    if runner.projector.name not in moved:
        raise _moved_away(runner)


def _moved_away(runner: TrackedProjection) -> TrackingConflict:
    return TrackingConflict(f"{runner.projector.name}: position moved away from {runner.persisted}")


__all__ = ["Decoded", "ProjectionRunner", "move_positions"]


_ANNOUNCE = text("SELECT pg_notify(:channel, :position)")


async def announce(conn: AsyncConnection, position: int) -> None:
    """Notify ``PROJECTED`` when the transaction commits (PostgreSQL; SQLite's readers poll)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(_ANNOUNCE, {"channel": PROJECTED, "position": str(position)})
