"""Drive the running server over HTTP: postRequest throughput and read-your-writes latency."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.stats import latency_summary, rate
from services.api.dashboard import operations_dir

POST_REQUEST = "mutation($i: PostRequestInput!){ postRequest(input:$i){ position request { id } } }"
POST_VARIABLES = {
    "i": {
        "memberState": "PHL",
        "sector": "SHL",
        "title": "Tarpaulins",
        "description": "bench",
        "quantity": "10",
        "unit": "piece",
        "priority": 3,
        "neededBy": "2030-01-01",
        "adminCode": "PH1536",
        "item": "SHL-TARP",
    }
}
POST_BODY: dict[str, Any] = {"query": POST_REQUEST, "variables": POST_VARIABLES}
#: What the load sends for postRequest: the workbench's named operation (its exact text and name,
#: so the server's compiled plan answers it), that text made unknown by a comment (the general
#: path: graphql-core's execution, the same answer), or the short ad-hoc mutation above.
DOCUMENTS = ("named", "general", "minimal")
COUNT_QUERY = {"query": "{ requests(first: 1) { totalCount } }"}
HEADERS = {"content-type": "application/json"}
PAGE_SIZE = 100
CONSISTENT_WITH = "Concord-Consistent-With"


OPEN_CRISIS = "mutation($i: OpenCrisisInput!) { openCrisis(input: $i) { crisis { id } } }"


def open_crisis(base_url: str, secretariat_token: str) -> str:
    """Every request belongs to a crisis: the secretariat opens one for the run."""
    variables = {"i": {"name": "Benchmark crisis", "affectedStates": ["PHL"], "startDate": "2026-11-01"}}
    response = httpx.post(
        f"{base_url}/graphql",
        json={"query": OPEN_CRISIS, "variables": variables},
        headers={**HEADERS, "authorization": f"Bearer {secretariat_token}"},
        timeout=30,
    )
    return str(response.json()["data"]["openCrisis"]["crisis"]["id"])


def use_crisis(crisis_id: str) -> None:
    POST_VARIABLES["i"]["crisisId"] = crisis_id


def use_document(kind: str) -> None:
    """Send postRequest as ``kind`` (one of DOCUMENTS) from now on; the variables stay shared."""
    global POST_BODY  # noqa: PLW0603 (read by wrk and post_request at each run)
    if kind == "minimal":
        POST_BODY = {"query": POST_REQUEST, "variables": POST_VARIABLES}
        return
    if kind not in DOCUMENTS:
        raise ValueError(f"a postRequest document is one of {DOCUMENTS}, not {kind!r}")
    text = (operations_dir() / "PostRequest.graphql").read_text(encoding="utf-8")
    if kind == "general":
        text += "\n# unknown to the server: the general path\n"
    POST_BODY = {"query": text, "variables": {"input": POST_VARIABLES["i"]}, "operationName": "PostRequest"}


class ResponseError(Exception):
    """A GraphQL response that carries errors or lacks the expected data."""


@dataclass
class Errors:
    """Failed requests, counted; the first few kept for the report."""

    count: int = 0
    samples: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.count += 1
        if len(self.samples) < 3:
            self.samples.append(message[:500])


def new_client(concurrency: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4)
    return httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(60.0))


def _checked(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        raise ResponseError(f"HTTP {response.status_code}: {response.text[:300]}")
    payload = response.json()
    if payload.get("errors"):
        raise ResponseError(f"GraphQL errors: {payload['errors']}")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise ResponseError(f"no data: {payload}")
    return data


async def post_request(client: httpx.AsyncClient, base_url: str) -> int:
    """Post one request; its log position."""
    response = await client.post(f"{base_url}/graphql", json=POST_BODY, headers=HEADERS)
    data = _checked(response)
    payload = data.get("postRequest") or {}
    position = payload.get("position")
    if not isinstance(position, int) or not (payload.get("request") or {}).get("id"):
        raise ResponseError(f"unexpected postRequest payload: {payload}")
    return position


async def count_requests(client: httpx.AsyncClient, base_url: str, consistent_with: int | None = None) -> int:
    headers = dict(HEADERS)
    if consistent_with is not None:
        headers[CONSISTENT_WITH] = str(consistent_with)
    response = await client.post(f"{base_url}/graphql", json=COUNT_QUERY, headers=headers)
    data = _checked(response)
    return int(data["requests"]["totalCount"])


async def command_level(
    base_url: str,
    requests: int,
    concurrency: int,
    server_cpu: Callable[[], float | None] = lambda: None,
) -> dict[str, Any]:
    """``requests`` postRequest commands from ``concurrency`` workers; rate and latencies."""
    result = await level(
        lambda client: post_request(client, base_url), base_url, requests, concurrency, server_cpu
    )
    result["commands_per_s"] = result.pop("per_s")
    return result


REQUESTS_PAGE = {
    "query": (
        Path(__file__).resolve().parent.parent / "graphql" / "operations" / "Requests.graphql"
    ).read_text(),
    "operationName": "Requests",
    "variables": {"first": PAGE_SIZE},
}


async def graphql_page(client: httpx.AsyncClient, base_url: str) -> None:
    """The dashboard's Requests operation, a page of PAGE_SIZE, through the GraphQL endpoint."""
    response = await client.post(f"{base_url}/graphql", json=REQUESTS_PAGE, headers=HEADERS)
    edges = _checked(response)["requests"]["edges"]
    if len(edges) != PAGE_SIZE:
        raise ResponseError(f"expected {PAGE_SIZE} requests, got {len(edges)}")


async def rest_page(client: httpx.AsyncClient, base_url: str) -> None:
    """The same page from the bare REST baseline (bench.rest_server)."""
    response = await client.get(f"{base_url}/requests", params={"first": PAGE_SIZE})
    if response.status_code != 200:
        raise ResponseError(f"HTTP {response.status_code}: {response.text[:300]}")
    edges = response.json()["edges"]
    if len(edges) != PAGE_SIZE:
        raise ResponseError(f"expected {PAGE_SIZE} requests, got {len(edges)}")


async def level(
    call: Callable[[httpx.AsyncClient], Awaitable[object]],
    base_url: str,
    requests: int,
    concurrency: int,
    server_cpu: Callable[[], float | None] = lambda: None,
) -> dict[str, Any]:
    """``requests`` calls from ``concurrency`` workers; rate and latencies.

    Also the CPU time the server process and this (client) process used meanwhile, to show
    whether the machine's cores, rather than the database, are the limit.
    """
    latencies: list[float] = []
    errors = Errors()
    remaining = requests

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            try:
                await call(client)
            except (ResponseError, httpx.HTTPError, ValueError) as error:
                errors.add(f"{type(error).__name__}: {error}")
            latencies.append(time.perf_counter() - started)

    async with new_client(concurrency) as client:
        # Open the connections before the clock starts.
        await asyncio.gather(*(client.get(f"{base_url}/healthz") for _ in range(concurrency)))
        server_before, client_before = server_cpu(), time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        server_after, client_after = server_cpu(), time.process_time()
    server_cpu_s = (
        server_after - server_before if server_after is not None and server_before is not None else None
    )
    return {
        "concurrency": concurrency,
        "requests": requests,
        "elapsed_s": elapsed,
        "per_s": rate(requests - errors.count, elapsed),
        "latency": latency_summary(latencies),
        "server_cpu_s": server_cpu_s,
        "client_cpu_s": client_after - client_before,
        "errors": errors.count,
        "error_samples": errors.samples,
    }


async def warm_up(base_url: str, requests: int) -> dict[str, Any]:
    return await command_level(base_url, requests, concurrency=4)


async def read_your_writes(base_url: str, iterations: int) -> dict[str, Any]:
    """Post, then count with Concord-Consistent-With: <position>; and without, as a reference."""
    consistent: list[float] = []
    plain: list[float] = []
    errors = Errors()
    async with new_client(1) as client:
        for _ in range(iterations):
            try:
                position = await post_request(client, base_url)
                started = time.perf_counter()
                count = await count_requests(client, base_url, consistent_with=position)
                consistent.append(time.perf_counter() - started)
                started = time.perf_counter()
                await count_requests(client, base_url)
                plain.append(time.perf_counter() - started)
            except (ResponseError, httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                errors.add(f"{type(error).__name__}: {error}")
                continue
            if count < 1:
                errors.add(f"read after position {position} saw {count} requests")
    return {
        "iterations": iterations,
        "consistent_with": latency_summary(consistent),
        "without_header": latency_summary(plain),
        "errors": errors.count,
        "error_samples": errors.samples,
    }
