"""A projection that fails on an event is seen at once and retried with back-off, on each back end.

A faulty row in the requests read model (a row already holding the id of the next request) makes
the real assistance_requests projector fail on that request: /readyz answers 503 naming it and its
error, ``concord status`` shows it failing, /metrics counts its failures, and it retries after
growing pauses, not in a hot loop. Once the faulty row is gone it writes again and is ready.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, insert, select
from typer.testing import CliRunner

from domain.access import SYSTEM
from domain.requests import AssistanceRequest
from projections.assistance_requests.tables import assistance_requests
from services.api.app import create_app
from services.bootstrap import Runtime
from services.cli import app as cli
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client
from tests.conftest import fixed_today
from tests.factories import a_need
from tests.integration.test_cli_status import environment, table

FAILURES = re.compile(r'^concord_projection_failures_total\{projection="assistance_requests"\} (\S+)$', re.M)


@dataclass
class Served:
    client: Client
    runtime: Runtime


@pytest.fixture
async def served(settings: Settings, signer: DevSigner) -> AsyncIterator[Served]:
    app = create_app(settings, today=fixed_today)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://concord") as http:
            client = Client(http, signer)
            client.crisis_id = await client.open_crisis()
            yield Served(client, app.state.runtime)


async def until(check: Callable[[], Awaitable[Any]], seconds: float = 20) -> Any:
    """The first truthy answer of ``check``, polled; fails after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        answer = await check()
        if answer:
            return answer
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.05)


async def plant_faulty_row(served: Served) -> uuid.UUID:
    """A row already holding the id the next request will have; that id."""
    posted = await served.client.post()
    await served.client.data("{ crises { id } }", after=posted["position"])
    taken = uuid.uuid4()
    async with served.runtime.read_engine.begin() as conn:
        row = (
            await conn.execute(
                select(assistance_requests).where(
                    assistance_requests.c.id == uuid.UUID(posted["request"]["id"])
                )
            )
        ).one()
        faulty = {**row._asdict(), "id": taken, "posted_position": 10**12}
        await conn.execute(insert(assistance_requests).values(faulty))
    return taken


async def post_with_id(served: Served, request_id: uuid.UUID) -> int:
    need = a_need()
    request = AssistanceRequest._create(
        AssistanceRequest.Posted,
        id=request_id,
        actor=SYSTEM,
        crisis_id=uuid.UUID(served.client.crisis_id),
        member_state="PHL",
        sector=need.sector.value,
        title=need.title,
        description=need.description,
        quantity=need.quantity,
        unit=need.unit,
        priority=need.priority,
        needed_by=need.needed_by,
        admin_code=need.admin_code,
        item=need.item,
        transport_needed=False,
        escort_needed=False,
    )
    recordings = await asyncio.to_thread(served.runtime.concord.save, request)
    return int(recordings[-1].notification.id)


async def failures(served: Served) -> int:
    metrics = await served.client.http.get("/metrics")
    found = FAILURES.search(metrics.text)
    return int(float(found.group(1))) if found else 0


async def test_a_failing_projection_is_seen_at_once_retried_with_back_off_and_recovers(
    served: Served, settings: Settings
) -> None:
    http = served.client.http
    taken = await plant_faulty_row(served)
    assert (await http.get("/readyz")).status_code == 200

    await post_with_id(served, taken)
    started = time.monotonic()
    not_ready = await until(lambda: _status_if(http, 503))
    seen_after = time.monotonic() - started
    status = await asyncio.to_thread(CliRunner().invoke, cli, ["status"], env=environment(settings))
    await asyncio.sleep(max(0.0, 4.5 - (time.monotonic() - started)))
    failed_in_4_5_s = await failures(served)

    assert seen_after < 5  # far below the lag threshold of 1,000 positions: one position behind
    detail = not_ready.json()["detail"]
    assert "assistance_requests" in detail
    assert "IntegrityError" in detail
    assert status.exit_code == 0, status.output
    assert table(status.output)["assistance_requests"][-1] == "failing"
    assert "assistance_requests: failing since" in status.output
    assert "IntegrityError" in status.output
    # Tried at 0, 1 and 3 s (then 7, 15, capped at 30): a hot loop would fail dozens of times.
    assert 2 <= failed_in_4_5_s <= 4

    async with served.runtime.read_engine.begin() as conn:
        await conn.execute(delete(assistance_requests).where(assistance_requests.c.id == taken))
    ready = await until(lambda: _status_if(http, 200), seconds=40)
    healed = await asyncio.to_thread(CliRunner().invoke, cli, ["status"], env=environment(settings))
    read = await served.client.data(
        "query($id: ID!) { request(id: $id) { title } }", {"id": str(taken)}, after=ready.json()["head"]
    )

    assert all(p["state"] == "up to date" for p in ready.json()["projections"])
    assert table(healed.output)["assistance_requests"][-1] == "up to date"
    assert "failing" not in healed.output
    assert read["request"]["title"] == a_need().title
    assert await failures(served) >= failed_in_4_5_s  # a counter: it never goes back


async def _status_if(http: httpx.AsyncClient, status: int) -> httpx.Response | None:
    response = await http.get("/readyz")
    return response if response.status_code == status else None
