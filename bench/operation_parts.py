"""Where a named read operation's CPU goes, in process on a demo's SQLite database: the SQLite
engine's own work and the Python around it, layer by layer.

Each operation of ``bench.scale_operations`` named with ``--only`` (all by default) is answered by
its compiled plan, as ``/graphql`` answers it by its hash, with the variables and the role of the
page that runs it. Per call, medians of rounds:
- ``call``: the process's CPU (``time.process_time``), everything but HTTP and the JSON encoding;
- ``SQLite``: the CPU of aiosqlite's threads, where SQLite runs the statements (each thread's own
  CPU clock), so ``call`` less ``SQLite`` is the event loop's Python;
- that Python split by layer from one profiled round (``cProfile``, each function's own time,
  grouped by its package and scaled to the unprofiled figure): the driver and asyncio, SQLAlchemy,
  GraphQL (graphql-core and strawberry), Concord's projections (the read models' queries), Concord's
  API (the plans, resolvers and their objects), the domain, and the rest;
- ``objects``: how many objects (dicts) the answer holds, and the CPU a call per object.

The database's projections must have caught up (``concord serve`` until ``/readyz`` shows no lag).
``python -m bench.operation_parts --data-dir DIR [--only NAME ...]``
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from uuid import UUID

from graphql import parse
from sqlalchemy import select

from bench.scale_operations import _FACTS, DONOR, OPERATIONS, Facts, Operation, facts_of
from domain.access import Role
from domain.codes import MemberState
from projections.organisations.tables import organisations
from services.api.compiled import CompiledOperation
from services.api.schema import build_schema
from services.api.schema.context import Context
from services.bootstrap import Runtime, start
from services.identity.access import Principal
from services.settings import Settings

#: Layers of the event loop's Python, by the file of each function (the first that matches).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("driver and asyncio", ("/aiosqlite/", "/asyncio/", "/threading.py", "/queue.py", "/concurrent/")),
    ("SQLAlchemy", ("/sqlalchemy/",)),
    ("GraphQL", ("/graphql/", "/strawberry/")),
    ("projections", ("/projections/",)),
    ("API", ("/services/", "<compiled ")),  # and the plans' generated code
    ("domain", ("/domain/",)),
]
REST = "the rest"


def _cpu_of_driver_threads() -> float:
    """CPU seconds of every thread but this one (aiosqlite's: one per connection)."""
    spent = 0.0
    for thread in threading.enumerate():
        if thread is threading.current_thread() or thread.ident is None:
            continue
        try:
            spent += time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
        except OSError:  # the thread ended between the two calls
            continue
    return spent


def _layer(filename: str) -> str:
    for name, marks in LAYERS:
        if any(mark in filename for mark in marks):
            return name
    return REST


def _objects(value: Any) -> int:
    """The dicts in an answer: its objects, nested ones included."""
    if isinstance(value, dict):
        return 1 + sum(_objects(each) for each in value.values())
    if isinstance(value, list):
        return sum(_objects(each) for each in value)
    return 0


async def _facts(runtime: Runtime, schema: Any) -> Facts:
    """The records the pages would be showing (``bench.scale_operations.facts``), read in process."""
    async with runtime.query_engine.connect() as conn:
        donor = str(await conn.scalar(select(organisations.c.id).where(organisations.c.name == DONOR)))
    secretariat = Principal("bench-secretariat", Role.SECRETARIAT)
    context = Context(runtime=runtime, principal=secretariat, correlation_id="bench")
    result = await schema.execute(_FACTS, variable_values={"org": [donor]}, context_value=context)
    if result.errors:
        raise RuntimeError(result.errors)
    return facts_of(result.data, donor)


def _principal(role: str, facts: Facts) -> Principal:
    if role == "coordinator":
        return Principal("bench-coordinator", Role.COORDINATOR, MemberState(facts.state))
    if role == "donor":
        return Principal("bench-donor", Role.DONOR, organisation_id=UUID(facts.organisation))
    return Principal("bench-secretariat", Role.SECRETARIAT)


async def measure(
    runtime: Runtime, schema: Any, facts: Facts, operation: Operation, rounds: int, calls: int
) -> dict[str, float]:
    """ms of CPU a call: the whole call's, SQLite's, each layer's; and the answer's objects."""
    plan = CompiledOperation(schema._schema, parse(operation.text()))  # noqa: SLF001
    principal, variables = _principal(operation.role, facts), operation.variables(facts)

    async def call() -> dict[str, Any]:
        context = Context(runtime=runtime, principal=principal, correlation_id="bench")
        data = await plan.run(context, variables)
        if data is None:
            raise RuntimeError(f"{operation.label}: answered by the general path, not its plan")
        return data

    for _ in range(5):  # the statements prepared, the rows remembered, as on a served page
        answer = await call()
    whole, driver = [], []
    for _ in range(rounds):
        started, threads = time.process_time(), _cpu_of_driver_threads()
        for _ in range(calls):
            await call()
        whole.append((time.process_time() - started) / calls * 1e3)
        driver.append((_cpu_of_driver_threads() - threads) / calls * 1e3)
    figures = {"call": statistics.median(whole), "SQLite": statistics.median(driver)}
    profile = cProfile.Profile(time.thread_time)  # the loop thread's CPU, not its waits
    profile.enable()
    for _ in range(calls):
        await call()
    profile.disable()
    own: dict[str, float] = defaultdict(float)
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_cc, _nc, tottime, _ct, callers) in stats.items():
        if filename != "~" or not callers:
            own[_layer(filename)] += tottime
            if os.environ.get("BENCH_SHOW_REST") and _layer(filename) == REST:
                print(filename, name, round(tottime * 1e3 / calls, 3))
            continue
        # A built-in (a C function: dict and str methods, the driver's C calls) counts for the layer
        # that called it, shared by the time each caller spent in it.
        given = sum(each[2] for each in callers.values()) or 1.0
        for (caller_file, _l, _n), each in callers.items():
            own[_layer(caller_file)] += tottime * each[2] / given
    profiled = sum(own.values()) or 1.0
    loop = figures["call"] - figures["SQLite"]
    for name in [*(layer for layer, _marks in LAYERS), REST]:
        figures[name] = loop * own[name] / profiled
    figures["objects"] = float(_objects(answer))
    return figures


async def run(data_dir: Any, only: list[str], rounds: int, calls: int, report: Callable[[str], None]) -> None:
    runtime = await start(Settings(data_dir=data_dir), run_projections=False)
    try:
        schema = build_schema()
        facts = await _facts(runtime, schema)
        for operation in OPERATIONS:
            if only and operation.label not in only:
                continue
            figures = await measure(runtime, schema, facts, operation, rounds, calls)
            whole, objects = figures["call"], figures["objects"]
            report(
                f"{operation.label}: {whole:.2f} ms of CPU a call, {objects:.0f} objects in the answer, "
                f"{whole / max(objects, 1.0) * 1e3:.1f} µs an object (median of {rounds} rounds of {calls})"
            )
            for name in ["SQLite", *(layer for layer, _marks in LAYERS), REST]:
                report(f"  {name:<20} {figures[name]:6.2f}  {figures[name] / whole:5.1%}")
    finally:
        await runtime.close()
    report(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", required=True, help="the SQLite data directory of a demo")
    parser.add_argument("--only", nargs="*", default=[], help="operations' labels (bench.scale_operations)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20, help="calls a round")
    args = parser.parse_args()
    asyncio.run(run(args.data_dir, args.only, args.rounds, args.calls, print))


if __name__ == "__main__":
    main()
