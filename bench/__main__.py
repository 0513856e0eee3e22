"""``python -m bench``: run every back end, print the summary, write bench/results/latest.json."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from bench import (
    allocation,
    baseline,
    catchup,
    http_load,
    lag,
    memory,
    reads,
    rebuild,
    report,
    suggestions,
    wrk,
)
from bench.backends import Backend, BackendUnavailableError, postgres_backend, sqlite_backend
from bench.server import (
    REST_BASELINE,
    ServerFailedError,
    cpu_seconds,
    migrate,
    running_server,
    tree_cpu_seconds,
    tree_rss_mb,
)
from domain.access import Role
from domain.codes import MemberState
from services.identity.tokens import DevSigner


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--backend",
        choices=["all", "sqlite", "postgresql"],
        default="all",
        help="which back end(s) to measure (default: all)",
    )
    parser.add_argument("--warmup", type=int, default=100, help="HTTP warm-up commands (c=4)")
    parser.add_argument("--c1", type=int, default=300, help="HTTP commands at concurrency 1")
    parser.add_argument("--c16", type=int, default=1600, help="HTTP commands at concurrency 16")
    parser.add_argument(
        "--load-generator",
        choices=["auto", "wrk", "httpx"],
        default="auto",
        help="what drives the c=1 and c=16 commands and --only reads: wrk (C, bench/wrk.py) or the "
        "Python httpx client (bench/http_load.py); auto: wrk when installed",
    )
    parser.add_argument(
        "--document",
        choices=http_load.DOCUMENTS,
        default="named",
        help="postRequest as the workbench's named operation PostRequest (its compiled plan answers), "
        "that text made unknown (the general path), or a short ad-hoc mutation (general path)",
    )
    parser.add_argument("--c1-seconds", type=int, default=5, help="wrk: seconds at concurrency 1")
    parser.add_argument("--c16-seconds", type=int, default=10, help="wrk: seconds at concurrency 16")
    parser.add_argument("--wrk-warmup-seconds", type=int, default=2, help="wrk: warm-up before each level")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="API processes on PostgreSQL (concord serve --workers; SQLite always has one)",
    )
    parser.add_argument("--ryw", type=int, default=200, help="read-your-writes iterations")
    parser.add_argument("--saves1", type=int, default=1000, help="app.save() calls, 1 thread")
    parser.add_argument("--saves8", type=int, default=2000, help="app.save() calls, 8 threads")
    parser.add_argument("--saves16", type=int, default=2000, help="app.save() calls, 16 threads")
    parser.add_argument(
        "--rebuild-events",
        type=int,
        default=100_000,
        help="events written for the rebuild (0: skip it; only the rebuild: python -m bench.rebuild)",
    )
    parser.add_argument(
        "--lag-rate", type=float, default=300.0, help="commands/s offered while lag is measured"
    )
    parser.add_argument(
        "--lag-seconds", type=float, default=10.0, help="how long lag is measured (0: skip it)"
    )
    parser.add_argument(
        "--reads", type=int, default=600, help="httpx: page reads (100 requests) per endpoint, c=16"
    )
    parser.add_argument(
        "--read-seconds", type=int, default=4, help="--only reads with wrk: seconds a side and round"
    )
    parser.add_argument(
        "--catchup-events",
        type=int,
        default=100_000,
        help="catch-up goal: events in a log of its own that concord serve catches up with (0: skip it)",
    )
    parser.add_argument(
        "--memory-events",
        type=int,
        default=1_000_000,
        help="memory goal: events in a log of its own, on --memory-backend only (0: skip it)",
    )
    parser.add_argument(
        "--memory-backend",
        choices=["sqlite", "postgresql"],
        default="postgresql",
        help="the one back end the memory goal is measured on (it writes and projects its whole log)",
    )
    parser.add_argument(
        "--only",
        choices=["all", "reads"],
        default="all",
        help="reads: only GraphQL against REST pages, in alternating rounds (bench/reads.py)",
    )
    parser.add_argument("--postgres-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--matcher",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the matcher's part (default: on)",
    )
    parser.add_argument("--round-seed", type=int, default=7, help="seed of the 5,000 x 5,000 round")
    parser.add_argument("--suggestion-offers", type=int, default=100_000, help="offers in the read model")
    parser.add_argument("--suggestion-queries", type=int, default=200, help="matchSuggestions queries")
    args = parser.parse_args(argv)
    if args.load_generator == "auto":
        args.load_generator = "wrk" if shutil.which("wrk") else "httpx"
    elif args.load_generator == "wrk" and not shutil.which("wrk"):
        parser.error("--load-generator wrk: wrk is not installed (apt-get install -y wrk)")
    return args


LOAD_GENERATORS = {
    "wrk": "HTTP cmd/s c=1 and c=16: wrk (C, bench/wrk.py) on the same machine as the server, "
    "for --c1-seconds / --c16-seconds; the other HTTP figures: httpx.AsyncClient in the benchmark process.",
    "httpx": "HTTP figures: httpx.AsyncClient in the benchmark process, on the same machine as the "
    "server subprocess (it takes CPU from the server's 2 cores; wrk is not installed or not chosen).",
}


def _matcher_part(args: argparse.Namespace) -> dict[str, Any]:
    """The round runs in a process of its own, so that its peak memory is its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        round_result = pool.submit(allocation.run, args.round_seed).result()
    return {
        "round": round_result,
        "suggestions": suggestions.run(args.suggestion_offers, args.suggestion_queries, say=_say),
    }


def _say(message: str) -> None:
    print(message, flush=True)


def _http_part(backend: Backend, args: argparse.Namespace) -> dict[str, Any]:
    with running_server(backend) as server:
        _say(f"  server up at {server.base_url} (log {server.log_path})")
        token = DevSigner(backend.data_dir, "concord").issue(
            subject="bench-coordinator", role=Role.COORDINATOR, member_state=MemberState.PHL
        )
        http_load.HEADERS["authorization"] = f"Bearer {token}"
        secretariat = DevSigner(backend.data_dir, "concord").issue(
            subject="bench-secretariat", role=Role.SECRETARIAT
        )
        http_load.use_crisis(http_load.open_crisis(server.base_url, secretariat))
        http_load.use_document(args.document)
        pid = server.process.pid

        def server_cpu() -> float | None:
            return tree_cpu_seconds(pid)  # with --workers, the API processes under uvicorn's supervisor

        async def drive() -> dict[str, Any]:
            warm = await http_load.warm_up(server.base_url, args.warmup)
            _say(f"  warm-up: {args.warmup} commands, {warm['errors']} errors")
            if args.load_generator == "wrk":
                c1 = await wrk.command_level(
                    server.base_url, args.c1_seconds, 1, server_cpu, args.wrk_warmup_seconds
                )
                _report_level(c1)
                c16 = await wrk.command_level(
                    server.base_url, args.c16_seconds, 16, server_cpu, args.wrk_warmup_seconds
                )
            else:
                c1 = await http_load.command_level(server.base_url, args.c1, 1, server_cpu)
                _report_level(c1)
                c16 = await http_load.command_level(server.base_url, args.c16, 16, server_cpu)
            _report_level(c16)
            ryw = await http_load.read_your_writes(server.base_url, args.ryw)
            _say(
                f"  read-your-writes x{args.ryw}: with header p50/p99 "
                f"{ryw['consistent_with']['p50_ms']:.1f}/{ryw['consistent_with']['p99_ms']:.1f} "
                f"ms; without {ryw['without_header']['p50_ms']:.1f}/"
                f"{ryw['without_header']['p99_ms']:.1f} ms; {ryw['errors']} errors"
            )
            _report_errors(ryw)
            graphql = await http_load.level(
                lambda client: http_load.graphql_page(client, server.base_url),
                server.base_url,
                args.reads,
                16,
                server_cpu,
            )
            _report_reads("GraphQL Requests(first: 100)", graphql)
            return {
                "load_generator": args.load_generator,
                "warmup": warm,
                "c1": c1,
                "c16": c16,
                "read_your_writes": ryw,
                "graphql_page": graphql,
            }

        result = asyncio.run(drive())
        result["server_rss_mb"] = tree_rss_mb(pid)
        _say(f"  server RSS after the run: {result['server_rss_mb']:.0f} MB")
    with running_server(backend, REST_BASELINE) as rest:
        rest_pid = rest.process.pid
        result["rest_page"] = asyncio.run(
            http_load.level(
                lambda client: http_load.rest_page(client, rest.base_url),
                rest.base_url,
                args.reads,
                16,
                lambda: cpu_seconds(rest_pid),
            )
        )
        _report_reads("bare REST /requests?first=100 (Core, orjson)", result["rest_page"])
    return result


def _report_reads(name: str, level: dict[str, Any]) -> None:
    latency = level["latency"]
    _say(
        f"  {name} c=16: {level['requests']} in {level['elapsed_s']:.2f} s = {level['per_s']:.0f} req/s, "
        f"p50/p99 {latency['p50_ms']:.1f}/{latency['p99_ms']:.1f} ms, {level['errors']} errors"
    )
    _report_errors(level)


def _report_level(level: dict[str, Any]) -> None:
    latency = level["latency"]
    generator = level.get("load_generator", "httpx")
    _say(
        f"  HTTP postRequest c={level['concurrency']} ({generator}): {level['requests']} in "
        f"{level['elapsed_s']:.2f} s = {level['commands_per_s']:.0f} cmd/s, "
        f"p50/p99 {latency['p50_ms']:.1f}/{latency['p99_ms']:.1f} ms, {level['errors']} errors"
    )
    elapsed = level["elapsed_s"]
    acknowledged = level.get("ok", level["requests"] - level["errors"])
    if level.get("server_cpu_s") is not None and elapsed > 0:
        _say(
            f"    CPU busy: server {level['server_cpu_s'] / elapsed:.0%} of a core, "
            f"client {level['client_cpu_s'] / elapsed:.0%} of a core; server "
            f"{level['server_cpu_s'] / max(acknowledged, 1) * 1000:.2f} ms of CPU a command"
        )
    if "recorded" in level:
        _say(f"    the server recorded {level['recorded']['during_run']} meanwhile, {acknowledged} acked")
    warm = level.get("warmup")
    if warm and warm["errors"]:
        _say(f"    warm-up ({warm['elapsed_s']:.0f} s): {warm['errors']} errors of {warm['requests']}")
        _report_errors(warm)
    _report_errors(level)


def _report_errors(part: dict[str, Any]) -> None:
    for sample in part.get("error_samples", []):
        _say(f"    ERROR: {sample}")


def _run_backend(backend: Backend, args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    _say(f"  concord migrate ({backend.database_url or backend.data_dir})")
    migrate(backend)
    served = dataclasses.replace(backend, workers=args.workers) if backend.database_url else backend
    if served.workers > 1:
        _say(f"  concord serve --workers {served.workers}")
    http = _http_part(served, args)
    http["workers"] = served.workers
    ryw = http.pop("read_your_writes")
    _say(
        f"  app.save() baseline in-process, same database, server stopped: "
        f"{args.saves1} x 1 thread, {args.saves8} x 8 threads, {args.saves16} x 16 threads"
    )
    save = baseline.save_rates(backend, {1: args.saves1, 8: args.saves8, 16: args.saves16}, warmup=20)
    for threads in ("1", "8", "16"):
        s = save[threads]
        _say(
            f"  app.save() {threads} thread(s): {s['saves']} in {s['elapsed_s']:.2f} s = "
            f"{s['saves_per_s']:.0f}/s, p50/p99 {s['latency']['p50_ms']:.1f}/"
            f"{s['latency']['p99_ms']:.1f} ms"
        )
    direct = baseline.command_rate(backend, args.saves16, threads=16)
    _say(
        f"  Concord.post_request in-process, 16 threads (no HTTP, GraphQL or projections): "
        f"{direct['commands']} in {direct['elapsed_s']:.2f} s = {direct['commands_per_s']:.0f}/s, "
        f"{direct['cpu_ms_per_command']:.2f} ms of CPU each, p50/p99 {direct['latency']['p50_ms']:.1f}/"
        f"{direct['latency']['p99_ms']:.1f} ms"
    )
    rebuilt = None
    if args.rebuild_events:
        _say(f"  rebuild: writing {args.rebuild_events:,} events straight into the log")
        rebuild.write_log(backend, args.rebuild_events)
        rebuilt = rebuild.rebuild_rate(backend)
        _say(
            f"  rebuild of {rebuilt['projection']}: {rebuilt['events']:,} events in "
            f"{rebuilt['elapsed_s']:.1f} s = {rebuilt['events_per_s']:,.0f} events/s"
        )
    lagged = None
    if args.lag_seconds:
        lagged = lag.measure(backend, args.lag_rate, args.lag_seconds)
        _say(f"  {lag.describe(lagged)}")
    caught_up = None
    if args.catchup_events:
        _say(
            f"  catch-up: concord serve on a log of {args.catchup_events:,} events of its own (bench.catchup)"
        )
        with _fresh(backend, args) as own:
            caught_up = catchup.run(own, args.catchup_events, say=_say)
    measured_memory = None
    if args.memory_events and backend.name == args.memory_backend:
        _say(f"  memory: API process with {args.memory_events:,} events more (bench.memory)")
        measured_memory = memory.run(backend, memory.options(events=args.memory_events), say=_say)
    ratios = {
        "http_c16_over_save_8_threads": report.ratio(http["c16"]["commands_per_s"], save["8"]["saves_per_s"]),
        "http_c16_over_save_16_threads": report.ratio(
            http["c16"]["commands_per_s"], save["16"]["saves_per_s"]
        ),
        "commands_in_process_over_save_8_threads": report.ratio(
            direct["commands_per_s"], save["8"]["saves_per_s"]
        ),
        "http_c1_over_save_1_thread": report.ratio(http["c1"]["commands_per_s"], save["1"]["saves_per_s"]),
        "server_cpu_over_in_process_cpu": report.ratio(
            http["c16"].get("server_cpu_ms_per_command"), direct["cpu_ms_per_command"]
        ),
        "graphql_page_over_rest_page": report.ratio(
            http["graphql_page"]["per_s"], http["rest_page"]["per_s"]
        ),
    }
    elapsed = time.perf_counter() - started
    _say(f"  {backend.name} done in {elapsed:.1f} s")
    return {
        "http": http,
        "save": save,
        "commands_in_process": direct,
        "rebuild": rebuilt,
        "lag": lagged,
        "goals": _absolute_goals(http, rebuilt, lagged)
        + ([catchup.goal_row(caught_up)] if caught_up else [])
        + (memory.goal_rows(measured_memory) if measured_memory else []),
        "catch_up": caught_up,
        "memory": measured_memory,
        "read_your_writes": ryw,
        "ratios": ratios,
        "elapsed_s": elapsed,
        "database": "one database per back end: the HTTP part first, then app.save() on it "
        "with the server stopped",
    }


def _fresh(backend: Backend, args: argparse.Namespace) -> AbstractContextManager[Backend]:
    """A fresh database on ``backend``'s back end, for a part that needs a log of its own."""
    if backend.database_url is None:
        return sqlite_backend()
    return postgres_backend(args.postgres_admin_url)


def _absolute_goals(
    http: dict[str, Any], rebuilt: dict[str, Any] | None, lagged: dict[str, Any] | None
) -> list[list[str]]:
    """The goals measured against a fixed figure rather than a baseline: rows for the goals table."""
    rows = []
    if lagged is not None:
        p99 = lagged["lag"]["p99_ms"]
        rows.append(
            [
                "projection lag",
                f"p99 ms, {lagged['offered_per_s']:.0f} cmd/s offered ({lagged['done_per_s']:.0f} done)",
                "(absolute)",
                f"{p99:,.1f}",
                "< 100",
                "yes" if p99 < 100 and not lagged["errors"] else "no",
            ]
        )
    if rebuilt is not None:
        rate = rebuilt["events_per_s"]
        rows.append(
            [
                "projection rebuild",
                f"events/s, {rebuilt['projection']}, {rebuilt['events']:,} events",
                "(absolute)",
                f"{rate:,.0f}",
                ">= 20,000",
                "yes" if rate >= 20_000 else "no",
            ]
        )
    rss = http.get("server_rss_mb")
    if rss is not None:
        rows.append(
            [
                "API memory",
                "RSS MB after the HTTP part (not 1,000,000 events)",
                "(absolute)",
                f"{rss:,.0f}",
                "< 300",
                "yes" if rss < 300 else "no",
            ]
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    backends: list[tuple[str, Callable[[], AbstractContextManager[Backend]]]] = []
    if args.backend in ("all", "sqlite"):
        backends.append(("sqlite", sqlite_backend))
    if args.backend in ("all", "postgresql"):
        backends.append(("postgresql", lambda: postgres_backend(args.postgres_admin_url)))

    results: dict[str, dict[str, Any]] = {}
    failed = False
    for name, make in backends:
        _say(f"== {name} ==")
        try:
            with make() as backend:
                if args.only == "reads":
                    read_load = (args.load_generator, args.read_seconds, args.wrk_warmup_seconds)
                    results[name] = {"reads": reads.run(backend, args.reads, _say, *read_load)}
                    continue
                results[name] = _run_backend(backend, args)
        except BackendUnavailableError as error:
            _say(f"  SKIPPED: {error}")
            results[name] = {"skipped": str(error)}
        except ServerFailedError as error:
            _say(f"  FAILED: {error}")
            results[name] = {"skipped": f"server failed: {error}"}
            failed = True

    if args.only == "reads":
        return 1 if failed else 0
    matcher: dict[str, Any] | None = None
    if args.matcher:
        _say("== matcher ==")
        matcher = _matcher_part(args)
        failed = failed or not matcher["round"]["solver_not_worse"]

    _say("")
    _say("Measurements (latencies in ms)")
    _say(report.table(results))
    _say(LOAD_GENERATORS[args.load_generator])
    if matcher is not None:
        _say("")
        _say("Matcher (baselines measured in the same run: the greedy round, the bare read-model query)")
        _say(report.matcher_table(matcher))
    _say("")
    _say("The goals: each ratio with the baseline it was measured against in this run")
    _say(report.goals_table(results))
    document = {
        "generated_at": datetime.now(UTC).isoformat(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "parameters": vars(args),
        "load_generator": args.load_generator,
        "notes": [
            LOAD_GENERATORS[args.load_generator],
            "app.save() baseline: aggregates are created before the clock starts; only "
            "app.save() is timed; same database as the HTTP part, after the server stopped.",
            "RYW latency is the { requests(first: 1) { totalCount } } query sent with "
            "Concord-Consistent-With: <position of the just-posted request>.",
        ],
        "results": results,
        "matcher": matcher,
    }
    path = report.write_json(report.clean_nans(document))
    _say(f"\nresults written to {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
