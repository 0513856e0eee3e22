"""What each library internal Concord rewrites saves, against the library's own path, in one process.

``python -m bench.internals`` (PostgreSQL's part runs when 127.0.0.1:5432 answers). CPU from
``time.process_time``, medians of alternating rounds, so that the machine's load falls on both:
- the Requests page (100 requests, the dashboard's operation) with plain fields completed in place
  (services.api.graphql_core_internals, services.api.strawberry_internals) and with graphql-core's
  and strawberry's own execution;
- a stored event decoded by the fast decoder (services.infrastructure.eventsourcing_internals) and
  by eventsourcing's mapper;
- a pooled connection checked out with the socket polled (services.infrastructure
  .psycopg_pool_internals) and with eventsourcing's ``pre_ping`` query.
Argument conversion has its own: ``python -m bench.command_cpu``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import strawberry
from psycopg_pool import ConnectionPool
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bench.backends import POSTGRES_ADMIN_URL
from bench.baseline import ACTOR, _fresh_requests
from bench.command_cpu import COORDINATOR, CRISIS, OPEN_CRISIS, SECRETARIAT
from bench.http_load import PAGE_SIZE as PAGE
from bench.http_load import POST_BODY, POST_VARIABLES, REQUESTS_PAGE
from services.api import schema as schema_package
from services.api.schema.context import Context
from services.bootstrap import Runtime, start
from services.coordination import Concord
from services.infrastructure.eventsourcing_internals import fast_decoder
from services.infrastructure.psycopg_pool_internals import check_quickly
from services.infrastructure.storage import storage_for
from services.migrate import migrate
from services.settings import Settings


def _rounds(calls: dict[str, Callable[[], Any]], rounds: int, per_round: int) -> dict[str, float]:
    """µs of CPU per call of each, median of ``rounds`` alternating rounds."""
    figures: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            started = time.process_time()
            for _ in range(per_round):
                call()
            figures[name].append((time.process_time() - started) / per_round * 1e6)
    return {name: statistics.median(values) for name, values in figures.items()}


def _library_schema() -> strawberry.Schema:
    """The schema as graphql-core and strawberry would execute it: nothing completed in place."""
    marks, executor = schema_package.mark_attributes, schema_package.ConcordExecutionContext
    schema_package.mark_attributes = lambda _schema: None  # type: ignore[assignment]
    schema_package.ConcordExecutionContext = StrawberryGraphQLCoreExecutionContext  # type: ignore[assignment,misc]
    try:
        return schema_package.build_schema()
    finally:
        schema_package.mark_attributes, schema_package.ConcordExecutionContext = marks, executor


async def _page_cost(runtime: Runtime, rounds: int, per_round: int) -> dict[str, float]:
    schemas = {"in place": schema_package.build_schema(), "graphql-core's": _library_schema()}
    opened = await schemas["in place"].execute(
        OPEN_CRISIS, CRISIS, context_value=Context(runtime=runtime, principal=SECRETARIAT, correlation_id="b")
    )
    assert opened.data is not None, opened.errors
    variables = {"i": {**POST_VARIABLES["i"], "crisisId": opened.data["openCrisis"]["crisis"]["id"]}}
    context = Context(runtime=runtime, principal=COORDINATOR, correlation_id="bench")
    for _ in range(PAGE):
        posted = await schemas["in place"].execute(str(POST_BODY["query"]), variables, context_value=context)
        assert not posted.errors, posted.errors
    query, page = str(REQUESTS_PAGE["query"]), {"first": PAGE}
    while True:  # until the projection has caught up with the posts
        result = await schemas["in place"].execute(query, page, context_value=context)
        if result.data is not None and len(result.data["requests"]["edges"]) == PAGE:
            break
        await asyncio.sleep(0.1)
    figures: dict[str, list[float]] = {name: [] for name in schemas}
    for _ in range(rounds):
        for name, schema in schemas.items():
            started = time.process_time()
            for _ in range(per_round):
                answer = await schema.execute(query, page, context_value=context)
            figures[name].append((time.process_time() - started) / per_round * 1e3)
            assert answer.data == result.data, f"{name}: another answer"
    return {name: statistics.median(values) for name, values in figures.items()}


def page_cost(rounds: int, per_round: int) -> dict[str, float]:
    """ms of CPU per Requests page of 100, on SQLite."""

    async def run() -> dict[str, float]:
        with tempfile.TemporaryDirectory(prefix="concord-internals-") as directory:
            settings = Settings(data_dir=Path(directory) / "var")
            migrate(storage_for(settings))
            runtime = await start(settings, run_projections=True)
            try:
                return await _page_cost(runtime, rounds, per_round)
            finally:
                await runtime.close()

    return asyncio.run(run())


def decoding_cost(rounds: int) -> dict[str, float]:
    """µs of CPU per stored event: requests posted, one in four amended (as bench.rebuild writes)."""
    app = Concord({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    requests = _fresh_requests(2000)
    for request in requests[::4]:
        request.amend(dataclasses.replace(request.need, priority=5), today=date.today(), actor=ACTOR)
    stored = [app.mapper.to_stored_event(e) for r in requests for e in r.collect_events()]
    decoders = {"fast": fast_decoder(app.mapper), "mapper's": app.mapper.to_domain_event}
    figures = _rounds({name: lambda d=d: [d(s) for s in stored] for name, d in decoders.items()}, rounds, 1)
    return {name: figure / len(stored) for name, figure in figures.items()}


def checkout_cost(rounds: int, admin_url: str) -> dict[str, float] | None:
    """µs of wall-clock time per pooled connection checked out and returned; None without PostgreSQL."""
    try:
        psycopg.connect(admin_url, connect_timeout=3).close()
    except psycopg.OperationalError:
        return None
    checks = {"socket polled": check_quickly, "pre_ping": ConnectionPool.check_connection}
    pools = {
        name: ConnectionPool(admin_url, min_size=1, max_size=1, check=c, open=True)
        for name, c in checks.items()
    }
    try:
        for pool in pools.values():
            pool.wait()

        def checkout(pool: ConnectionPool[Any]) -> None:
            with pool.connection():
                pass

        figures: dict[str, list[float]] = {name: [] for name in pools}
        for _ in range(rounds):
            for name, pool in pools.items():
                started = time.perf_counter()
                for _ in range(2000):
                    checkout(pool)
                figures[name].append((time.perf_counter() - started) / 2000 * 1e6)
    finally:
        for pool in pools.values():
            pool.close()
    return {name: statistics.median(values) for name, values in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", type=int, default=100, help="Requests pages a round")
    parser.add_argument("--postgres-admin-url", default=POSTGRES_ADMIN_URL)
    args = parser.parse_args()
    page = page_cost(args.rounds, args.pages)
    print("Requests page of 100, ms of CPU: " + ", ".join(f"{k} {v:.2f}" for k, v in page.items()))
    decoded = decoding_cost(args.rounds)
    print("stored event decoded, µs of CPU: " + ", ".join(f"{k} {v:.1f}" for k, v in decoded.items()))
    checkout = checkout_cost(args.rounds, args.postgres_admin_url)
    if checkout is None:
        print("pooled connection checkout: skipped (PostgreSQL does not answer)")
    else:
        print("pooled connection checkout, µs: " + ", ".join(f"{k} {v:.0f}" for k, v in checkout.items()))
    print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
