"""``python -m bench --only reads``: the read goals alone, GraphQL and REST in alternating rounds.

The dashboard's ``Requests(first: 100)``, ``OldestUnmetNeeds`` and ``Coverage``, each through
``/graphql`` (as the dashboard sends them: the operation's text, compiled by the server) and from
its bare REST equivalent (bench.rest_server). Both servers run side by side on the same database;
each round drives one then the other, so that a busy spell on this shared machine falls on both.
Besides requests/s, each side's server CPU per read (from /proc) is reported: a steadier figure
than wall-clock rates here.

The load comes from wrk (bench.wrk: for ``seconds`` at c=16 after a warm-up, each answer checked)
when it is installed, else from httpx in this process (``reads`` calls at c=16), which takes a
share of the two cores from the servers it measures.
"""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench import http_load, wrk
from bench.backends import Backend
from bench.server import REST_BASELINE, cpu_seconds, migrate, running_server
from domain.access import Role
from domain.codes import MemberState
from services.identity.tokens import DevSigner

ROUNDS = 3
SEED_TIMEOUT = 60.0
OPERATIONS = Path(__file__).resolve().parent.parent / "graphql" / "operations"
UNMET_PAGE = 20


def _operation(name: str, variables: dict[str, Any]) -> dict[str, Any]:
    return {
        "query": (OPERATIONS / f"{name}.graphql").read_text(),
        "operationName": name,
        "variables": variables,
    }


async def _graphql(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], rows: Callable[[Any], int]
) -> None:
    response = await client.post(f"{url}/graphql", json=body, headers=http_load.HEADERS)
    if response.status_code != 200 or "errors" in response.json():
        raise http_load.ResponseError(f"HTTP {response.status_code}: {response.text[:300]}")
    if rows(response.json()["data"]) == 0:
        raise http_load.ResponseError("an empty answer")


async def _rest(
    client: httpx.AsyncClient, url: str, params: dict[str, Any], rows: Callable[[Any], int]
) -> None:
    response = await client.get(url, params=params)
    if response.status_code != 200:
        raise http_load.ResponseError(f"HTTP {response.status_code}: {response.text[:300]}")
    if rows(response.json()) == 0:
        raise http_load.ResponseError("an empty answer")


UNMET = _operation("OldestUnmetNeeds", {"first": UNMET_PAGE})
COVERAGE = _operation("Coverage", {})
# The same page as a document the server does not know: parsed and validated once (cached), then
# executed field by field by graphql-core, as any query a client composes.
GENERAL = {
    **http_load.REQUESTS_PAGE,
    "query": f"{http_load.REQUESTS_PAGE['query']}\n# not a named operation's text",
}
# What wrk checks in each answer (Lua patterns): at least one row, as the httpx calls check.
EDGES = '"edges":%s*%[%s*{'
COVERAGE_ROWS = '"coverage":%s*%[%s*{'
REST_LIST = "^%s*%[%s*{"


@dataclasses.dataclass(frozen=True)
class Read:
    """One read, both ways: through /graphql and from the bare REST endpoint."""

    graphql: Callable[[httpx.AsyncClient], Any]
    rest: Callable[[httpx.AsyncClient], Any]
    graphql_body: dict[str, Any]
    rest_path: str
    graphql_rows: str
    rest_rows: str


def _pairs(graphql_url: str, rest_url: str) -> dict[str, Read]:
    """Each read: its GraphQL call and its bare REST call, for httpx and for wrk."""
    requests_path = f"/requests?first={http_load.PAGE_SIZE}"
    return {
        "Requests(first: 100)": Read(
            lambda c: http_load.graphql_page(c, graphql_url),
            lambda c: http_load.rest_page(c, rest_url),
            http_load.REQUESTS_PAGE,
            requests_path,
            EDGES,
            EDGES,
        ),
        "Requests(first: 100), general path": Read(
            lambda c: _graphql(c, graphql_url, GENERAL, lambda d: len(d["requests"]["edges"])),
            lambda c: http_load.rest_page(c, rest_url),
            GENERAL,
            requests_path,
            EDGES,
            EDGES,
        ),
        f"OldestUnmetNeeds(first: {UNMET_PAGE})": Read(
            lambda c: _graphql(c, graphql_url, UNMET, lambda d: len(d["requests"]["edges"])),
            lambda c: _rest(
                c, f"{rest_url}/oldest-unmet-needs", {"first": UNMET_PAGE}, lambda d: len(d["edges"])
            ),
            UNMET,
            f"/oldest-unmet-needs?first={UNMET_PAGE}",
            EDGES,
            EDGES,
        ),
        "Coverage": Read(
            lambda c: _graphql(c, graphql_url, COVERAGE, lambda d: len(d["coverage"])),
            lambda c: _rest(c, f"{rest_url}/coverage", {}, len),
            COVERAGE,
            "/coverage",
            COVERAGE_ROWS,
            REST_LIST,
        ),
    }


def graphql_script(read: Read, name: str) -> str:
    """wrk's Lua script for ``read`` through /graphql: its body and headers, its answer checked."""
    return wrk.script(read.graphql_body, http_load.HEADERS, read.graphql_rows, name, graphql=True)


def rest_script(read: Read, name: str) -> str:
    """wrk's Lua script for ``read`` from the bare REST endpoint: a GET, its answer checked."""
    return wrk.script(None, {}, read.rest_rows, f"REST {name}", graphql=False)


@dataclasses.dataclass(frozen=True)
class Load:
    """What drives the reads: wrk for ``seconds`` (after ``warmup_seconds``), or httpx for ``calls``."""

    generator: str = "httpx"
    calls: int = 200
    seconds: int = 5
    warmup_seconds: int = 1

    async def graphql(
        self, read: Read, name: str, url: str, cpu: Callable[[], float | None]
    ) -> dict[str, Any]:
        if self.generator == "wrk":
            lua = graphql_script(read, name)
            return await wrk.read_level(f"{url}/graphql", lua, self.seconds, 16, cpu, self.warmup_seconds)
        return await http_load.level(read.graphql, url, self.calls, 16, cpu)

    async def rest(self, read: Read, name: str, url: str, cpu: Callable[[], float | None]) -> dict[str, Any]:
        if self.generator == "wrk":
            lua = rest_script(read, name)
            return await wrk.read_level(
                f"{url}{read.rest_path}", lua, self.seconds, 16, cpu, self.warmup_seconds
            )
        return await http_load.level(read.rest, url, self.calls, 16, cpu)


def run(
    backend: Backend,
    reads: int,
    say: Callable[[str], None],
    load_generator: str = "httpx",
    seconds: int = 5,
    warmup_seconds: int = 1,
) -> dict[str, Any]:
    """Each read from both servers in ROUNDS alternating rounds.

    With wrk, ``seconds`` a side and round after ``warmup_seconds``; with httpx, ``reads`` calls
    per endpoint, split over the rounds.
    """
    migrate(backend)
    with running_server(backend) as server, running_server(backend, REST_BASELINE) as rest:
        signer = DevSigner(backend.data_dir, "concord")
        token = signer.issue(subject="bench-coordinator", role=Role.COORDINATOR, member_state=MemberState.PHL)
        http_load.HEADERS["authorization"] = f"Bearer {token}"
        secretariat = signer.issue(subject="bench-secretariat", role=Role.SECRETARIAT)
        http_load.use_crisis(http_load.open_crisis(server.base_url, secretariat))
        http_load.POST_VARIABLES["i"]["priority"] = 5  # so that OldestUnmetNeeds (priority 4 up) has rows
        sides = (server.base_url, server.process.pid, rest.base_url, rest.process.pid)
        load = Load(load_generator, max(1, reads // ROUNDS), seconds, warmup_seconds)
        if load.generator == "wrk":
            say(
                f"  wrk (bench/wrk.py), c=16: {seconds} s a side and round after a {warmup_seconds} s warm-up"
            )
        else:
            say(f"  httpx in this process, c=16: {load.calls} reads a side and round")
        return asyncio.run(_rounds(*sides, load, say))


async def _rounds(
    graphql_url: str, graphql_pid: int, rest_url: str, rest_pid: int, load: Load, say: Callable[[str], None]
) -> dict[str, Any]:
    await _seed(graphql_url)
    summary: dict[str, Any] = {"load_generator": load.generator}
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in _pairs(graphql_url, rest_url)}
    for number in range(1, ROUNDS + 1):
        for name, read in _pairs(graphql_url, rest_url).items():
            graphql = await load.graphql(read, name, graphql_url, lambda: cpu_seconds(graphql_pid))
            rest = await load.rest(read, name, rest_url, lambda: cpu_seconds(rest_pid))
            row: dict[str, Any] = {
                "graphql": graphql,
                "rest": rest,
                "graphql_over_rest": _ratio(graphql["per_s"], rest["per_s"]),
                "graphql_cpu_ms": _cpu_ms(graphql),
                "rest_cpu_ms": _cpu_ms(rest),
            }
            rounds[name].append(row)
            say(
                f"  round {number}, {name}: GraphQL {graphql['per_s']:.0f}/s "
                f"({_text(row['graphql_cpu_ms'], 2)} ms server CPU each, {graphql['errors']} errors), "
                f"REST {rest['per_s']:.0f}/s ({_text(row['rest_cpu_ms'], 2)} ms, "
                f"{rest['errors']} errors): GraphQL / REST {_text(row['graphql_over_rest'], 2)}"
            )
            for sample in graphql["error_samples"] + rest["error_samples"]:
                say(f"    ERROR: {sample}")
    for name, rows in rounds.items():
        ratios = [r["graphql_over_rest"] for r in rows if r["graphql_over_rest"] is not None]
        cpu = [
            r["rest_cpu_ms"] / r["graphql_cpu_ms"] for r in rows if r["rest_cpu_ms"] and r["graphql_cpu_ms"]
        ]
        summary[name] = {
            "rounds": rows,
            "graphql_over_rest_median": statistics.median(ratios) if ratios else None,
            "rest_cpu_over_graphql_cpu_median": statistics.median(cpu) if cpu else None,
        }
        say(
            f"  {name}: GraphQL / REST reads/s, median of {ROUNDS} rounds: "
            f"{_text(summary[name]['graphql_over_rest_median'], 2)} (goal >= 1.0); server CPU per read, "
            f"REST / GraphQL: {_text(summary[name]['rest_cpu_over_graphql_cpu_median'], 2)}"
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
    served = level.get("ok", level["requests"] - level["errors"])
    cpu = level["server_cpu_s"]
    return cpu / served * 1000 if cpu is not None and served else None


def _text(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
