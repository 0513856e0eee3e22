"""Rebuild throughput: a large log, written straight into the event store, replayed by a projection.

The log is made through the domain (requests posted, one in four amended) but recorded in big
transactions with the recorder itself, so that making a million events takes a minute, not an hour.
The rebuild is ``concord rebuild assistance_requests``'s work, timed whole: reset, catch up in
batches of CONCORD_PROJECTION_REBUILD_BATCH_SIZE, create the write-only indexes again.
``python -m bench.rebuild`` runs only this part.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from bench.backends import POSTGRES_ADMIN_URL, Backend, postgres_backend, sqlite_backend
from bench.baseline import ACTOR, _fresh_requests
from bench.server import migrate
from bench.stats import rate
from services.bootstrap import start, tracked_projections
from services.coordination import Concord
from services.infrastructure.heap import settle_heap
from services.infrastructure.storage import storage_for
from services.settings import Settings

CHUNK = 500  # requests per insert: psycopg's pipeline can stall on one of several MB


def write_log(backend: Backend, events: int) -> int:
    """About ``events`` events, appended to the log; how many were written."""
    settings = Settings(database_url=backend.database_url, data_dir=backend.data_dir)
    app = Concord(storage_for(settings).event_store_env)
    written = 0
    today = date.today()
    try:
        while written < events:
            requests = _fresh_requests(min(CHUNK, max(1, (events - written) * 4 // 5)))
            for i, request in enumerate(requests):
                if i % 4 == 0:
                    request.amend(dataclasses.replace(request.need, priority=5), today=today, actor=ACTOR)
            stored = [app.mapper.to_stored_event(e) for r in requests for e in r.collect_events()]
            app.recorder.insert_events(stored)
            written += len(stored)
    finally:
        app.close()
    return written


def rebuild_rate(backend: Backend, projection: str = "assistance_requests") -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        settings = Settings(database_url=backend.database_url, data_dir=backend.data_dir)
        runtime = await start(settings, run_projections=False)
        try:
            runners = tracked_projections(runtime)
            runner = next(r for r in runners if r.projector.name == projection)
            settle_heap()  # as concord rebuild does once started
            started, cpu_started = time.perf_counter(), time.process_time()
            count = await runner.rebuild(batch_size=settings.projection_rebuild_batch_size)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        finally:
            await runtime.close()
        return {
            "projection": projection,
            "events": count,
            "elapsed_s": elapsed,
            "cpu_s": cpu,
            "events_per_s": rate(count, elapsed),
            "batch_size": settings.projection_rebuild_batch_size,
        }

    return asyncio.run(run())


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.rebuild``: only the rebuild part, on fresh back ends (no server, no HTTP)."""
    parser = argparse.ArgumentParser(prog="python -m bench.rebuild", description=main.__doc__)
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
        with make() as backend:
            migrate(backend)
            started = time.perf_counter()
            written = write_log(backend, args.events)
            print(f"{name}: wrote {written:,} events in {time.perf_counter() - started:.1f} s", flush=True)
            result = rebuild_rate(backend)
            print(
                f"{name}: rebuilt {result['projection']} from {result['events']:,} events in "
                f"{result['elapsed_s']:.1f} s = {result['events_per_s']:,.0f} events/s "
                f"(CPU {result['cpu_s']:.1f} s in this process: "
                f"{rate(result['events'], result['cpu_s']):,.0f} events per CPU-second)",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
