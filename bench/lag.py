"""Projection lag under a fixed write rate: how long after a command is acknowledged every read
model shows it, while commands arrive at ``rate`` per second.

Open loop, as real users are: command ``i`` is sent at ``start + i / rate`` whether or not the
earlier ones are done (on a pool of threads, through ``Concord.post_request`` and its group
commit, the way the API runs them), so a slow projection shows as lag instead of slowing the
writers down. The projections run in the same process, following the log as ``concord serve``
runs them by default. Lag is measured from the command's acknowledgement (its events committed)
to the moment every projection has passed its position.

``python -m bench.lag [--backend sqlite|postgresql] [--rate 300] [--seconds 10]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

from bench.backends import Backend, postgres_backend, sqlite_backend
from bench.server import migrate
from bench.stats import latency_summary, rate
from domain.access import Role
from domain.codes import MemberState, Sector
from domain.requests import Need
from services.bootstrap import start
from services.coordination import Command
from services.identity.access import Principal
from services.infrastructure.heap import settle_heap
from services.settings import Settings

NEED = Need(
    Sector.SHL, "Tarpaulins", "lag bench", Decimal(10), "piece", 3, date(2030, 1, 1), "PH1536", "SHL-TARP"
)
COORDINATOR = Command(Principal("bench-coordinator", Role.COORDINATOR, MemberState.PHL))
SECRETARIAT = Command(Principal("bench-secretariat", Role.SECRETARIAT))
WAIT_LIMIT = 30.0  # a command whose projection takes longer than this counts as an error


def measure(backend: Backend, per_second: float, seconds: float, *, warmup: int = 100) -> dict[str, Any]:
    """Lag and command latency at ``per_second`` commands/s for ``seconds`` (tables migrated)."""
    return asyncio.run(_measure(backend, per_second, seconds, warmup))


async def _measure(backend: Backend, per_second: float, seconds: float, warmup: int) -> dict[str, Any]:
    settings = Settings(database_url=backend.database_url, data_dir=backend.data_dir)
    runtime = await start(settings, run_projections=True)
    settle_heap()  # as concord serve does once started (services/infrastructure/heap.py)
    executor = ThreadPoolExecutor(32, thread_name_prefix="bench-lag")
    loop = asyncio.get_running_loop()
    lags: list[float] = []
    latencies: list[float] = []
    errors = 0
    try:
        concord = runtime.concord
        crisis = (
            await loop.run_in_executor(
                executor,
                lambda: concord.open_crisis(
                    SECRETARIAT, "Lag benchmark", [MemberState.PHL], date(2026, 11, 1)
                ),
            )
        ).aggregate.id

        async def command(measured: bool) -> None:
            nonlocal errors
            sent = time.perf_counter()
            try:
                recorded = await loop.run_in_executor(
                    executor, concord.post_request, COORDINATOR, crisis, MemberState.PHL, NEED
                )
            except Exception:
                errors += 1
                return
            acknowledged = time.perf_counter()
            projected = await runtime.progress.wait_for(recorded.position, WAIT_LIMIT)
            if not measured:
                return
            latencies.append(acknowledged - sent)
            if projected:
                lags.append(time.perf_counter() - acknowledged)
            else:
                errors += 1

        await asyncio.gather(*(command(measured=False) for _ in range(warmup)))
        total = round(per_second * seconds)
        tasks = []
        started = time.perf_counter()
        for i in range(total):
            delay = started + i / per_second - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(command(measured=True)))
        sending = time.perf_counter() - started
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    finally:
        executor.shutdown(wait=True)
        await runtime.close()
    return {
        "offered_per_s": per_second,
        "commands": total,
        "sent_per_s": rate(total, sending),  # below the offer if the sender itself fell behind
        "done_per_s": rate(total, elapsed),
        "lag": latency_summary(lags),
        "command_latency": latency_summary(latencies),
        "errors": errors,
    }


def describe(result: dict[str, Any]) -> str:
    lag, latency = result["lag"], result["command_latency"]
    return (
        f"projection lag at {result['offered_per_s']:.0f} cmd/s offered ({result['sent_per_s']:.0f} sent, "
        f"{result['done_per_s']:.0f} done): p50/p99/max {lag['p50_ms']:.1f}/{lag['p99_ms']:.1f}/"
        f"{lag['max_ms']:.1f} ms; command p50/p99 {latency['p50_ms']:.1f}/{latency['p99_ms']:.1f} ms; "
        f"{result['errors']} errors"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lag", description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rate", type=float, default=300.0, help="commands per second offered")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    with sqlite_backend() if args.backend == "sqlite" else postgres_backend() as backend:
        migrate(backend)
        print(describe(measure(backend, args.rate, args.seconds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
