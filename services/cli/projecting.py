"""``concord project``, ``rebuild`` and ``status``: the read side's workers, rebuilds and positions."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Annotated

import typer

from services.cli.terminal import RebuildProgress, configure_logging
from services.settings import Settings

if TYPE_CHECKING:
    from services.status import ProjectionStatus

# The read side, the event store and the wiring are imported by the commands that use them, so that
# the commands that do not (concord token) start in a fraction of the time.


def project() -> None:
    """Run the projection workers in this process, following the log until stopped."""
    configure_logging()
    asyncio.run(_project())


async def _project() -> None:
    """On PostgreSQL, only the worker holding the advisory lock projects; the others stand by."""
    from projections.lease import PROJECTIONS_LEASE, ProjectionLease  # noqa: PLC0415
    from services.bootstrap import run_projections, start  # noqa: PLC0415
    from services.infrastructure.heap import settle_heap  # noqa: PLC0415

    settings = Settings()
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    runtime = await start(settings, run_projections=False)
    settle_heap()
    lease = ProjectionLease(runtime.read_engine, PROJECTIONS_LEASE) if runtime.storage.is_postgres else None
    lost = False
    try:
        if lease is not None:
            acquired = asyncio.create_task(lease.acquire())
            await _first(acquired, stopped.wait())
            if acquired.cancelled():  # stopped while standing by
                return
            acquired.result()  # a failure to reach the database ends the worker
        await run_projections(runtime)
        names = ", ".join(r.projector.name for r in runtime.runners)
        logging.getLogger("concord").info("projecting %s", names)
        watched = asyncio.create_task(lease.watch()) if lease is not None else None
        await _first(stopped.wait(), *([watched] if watched else []))
        lost = watched is not None and watched.done() and not watched.cancelled()
    finally:
        await runtime.close()
        if lease is not None:
            await lease.release()
    if lost:
        # Another worker may be active by now: stop, and let the supervisor start a stand-by.
        raise typer.Exit(1)


async def _first(*awaitables: Awaitable[object]) -> None:
    """Wait until the first of them finishes; cancel the rest."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def rebuild(
    name: Annotated[str, typer.Argument(help="the projection to rebuild, e.g. assistance_requests")],
    shadow: Annotated[
        bool,
        typer.Option("--shadow", help="PostgreSQL: build new tables beside the live ones, then switch"),
    ] = False,
) -> None:
    """Replay one projection from the start of the log: in place, or (--shadow) without downtime."""
    from projections.shadow import ShadowUnsupported  # noqa: PLC0415
    from services.bootstrap import all_projectors  # noqa: PLC0415

    configure_logging()
    names = [p.name for p in all_projectors()]
    if name not in names:
        typer.echo(f"unknown projection {name!r}; known: {', '.join(names)}", err=True)
        raise typer.Exit(2)
    if shadow:
        try:
            position = asyncio.run(_shadow_rebuild(name))
        except ShadowUnsupported as refused:
            typer.echo(str(refused), err=True)
            raise typer.Exit(2) from None
        typer.echo(f"rebuilt {name} into new tables and switched them in at position {position}")
        return
    count = asyncio.run(_rebuild(name))
    typer.echo(f"rebuilt {name} from {count} events")


async def _shadow_rebuild(name: str) -> int:
    from projections.shadow import shadow_rebuild  # noqa: PLC0415
    from services.bootstrap import all_projectors, start  # noqa: PLC0415
    from services.infrastructure.heap import settle_heap  # noqa: PLC0415

    runtime = await start(Settings(), run_projections=False)
    settle_heap()
    try:
        projector = next(p for p in all_projectors() if p.name == name)
        head = await asyncio.to_thread(runtime.concord.recorder.max_notification_id) or 0
        progress = RebuildProgress(name, head)
        position = await shadow_rebuild(
            projector,
            engine=runtime.read_engine,
            recorder=runtime.concord.recorder,
            decode=runtime.decode,
            batch_size=runtime.settings.projection_rebuild_batch_size,
            on_batch=progress.show,
        )
        progress.done()
        return position
    finally:
        await runtime.close()


async def _rebuild(name: str) -> int:
    from services.bootstrap import start, tracked_projections  # noqa: PLC0415
    from services.infrastructure.heap import settle_heap  # noqa: PLC0415

    runtime = await start(Settings(), run_projections=False)
    settle_heap()
    try:
        runner = next(r for r in tracked_projections(runtime) if r.projector.name == name)
        head = await asyncio.to_thread(runtime.concord.recorder.max_notification_id) or 0
        progress = RebuildProgress(name, head)
        count = await runner.rebuild(
            on_batch=progress.show, batch_size=runtime.settings.projection_rebuild_batch_size
        )
        progress.done()
        return count
    finally:
        await runtime.close()


def status() -> None:
    """Each projection's position, the head of the log, its lag and state; a failing one's error."""
    statuses = asyncio.run(_status())
    typer.echo(f"{'projection':<24} {'position':>10} {'head':>10} {'lag':>10}  state")
    for s in statuses:
        position = "-" if s.position is None else str(s.position)
        typer.echo(f"{s.name:<24} {position:>10} {s.head:>10} {s.lag:>10}  {s.state}")
    for s in statuses:
        if s.error is not None:
            since = s.failing_since.isoformat(timespec="seconds") if s.failing_since else "?"
            typer.echo(f"{s.name}: failing since {since} ({s.failures} failures so far): {s.error}")


async def _status() -> list[ProjectionStatus]:
    from services.bootstrap import start  # noqa: PLC0415
    from services.status import projection_status  # noqa: PLC0415

    runtime = await start(Settings(), run_projections=False)
    try:
        return await projection_status(runtime)
    finally:
        await runtime.close()
