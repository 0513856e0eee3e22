"""Operations: readiness, Prometheus metrics, JSON logs whose correlation ids match the events'."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import pytest
from prometheus_client.parser import text_string_to_metric_families

from domain.access import Role
from services.api.dashboard import operations_dir
from services.identity.tokens import DevSigner
from services.infrastructure import logs
from services.settings import Settings
from tests.api import POST, Client, serving

CRISES = (operations_dir() / "Crises.graphql").read_text(encoding="utf-8")


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_ready_once_every_projection_has_caught_up(client: Client) -> None:
    posted = await client.post()
    await client.data("{ crises { id } }", after=posted["position"])

    response = await client.http.get("/readyz")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert {p["name"] for p in body["projections"]} >= {"assistance_requests", "safe_havens"}
    assert all(p["lag"] <= body["max_lag"] for p in body["projections"])


async def test_not_ready_while_a_projection_lags_beyond_the_threshold(
    settings: Settings, signer: DevSigner
) -> None:
    """Projections left to another process that never runs: they lag as the log grows."""
    strict = settings.model_copy(update={"ready_max_lag": 1, "projections": "external"})
    async for client in serving(strict, signer):  # opening the crisis is position 1
        await client.post()
        await client.post()

        response = await client.http.get("/readyz")

        assert response.status_code == 503
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["retry-after"] == "5"
        assert "assistance_requests (3)" in response.json()["detail"]


async def test_metrics_count_commands_operations_writes_and_projections(client: Client) -> None:
    posted = await client.post()
    refused = await client.send(
        "mutation Cancel($i: CancelRequestInput!) { cancelRequest(input: $i) { position } }",
        {"i": {"id": posted["request"]["id"]}},
        as_=client.coordinator("THA"),
    )
    await client.data("query Everything { crises { id } }", after=posted["position"])
    await client.data("{ crises { id } }")
    await client.data(CRISES)

    response = await client.http.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    seen = samples(response.text)
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert seen[("concord_commands_total", frozenset({("command", "postRequest"), ("outcome", "ok")}))] == 1
    assert (
        seen[("concord_commands_total", frozenset({("command", "cancelRequest"), ("outcome", "forbidden")}))]
        == 1
    )
    # Post and Everything are not named operations of graphql/operations/; Crises is.
    assert (
        seen[
            ("concord_graphql_operation_seconds_count", frozenset({("operation", "other"), ("result", "ok")}))
        ]
        == 2
    )
    assert (
        seen[
            (
                "concord_graphql_operation_seconds_count",
                frozenset({("operation", "Crises"), ("result", "ok")}),
            )
        ]
        == 1
    )
    anonymous = frozenset({("operation", "anonymous"), ("result", "ok")})
    assert seen[("concord_graphql_operation_seconds_count", anonymous)] >= 1
    assert seen[("concord_event_store_write_seconds_count", frozenset())] >= 2  # crisis, request
    requests = frozenset({("projection", "assistance_requests")})
    assert seen[("concord_projection_position", requests)] >= posted["position"]
    assert (
        seen[("concord_projection_lag", requests)]
        == seen[("concord_event_log_head", frozenset())] - seen[("concord_projection_position", requests)]
    )


async def test_names_a_client_makes_up_add_no_series(client: Client) -> None:
    await client.data("query FirstMadeUp { crises { id } }")
    before = set(samples((await client.http.get("/metrics")).text))

    for _ in range(50):
        await client.data(f"query Q{uuid4().hex} {{ crises {{ id }} }}")
    after = set(samples((await client.http.get("/metrics")).text))

    assert after == before
    assert client.http._transport.app.state.metrics.operation_label(None) == "anonymous"  # type: ignore[attr-defined]


async def test_a_commands_log_line_carries_the_correlation_id_its_events_record(client: Client) -> None:
    stream = io.StringIO()
    handler = logs.handler("json", stream)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        response = await client.http.post(
            "/graphql",
            json={
                "query": POST,
                "variables": {"input": client.request_input()},
            },
            headers=client.coordinator("PHL"),
        )
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    request_id = UUID(response.json()["data"]["postRequest"]["request"]["id"])
    runtime = client.http._transport.app.state.runtime  # type: ignore[attr-defined]
    [posted] = await asyncio.to_thread(lambda: list(runtime.concord.events.get(request_id)))

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [command] = [line for line in lines if line.get("command") == "postRequest"]
    assert command["logger"] == "concord.commands"
    assert command["level"] == "INFO"
    assert command["outcome"] == "ok"
    assert command["correlation_id"] == posted.actor.correlation_id == response.headers["x-correlation-id"]
    UUID(command["correlation_id"])  # generated: the request sent none


async def test_a_callers_request_id_is_the_correlation_id(client: Client) -> None:
    response = await client.http.get("/healthz", headers={"X-Request-ID": "lb-7f3a"})
    given = await client.http.get("/healthz", headers={"X-Correlation-ID": "trace-1"})
    viewer_feed = await client.http.get(
        "/events", headers={**client.bearer(Role.VIEWER), "X-Correlation-ID": "x"}
    )

    assert response.headers["x-correlation-id"] == "lb-7f3a"
    assert given.headers["x-correlation-id"] == "trace-1"
    assert viewer_feed.headers["x-correlation-id"] == "x"
