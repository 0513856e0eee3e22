"""``python -m bench --only reads``: the read goal alone, GraphQL and REST in alternating rounds.

Both servers run side by side on the same database; each round drives one then the other, so
that a busy spell on this shared machine falls on both. Besides requests/s, each side's server
CPU per page (from /proc) is reported: a steadier figure than wall-clock rates here.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench import http_load
from bench.backends import Backend
from bench.server import REST_BASELINE, cpu_seconds, migrate, running_server
from domain.access import Role
from domain.codes import MemberState
from services.identity.tokens import DevSigner

ROUNDS = 3
SEED_TIMEOUT = 60.0


def run(backend: Backend, reads: int, say: Callable[[str], None]) -> dict[str, Any]:
    """``reads`` pages per endpoint, split over ROUNDS alternating rounds."""
    migrate(backend)
    with running_server(backend) as server, running_server(backend, REST_BASELINE) as rest:
        signer = DevSigner(backend.data_dir, "concord")
        token = signer.issue(subject="bench-coordinator", role=Role.COORDINATOR, member_state=MemberState.PHL)
        http_load.HEADERS["authorization"] = f"Bearer {token}"
        secretariat = signer.issue(subject="bench-secretariat", role=Role.SECRETARIAT)
        http_load.use_crisis(http_load.open_crisis(server.base_url, secretariat))
        sides = (server.base_url, server.process.pid, rest.base_url, rest.process.pid)
        return asyncio.run(_rounds(*sides, reads, say))


async def _rounds(
    graphql_url: str, graphql_pid: int, rest_url: str, rest_pid: int, reads: int, say: Callable[[str], None]
) -> dict[str, Any]:
    await _seed(graphql_url)
    per_round = max(1, reads // ROUNDS)
    rounds: list[dict[str, Any]] = []
    for number in range(1, ROUNDS + 1):
        graphql = await http_load.level(
            lambda client: http_load.graphql_page(client, graphql_url),
            graphql_url,
            per_round,
            16,
            lambda: cpu_seconds(graphql_pid),
        )
        rest = await http_load.level(
            lambda client: http_load.rest_page(client, rest_url),
            rest_url,
            per_round,
            16,
            lambda: cpu_seconds(rest_pid),
        )
        row: dict[str, Any] = {
            "graphql_page": graphql,
            "rest_page": rest,
            "graphql_over_rest": _ratio(graphql["per_s"], rest["per_s"]),
            "graphql_cpu_ms_per_page": _cpu_ms(graphql),
            "rest_cpu_ms_per_page": _cpu_ms(rest),
        }
        rounds.append(row)
        say(
            f"  round {number}: GraphQL {graphql['per_s']:.0f} pages/s "
            f"({_text(row['graphql_cpu_ms_per_page'])} ms server CPU/page, {graphql['errors']} errors), "
            f"REST {rest['per_s']:.0f} pages/s ({_text(row['rest_cpu_ms_per_page'])} ms, "
            f"{rest['errors']} errors): GraphQL / REST {_text(row['graphql_over_rest'], 2)}"
        )
        for sample in graphql["error_samples"] + rest["error_samples"]:
            say(f"    ERROR: {sample}")
    ratios = [r["graphql_over_rest"] for r in rounds if r["graphql_over_rest"] is not None]
    cpu = [
        r["rest_cpu_ms_per_page"] / r["graphql_cpu_ms_per_page"]
        for r in rounds
        if r["rest_cpu_ms_per_page"] and r["graphql_cpu_ms_per_page"]
    ]
    summary: dict[str, Any] = {
        "rounds": rounds,
        "graphql_over_rest_median": statistics.median(ratios) if ratios else None,
        "rest_cpu_over_graphql_cpu_median": statistics.median(cpu) if cpu else None,
    }
    say(
        f"  GraphQL / REST pages/s, median of {ROUNDS} rounds: "
        f"{_text(summary['graphql_over_rest_median'], 2)} (goal >= 0.5); server CPU per page, "
        f"REST / GraphQL: {_text(summary['rest_cpu_over_graphql_cpu_median'], 2)}"
    )
    return summary


async def _seed(base_url: str) -> None:
    """At least a full page of requests, projected, before the clock starts."""
    await http_load.warm_up(base_url, http_load.PAGE_SIZE + 20)
    deadline = time.monotonic() + SEED_TIMEOUT
    async with http_load.new_client(1) as client:
        while await http_load.count_requests(client, base_url) < http_load.PAGE_SIZE:
            if time.monotonic() > deadline:
                msg = f"fewer than {http_load.PAGE_SIZE} requests projected after {SEED_TIMEOUT:g} s"
                raise httpx.HTTPError(msg)
            await asyncio.sleep(0.1)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _cpu_ms(level: dict[str, Any]) -> float | None:
    served = level["requests"] - level["errors"]
    cpu = level["server_cpu_s"]
    return cpu / served * 1000 if cpu is not None and served else None


def _text(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
