"""Rebuild throughput: a large log, written straight into the event store, replayed by a projection.

The log is made through the domain (requests posted, one in four amended) but recorded in big
transactions with the recorder itself, so that making a million events takes a minute, not an hour.
The rebuild is ``concord rebuild assistance_requests``'s work: reset, then catch up.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import date
from typing import Any

from bench.backends import Backend
from bench.baseline import ACTOR, _fresh_requests
from bench.stats import rate
from services.bootstrap import projection_runners, start, storage_for
from services.coordination import Concord
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
            runners = projection_runners(runtime, waker=None)
            runner = next(r for r in runners if r.projector.name == projection)
            await runner.reset()
            started = time.perf_counter()
            count = await runner.catch_up()
            elapsed = time.perf_counter() - started
        finally:
            await runtime.close()
        return {
            "projection": projection,
            "events": count,
            "elapsed_s": elapsed,
            "events_per_s": rate(count, elapsed),
            "batch_size": settings.projection_batch_size,
        }

    return asyncio.run(run())
