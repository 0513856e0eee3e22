"""Catch-up: how fast ``concord serve`` is ready on a log its projections have not yet seen.

A fresh database per back end gets a log written straight into the event store (as
``bench.rebuild`` writes it: requests posted, one in four amended). The baseline is measured first,
in this run, on that log: ``concord rebuild assistance_requests``'s work, timed whole. That
projection is then reset, so that no projection has seen any of the log, and ``concord serve`` is
started on it: the time from its start until ``/readyz`` answers 200 (every projection within
``CONCORD_READY_MAX_LAG`` of the head), the server's CPU over that time from /proc, and the log's
events per second of it, against the rebuild's.

``--rounds N`` serves it N times, every projection reset before each; ``--against DIR`` serves the
tree of another checkout (``git archive COMMIT | tar -x -C DIR``) in the rounds between, on the
same log: an A/B of the catch-up in alternate rounds, medians compared.

``python -m bench.catchup [--backend sqlite|postgresql|all] [--events N] [--rounds N] [--against DIR]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
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
from bench.commands import serve_argv
from bench.server import migrate, running_server, tree_cpu_seconds, tree_rss_mb
from bench.stats import rate
from services.bootstrap import start, tracked_projections
from services.settings import Settings

GOAL_EVENTS_PER_S = 20_000
READY_TIMEOUT = 900.0  # seconds: the slowest catch-up measured took 109 s on 140,000 events
PROJECTION = "assistance_requests"


def reset(backend: Backend, projection: str | None = PROJECTION) -> None:
    """Empty ``projection``'s tables (None: every projection's) and rewind its tracking row: it
    has seen none of the log."""

    async def run() -> None:
        settings = Settings(database_url=backend.database_url, data_dir=backend.data_dir)
        runtime = await start(settings, run_projections=False)
        try:
            for runner in tracked_projections(runtime):
                if projection is None or runner.projector.name == projection:
                    await runner.reset()
        finally:
            await runtime.close()

    asyncio.run(run())


def time_to_ready(backend: Backend, events: int, tree: Path | None = None) -> dict[str, Any]:
    """``concord serve`` (this tree's, or ``tree``'s) from its start until ``/readyz`` answers 200."""
    started = time.perf_counter()
    with running_server(backend, serve_argv(tree)) as server:
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


def _load() -> str:
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def rounds(
    backend: Backend, events: int, count: int, against: Path | None, say: Callable[[str], None] = print
) -> dict[str, list[dict[str, Any]]]:
    """``count`` more catch-ups of this tree (and of ``against``, in alternate rounds) on the same
    log, every projection reset before each; the medians of each side, and their ratio."""
    trees: dict[str, Path | None] = {"this tree": None}
    if against is not None:
        trees[f"against {against}"] = against
    served: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
    for round_ in range(1, count + 1):
        for name, tree in trees.items():
            reset(backend, None)
            before = _load()
            one = time_to_ready(backend, events, tree)
            served[name].append(one)
            say(
                f"  round {round_} {name}: ready in {one['ready_s']:.2f} s "
                f"(healthy {one['healthy_s']:.2f} s) = {one['events_per_s']:,.0f} events/s, "
                f"server CPU {one['server_cpu_s'] or 0:.2f} s, RSS {one['server_rss_mb'] or 0:.0f} MB; "
                f"load average {before} -> {_load()}"
            )
    medians = {
        name: {
            key: statistics.median(r[key] or 0 for r in runs)
            for key in ("ready_s", "healthy_s", "server_cpu_s")
        }
        for name, runs in served.items()
    }
    for name, median in medians.items():
        say(
            f"  {name} (median of {count}): ready {median['ready_s']:.2f} s = "
            f"{rate(events, median['ready_s']):,.0f} events/s, healthy {median['healthy_s']:.2f} s, "
            f"server CPU {median['server_cpu_s']:.2f} s"
        )
    if against is not None:
        ours, theirs = medians["this tree"], medians[f"against {against}"]
        say(
            f"  this tree / against: ready {ours['ready_s'] / theirs['ready_s']:.2f}, "
            f"server CPU {ours['server_cpu_s'] / theirs['server_cpu_s']:.2f}"
        )
    return served


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
    parser.add_argument(
        "--rounds",
        type=int,
        default=0,
        help="further catch-ups on the same log, every projection reset first",
    )
    parser.add_argument("--against", type=Path, help="another checkout's root, served in alternate rounds")
    parser.add_argument("--postgres-admin-url", default=POSTGRES_ADMIN_URL)
    args = parser.parse_args(argv)
    if args.against is not None and not args.rounds:
        args.rounds = 3
    makers: list[tuple[str, Callable[[], AbstractContextManager[Backend]]]] = []
    if args.backend in ("all", "sqlite"):
        makers.append(("sqlite", sqlite_backend))
    if args.backend in ("all", "postgresql"):
        makers.append(("postgresql", lambda: postgres_backend(args.postgres_admin_url)))
    for name, make in makers:
        print(f"== {name} ==", flush=True)
        try:
            with make() as backend:
                result = run(backend, args.events, say=lambda line: print(line, flush=True))
                if args.rounds:
                    rounds(
                        backend,
                        result["events"],
                        args.rounds,
                        args.against,
                        lambda line: print(line, flush=True),
                    )
        except BackendUnavailableError as error:
            print(f"  SKIPPED: {error}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
