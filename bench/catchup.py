"""Catch-up: how fast ``concord serve`` is ready on a log its projections have not yet seen.

A fresh database per back end gets a log written straight into the event store (as
``bench.rebuild`` writes it: requests posted, one in four amended). The baseline is measured first,
in this run, on that log: ``concord rebuild assistance_requests``'s work, timed whole. That
projection is then reset, so that no projection has seen any of the log, and ``concord serve`` is
started on it: the time from its start until ``/readyz`` answers 200 (every projection within
``CONCORD_READY_MAX_LAG`` of the head), the server's CPU over that time from /proc, and the log's
events per second of it, against the rebuild's.

``python -m bench.catchup [--backend sqlite|postgresql|all] [--events N]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx

from bench import rebuild
from bench.backends import (
    POSTGRES_ADMIN_URL,
    Backend,
    BackendUnavailableError,
    postgres_backend,
    sqlite_backend,
)
from bench.server import migrate, running_server, tree_cpu_seconds, tree_rss_mb
from bench.stats import rate
from services.bootstrap import start, tracked_projections
from services.settings import Settings

GOAL_EVENTS_PER_S = 20_000
READY_TIMEOUT = 900.0  # seconds: the slowest catch-up measured took 109 s on 140,000 events
PROJECTION = "assistance_requests"


def reset(backend: Backend, projection: str = PROJECTION) -> None:
    """Empty ``projection``'s tables and rewind its tracking row: it has seen none of the log."""

    async def run() -> None:
        settings = Settings(database_url=backend.database_url, data_dir=backend.data_dir)
        runtime = await start(settings, run_projections=False)
        try:
            runner = next(r for r in tracked_projections(runtime) if r.projector.name == projection)
            await runner.reset()
        finally:
            await runtime.close()

    asyncio.run(run())


def time_to_ready(backend: Backend, events: int) -> dict[str, Any]:
    """``concord serve`` from its start until ``/readyz`` answers 200."""
    started = time.perf_counter()
    with running_server(backend) as server:
        healthy = time.perf_counter() - started
        pid = server.process.pid
        status, detail = 0, ""
        with httpx.Client(timeout=5.0) as client:
            while time.perf_counter() - started < READY_TIMEOUT:
                try:
                    response = client.get(f"{server.base_url}/readyz")
                except httpx.HTTPError as error:
                    detail = repr(error)
                else:
                    status, detail = response.status_code, response.text[:300]
                    if status == 200:
                        break
                time.sleep(0.05)
        ready = time.perf_counter() - started
        cpu, rss = tree_cpu_seconds(pid), tree_rss_mb(pid)
    if status != 200:
        raise RuntimeError(f"not ready after {ready:.0f} s: HTTP {status} {detail}")
    return {
        "events": events,
        "healthy_s": healthy,
        "ready_s": ready,
        "server_cpu_s": cpu,
        "server_rss_mb": rss,
        "events_per_s": rate(events, ready),
        "events_per_s_after_healthy": rate(events, ready - healthy),
        "events_per_cpu_s": rate(events, cpu) if cpu else None,
    }


def run(backend: Backend, events: int, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Write the log, rebuild on it (the baseline), reset, then time the server's catch-up."""
    migrate(backend)
    started = time.perf_counter()
    written = rebuild.write_log(backend, events)
    say(f"  catch-up: wrote {written:,} events in {time.perf_counter() - started:.1f} s")
    baseline = rebuild.rebuild_rate(backend, PROJECTION)
    say(
        f"  catch-up baseline, rebuild of {PROJECTION}: {baseline['events']:,} events in "
        f"{baseline['elapsed_s']:.1f} s = {baseline['events_per_s']:,.0f} events/s "
        f"({rate(baseline['events'], baseline['cpu_s']):,.0f} events per CPU-second)"
    )
    reset(backend)
    served = time_to_ready(backend, written)
    ratio = served["events_per_s"] / baseline["events_per_s"] if baseline["events_per_s"] else None
    cpu = served["server_cpu_s"]
    say(
        f"  catch-up: concord serve ready in {served['ready_s']:.1f} s "
        f"(healthy in {served['healthy_s']:.1f} s) "
        f"on {written:,} events = {served['events_per_s']:,.0f} events/s "
        f"({served['events_per_s_after_healthy']:,.0f} from healthy to ready), "
        f"{'-' if ratio is None else f'{ratio:.2f}'}x the rebuild's; server CPU "
        f"{'-' if cpu is None else f'{cpu:.1f} s'}, RSS {served['server_rss_mb'] or 0:.0f} MB"
    )
    return {"events": written, "baseline_rebuild": baseline, "serve": served, "ratio_over_rebuild": ratio}


def goal_row(result: dict[str, Any]) -> list[str]:
    """The row for ``python -m bench``'s goals table."""
    served, baseline = result["serve"], result["baseline_rebuild"]
    speed = served["events_per_s"]
    ratio = result["ratio_over_rebuild"]
    return [
        "catch-up at start",
        f"events/s to /readyz, {result['events']:,} events"
        + ("" if ratio is None else f" ({ratio:.2f}x the rebuild)"),
        f"{baseline['events_per_s']:,.0f} events/s rebuild",
        f"{speed:,.0f}",
        f">= {GOAL_EVENTS_PER_S:,}",
        "yes" if speed >= GOAL_EVENTS_PER_S else "no",
    ]


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.catchup``: only the catch-up part, on fresh back ends."""
    parser = argparse.ArgumentParser(prog="python -m bench.catchup", description=main.__doc__)
    parser.add_argument("--backend", choices=["all", "sqlite", "postgresql"], default="all")
    parser.add_argument("--events", type=int, default=100_000, help="events written to the log first")
    parser.add_argument("--postgres-admin-url", default=POSTGRES_ADMIN_URL)
    args = parser.parse_args(argv)
    makers: list[tuple[str, Callable[[], AbstractContextManager[Backend]]]] = []
    if args.backend in ("all", "sqlite"):
        makers.append(("sqlite", sqlite_backend))
    if args.backend in ("all", "postgresql"):
        makers.append(("postgresql", lambda: postgres_backend(args.postgres_admin_url)))
    for name, make in makers:
        print(f"== {name} ==", flush=True)
        try:
            with make() as backend:
                run(backend, args.events, say=lambda line: print(line, flush=True))
        except BackendUnavailableError as error:
            print(f"  SKIPPED: {error}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
