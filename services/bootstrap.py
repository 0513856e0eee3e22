"""The one place that turns settings into wired parts: event store, read-side engine, projections."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.allocation_rounds.projector import AllocationRoundsProjector
from projections.api_keys.projector import ApiKeysProjector
from projections.assistance_requests.projector import RequestsProjector
from projections.coverage.projector import CoverageProjector
from projections.crises.projector import CrisesProjector
from projections.database import create_read_engine, reader, use_wal
from projections.feed import LogFeed
from projections.finance.projector import FinanceProjector
from projections.flow_totals.projector import FlowTotalsProjector
from projections.handoff import OwnCommits
from projections.lease import PROJECTIONS_LEASE, ProjectionLease, lead
from projections.log_reader import reads_finished
from projections.match_counts.projector import MatchCountsProjector
from projections.matches.projector import MatchesProjector
from projections.movements.projector import MovementsProjector
from projections.offers.projector import OffersProjector
from projections.organisations.projector import OrganisationsProjector
from projections.progress import Progress, follow_tracking_table
from projections.projector import Projector
from projections.projects.projector import ProjectsProjector
from projections.rebuilding import restore_write_only_indexes
from projections.receiver_flow_totals.projector import ReceiverFlowTotalsProjector
from projections.runner import PROJECTED, ProjectionRunner
from projections.safe_havens.projector import SafeHavensProjector
from projections.security_incidents.projector import SecurityIncidentsProjector
from projections.tracked import TrackedProjection
from projections.tracking import tracking_positions
from projections.wakers import ListenWaker, Waker
from services.coordination import Clock, Concord, utc_today
from services.identity.authentication import Authenticator, token_verifier
from services.infrastructure.availability import DatabaseWatch
from services.infrastructure.eventsourcing_internals import Decode, fast_decoder
from services.infrastructure.storage import Storage, storage_for
from services.settings import Settings

log = logging.getLogger(__name__)
#: The longest a close waits for a read of the log under way (a page takes milliseconds).
CLOSE_WAIT = 30.0


def all_projectors() -> list[Projector]:
    return [
        RequestsProjector(),
        OrganisationsProjector(),
        CrisesProjector(),
        OffersProjector(),
        MatchesProjector(),
        FinanceProjector(),
        SafeHavensProjector(),
        MovementsProjector(),
        SecurityIncidentsProjector(),
        ProjectsProjector(),
        ApiKeysProjector(),
        AllocationRoundsProjector(),
        CoverageProjector(),
        FlowTotalsProjector(),
        ReceiverFlowTotalsProjector(),
        MatchCountsProjector(),
    ]


class LogHead:
    """The furthest log position this process knows to exist: its own commits and any head it read.

    A position at or below it needs no read of the store to be known real (read-your-writes asks
    this on every read after a command)."""

    def __init__(self) -> None:
        self.known = 0

    def saw(self, position: int) -> None:
        """Called from the writer's thread too; a lost race only costs a read of the store."""
        self.known = max(self.known, position)


@dataclass
class Runtime:
    """A running Concord: the command service, the read side and, if in-process, its projections."""

    settings: Settings
    storage: Storage
    concord: Concord
    read_engine: AsyncEngine
    progress: Progress
    authenticator: Authenticator
    runners: list[TrackedProjection] = field(default_factory=list)
    database: DatabaseWatch | None = None  # PostgreSQL only: an embedded SQLite file is always there
    feed: LogFeed | None = None  # live updates, for an API process
    log_head: LogHead = field(default_factory=LogHead)
    #: Set once this process's projections have taken their positions and begun to read the log
    #: (at once in a process that runs none, or while another process runs them).
    projecting: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _wakers: list[Waker] = field(default_factory=list)
    _unlisten: list[Callable[[], None]] = field(default_factory=list)

    @cached_property
    def query_engine(self) -> AsyncEngine:
        """The read models for queries: ``read_engine``'s pool, no transaction around a query."""
        return reader(self.read_engine)

    @cached_property
    def decode(self) -> Decode:
        """How projections read stored events: what the mapper makes of them, made faster."""
        return fast_decoder(self.concord.mapper)

    async def close(self) -> None:
        for unlisten in self._unlisten:
            unlisten()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for waker in self._wakers:
            await waker.stop()
        await self.read_engine.dispose()
        # A cancelled catch-up's read ahead goes on in its thread: the store closes once it ends.
        if not await asyncio.to_thread(reads_finished, self.concord.recorder, CLOSE_WAIT):
            log.warning("closing the event store with a read of its log still under way")
        await asyncio.to_thread(self.concord.close)


def tracked_projections(runtime: Runtime) -> list[TrackedProjection]:
    """Every projector with its tracking position, for the runner (or a rebuild) to drive."""
    return [
        TrackedProjection(
            projector,
            engine=runtime.read_engine,
            recorder=runtime.concord.recorder,
            decode=runtime.decode,
            progress=runtime.progress,
            batch_size=runtime.settings.projection_batch_size,
        )
        for projector in all_projectors()
    ]


async def start(
    settings: Settings,
    *,
    run_projections: bool | None = None,
    live_updates: bool = False,
    today: Clock = utc_today,
) -> Runtime:
    """Open the stores; run the projections here unless settings leave them to ``concord project``;
    with ``live_updates``, follow the log for subscribers (an API process)."""
    storage = storage_for(settings)
    verifier = token_verifier(settings)  # refuses unsafe settings before anything opens
    if storage.sqlite_path is not None:
        await asyncio.to_thread(use_wal, storage.sqlite_path)
    concord = await asyncio.to_thread(Concord, storage.event_store_env, today=today)
    runtime = Runtime(
        settings=settings,
        storage=storage,
        concord=concord,
        read_engine=create_read_engine(storage.read_url, pool_size=settings.postgres_pool_size),
        progress=Progress(p.name for p in all_projectors()),
        authenticator=Authenticator(verifier, concord),
    )
    runtime._unlisten.append(concord.on_recorded(runtime.log_head.saw))  # noqa: SLF001
    if storage.is_postgres:
        runtime.database = DatabaseWatch(lambda: _ping(runtime.query_engine))
        runtime._tasks.append(asyncio.create_task(runtime.database.run(), name="database-watch"))  # noqa: SLF001
    if run_projections is None:
        run_projections = settings.projections == "in-process"
    waker = await _log_waker(runtime) if run_projections or live_updates else None
    if live_updates:
        assert waker is not None
        runtime.feed = LogFeed(
            waker.listener(),
            runtime.progress,
            lambda: concord.recorder.max_notification_id() or 0,
            poll_interval=settings.projection_poll_interval,
        )
        runtime._tasks.append(asyncio.create_task(runtime.feed.run(), name="live-updates"))  # noqa: SLF001
    if run_projections:
        assert waker is not None
        if storage.is_postgres:
            runtime._tasks.append(asyncio.create_task(_lead_projections(runtime, waker), name="projections"))  # noqa: SLF001
        else:
            _run_projections(runtime, waker)
    else:
        runtime.projecting.set()
        runtime._tasks.append(asyncio.create_task(_follow_others(runtime)))  # noqa: SLF001
    return runtime


async def _ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def run_projections(runtime: Runtime) -> None:
    """Start this runtime's projection runners (for a worker that has just become the active one)."""
    _run_projections(runtime, await _log_waker(runtime))


async def _log_waker(runtime: Runtime) -> Waker:
    """This process's signal that the log grew, shared by its projection runners and live updates:
    its own commits wake them at once; on PostgreSQL, LISTEN/NOTIFY brings other processes' too
    (SQLite has no notifications: the runners poll for those)."""
    waker: Waker = ListenWaker(runtime.concord.recorder) if runtime.storage.is_postgres else Waker()
    runtime._unlisten.append(runtime.concord.on_recorded(waker.wake))  # noqa: SLF001
    await waker.start()
    runtime._wakers.append(waker)  # noqa: SLF001
    return waker


def _run_projections(runtime: Runtime, waker: Waker) -> None:
    runtime._tasks.append(asyncio.create_task(_projecting(runtime, waker), name="projections"))  # noqa: SLF001


async def _projecting(runtime: Runtime, waker: Waker) -> None:
    """This process's projections, handed its own commits as they happen (projections.handoff)."""
    own_commits = OwnCommits()
    unlisten = runtime.concord.on_committed(own_commits.add)
    try:
        runner = _runner(runtime, waker, own_commits)
        await _restore_indexes(runtime)
        await _supervised(runner)
    finally:
        unlisten()


async def _restore_indexes(runtime: Runtime) -> None:
    """A rebuild killed before its end left its read model without its queries' indexes: the
    process that projects creates them again before it starts (``concord migrate`` does too)."""
    try:
        await restore_write_only_indexes(runtime.read_engine, [r.projector for r in runtime.runners])
    except Exception:  # the read models are whole without them; only their queries are slower
        log.exception("could not create the indexes a rebuild left missing; concord migrate creates them")


def _runner(runtime: Runtime, waker: Waker, own_commits: OwnCommits | None = None) -> ProjectionRunner:
    runtime.runners = tracked_projections(runtime)
    return ProjectionRunner(
        runtime.runners,
        engine=runtime.read_engine,
        recorder=runtime.concord.recorder,
        decode=runtime.decode,
        waker=waker.listener(),
        own_commits=own_commits,
        batch_size=runtime.settings.projection_batch_size,
        catch_up_after=runtime.settings.projection_catch_up_after,
        catch_up_batch_size=runtime.settings.projection_rebuild_batch_size,
        poll_interval=runtime.settings.projection_poll_interval,
        on_started=runtime.projecting.set,
    )


async def _lead_projections(runtime: Runtime, waker: Waker) -> None:
    """Project only while holding the database's projection lease (PostgreSQL; ``lease.lead``);
    while another process holds it, follow its progress from the tracking table."""

    def retired() -> None:
        runtime.runners = []

    async def stand_by() -> None:
        runtime.projecting.set()
        await _follow_others(runtime)

    await lead(
        ProjectionLease(runtime.read_engine, PROJECTIONS_LEASE),
        project=lambda: _projecting(runtime, waker),
        stand_by=stand_by,
        retired=retired,
    )


async def _follow_others(runtime: Runtime) -> None:
    """Keep ``runtime.progress`` current while another process projects: on PostgreSQL that process
    announces each move (``projections.runner.PROJECTED``), and the tracking table is read then;
    the poll is a fallback there, and SQLite's only way."""
    if not runtime.storage.is_postgres:
        await follow_tracking_table(runtime.progress, lambda: tracking_positions(runtime.query_engine), 0.02)
        return
    announcements = ListenWaker(runtime.concord.recorder, channel=PROJECTED)
    await announcements.start()
    try:
        await follow_tracking_table(
            runtime.progress,
            lambda: tracking_positions(runtime.query_engine),
            0.2,
            announcements.listener(),
        )
    finally:
        await announcements.stop()


async def _supervised(runner: ProjectionRunner) -> None:
    """Start reading again after a pause when the log cannot be read (a database outage heals by
    itself); a single projection's failure is the runner's to handle."""
    while True:
        try:
            await runner.run_forever()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("reading the log for the projections failed; again in 1 s")
            await asyncio.sleep(1)
