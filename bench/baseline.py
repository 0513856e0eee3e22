"""The baseline: eventsourcing's ``app.save()`` in-process, on the same database, no HTTP."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

from bench.backends import Backend
from bench.stats import latency_summary, rate
from domain.access import Actor, Role
from domain.codes import MemberState, Sector
from domain.requests import AssistanceRequest, Need
from services.coordination import Command, Concord
from services.identity.access import Principal
from services.infrastructure.storage import storage_for
from services.settings import Settings

CRISIS = uuid4()  # app.save() checks no crisis: only the saving is timed
ACTOR = Actor(principal="bench", role="coordinator", scope="own-state", member_state="PHL")


def _fresh_requests(count: int) -> list[AssistanceRequest]:
    need = Need(Sector.SHL, "t", "d", Decimal(10), "piece", 3, date(2030, 1, 1), "PH1536", "SHL-TARP")
    today = date.today()
    return [
        AssistanceRequest.post(CRISIS, MemberState.PHL, need, today=today, actor=ACTOR) for _ in range(count)
    ]


def _timed_saves(app: Concord, requests: list[AssistanceRequest], threads: int) -> dict[str, Any]:
    def save(request: AssistanceRequest) -> float:
        started = time.perf_counter()
        app.save(request)
        return time.perf_counter() - started

    with ThreadPoolExecutor(threads, thread_name_prefix="bench-save") as pool:
        # Start every worker thread (and, for PostgreSQL, warm its pooled connection) first.
        list(pool.map(save, _fresh_requests(threads)))
        started = time.perf_counter()
        latencies = list(pool.map(save, requests))
        elapsed = time.perf_counter() - started
    return {
        "threads": threads,
        "saves": len(requests),
        "elapsed_s": elapsed,
        "saves_per_s": rate(len(requests), elapsed),
        "latency": latency_summary(latencies),
    }


def save_rates(backend: Backend, saves: dict[int, int], warmup: int) -> dict[str, Any]:
    """Saves per second with each number of threads in ``saves`` (threads -> saves); the tables
    must already be migrated."""
    settings = Settings(database_url=backend.database_url, data_dir=backend.data_dir)
    app = Concord(storage_for(settings).event_store_env)
    try:
        for request in _fresh_requests(warmup):
            app.save(request)
        # The aggregates are created before the clock starts: only save() is timed.
        rates: dict[str, Any] = {
            str(threads): _timed_saves(app, _fresh_requests(count), threads=threads)
            for threads, count in saves.items()
        }
    finally:
        app.close()
    return {**rates, "postgres_pool_size": settings.postgres_pool_size}


def command_rate(backend: Backend, commands: int, threads: int = 16) -> dict[str, Any]:
    """``Concord.post_request`` from ``threads`` threads in-process: the whole command (crisis
    check, decision, group commit) without HTTP, GraphQL or projections, to show where the time
    of a command through HTTP goes."""
    settings = Settings(database_url=backend.database_url, data_dir=backend.data_dir)
    app = Concord(storage_for(settings).event_store_env)
    need = Need(Sector.SHL, "t", "d", Decimal(10), "piece", 3, date(2030, 1, 1), "PH1536", "SHL-TARP")
    secretariat = Command(Principal("bench-secretariat", Role.SECRETARIAT))
    coordinator = Command(Principal("bench-coordinator", Role.COORDINATOR, MemberState.PHL))

    def post(_: int) -> float:
        started = time.perf_counter()
        app.post_request(coordinator, crisis, MemberState.PHL, need)
        return time.perf_counter() - started

    try:
        crisis = app.open_crisis(
            secretariat, "Command baseline", [MemberState.PHL], date(2026, 11, 1)
        ).aggregate.id
        with ThreadPoolExecutor(threads, thread_name_prefix="bench-command") as pool:
            list(pool.map(post, range(threads * 4)))  # warm every thread and pooled connection
            cpu, started = time.process_time(), time.perf_counter()
            latencies = list(pool.map(post, range(commands)))
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        app.close()
    return {
        "threads": threads,
        "commands": commands,
        "elapsed_s": elapsed,
        "commands_per_s": rate(commands, elapsed),
        "cpu_ms_per_command": cpu * 1000 / commands,
        "latency": latency_summary(latencies),
    }
