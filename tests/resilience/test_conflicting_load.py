"""Two API processes and one projection worker on one PostgreSQL, under conflicting commands:
many allocations from one fund and many proposals against one offer, racing. Afterwards the
fund is never overdrawn, the offer never over-allocated, and the read models say the same.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from domain.access import Role
from projections.finance.tables import funds
from projections.offers.tables import offers
from services.coordination import Concord
from services.identity.tokens import DevSigner
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.conftest import PostgresServer, fixed_today
from tests.e2e.test_served import environment, free_port, running, wait_until_serving
from tests.resilience.history import funded_world
from tests.resilience.load import GRAPHQL_RESPONSE
from tests.resilience.test_postgres_restart import query

pytestmark = pytest.mark.postgres
ALLOCATE = "mutation($i: AllocateFromFundInput!) { allocateFromFund(input: $i) { position } }"
PROPOSE = "mutation($i: ProposeMatchInput!) { proposeMatch(input: $i) { position match { id } } }"
FUND_USD, ALLOCATION_USD, ALLOCATIONS = 10_000, 700, 30  # 21,000 asked of 10,000
OFFER_UNITS, PROPOSAL_UNITS, PROPOSALS = 100, 7, 30  # 210 asked of 100


def send(base: str, token: str, mutation: str, variables: dict[str, Any]) -> tuple[str, Any]:
    """The outcome's code (OK, CONFLICT, ...) and the data."""
    response = httpx.post(
        f"{base}/graphql",
        json={"query": mutation, "variables": variables},
        headers={
            "Accept": GRAPHQL_RESPONSE,
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": str(uuid.uuid4()),
        },
        timeout=60,
    )
    body = response.json()
    if "errors" in body:
        return body["errors"][0]["extensions"]["code"], None
    return "OK", body["data"]


def test_two_apis_and_a_worker_keep_every_invariant_under_racing_commands(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    settings = Settings(database_url=postgres_server.new_database(), data_dir=tmp_path)
    with Concord(storage_for(settings).event_store_env, today=fixed_today) as concord:
        world = funded_world(concord, fund_usd=FUND_USD, offer_quantity=OFFER_UNITS, requests=10)
    token = DevSigner(tmp_path, settings.auth_audience).issue(subject="officer", role=Role.SECRETARIAT)
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    env = {"CONCORD_PROJECTIONS": "external", "CONCORD_PROJECTION_POLL_INTERVAL": "0.2"}

    def allocate(index: int) -> tuple[str, Any]:
        variables = {
            "fundId": str(world.fund),
            "window": "STANDARD",
            "destinationKind": "REQUEST",
            "destinationId": str(world.requests[index % len(world.requests)]),
            "usdAmount": str(ALLOCATION_USD),
            "rationale": f"allocation {index}",
        }
        return send(bases[index % 2], token, ALLOCATE, {"i": variables})

    def propose(index: int) -> tuple[str, Any]:
        variables = {
            "requestId": str(world.requests[index % len(world.requests)]),
            "offerId": str(world.offer),
            "quantity": str(PROPOSAL_UNITS),
        }
        return send(bases[(index + 1) % 2], token, PROPOSE, {"i": variables})

    with (
        running(["serve"], environment(settings, CONCORD_PORT=str(ports[0]), **env), tmp_path / "a.log") as a,
        running(["serve"], environment(settings, CONCORD_PORT=str(ports[1]), **env), tmp_path / "b.log") as b,
        running(["project"], environment(settings, **env), tmp_path / "worker.log"),
    ):
        wait_until_serving(bases[0], a, tmp_path / "a.log")
        wait_until_serving(bases[1], b, tmp_path / "b.log")
        start = threading.Barrier(8)

        def race(call: Any, index: int) -> tuple[str, Any]:
            if index < 8:
                start.wait(30)
            return call(index)  # type: ignore[no-any-return]

        with ThreadPoolExecutor(8) as pool:
            allocations = list(pool.map(lambda i: race(allocate, i), range(ALLOCATIONS)))
            proposals = list(pool.map(lambda i: race(propose, i), range(PROPOSALS)))
        last = max(data["allocateFromFund"]["position"] for code, data in allocations if code == "OK")
        last = max(last, *(data["proposeMatch"]["position"] for code, data in proposals if code == "OK"))
        caught_up = query(bases[0], token, **{"Concord-Consistent-With": str(last)})

    with Concord(storage_for(settings).event_store_env) as concord:
        fund, offer = concord.get_fund(world.fund), concord.get_offer(world.offer)
        matched = [
            concord.get_match(uuid.UUID(data["proposeMatch"]["match"]["id"])).quantity
            for code, data in proposals
            if code == "OK"
        ]
    engine = create_engine(storage_for(settings).migration_url)
    with engine.connect() as conn:
        fund_row = conn.execute(select(funds).where(funds.c.id == world.fund)).mappings().one()
        offer_row = conn.execute(select(offers).where(offers.c.id == world.offer)).mappings().one()
    engine.dispose()
    allocation_codes = Counter(code for code, _ in allocations)
    proposal_codes = Counter(code for code, _ in proposals)

    assert set(allocation_codes) <= {"OK", "CONFLICT"}, allocation_codes
    assert set(proposal_codes) <= {"OK", "CONFLICT", "BAD_USER_INPUT"}, proposal_codes
    assert fund.balance >= 0
    assert fund.allocated <= fund.received == FUND_USD
    assert fund.allocated == ALLOCATION_USD * allocation_codes["OK"]
    assert offer.allocated <= OFFER_UNITS
    assert offer.allocated == sum(matched) == PROPOSAL_UNITS * proposal_codes["OK"]
    assert caught_up.status_code == 200, caught_up.text
    assert (fund_row["received"], fund_row["allocated"]) == (fund.received, fund.allocated)
    assert (offer_row["quantity"], offer_row["allocated"]) == (Decimal(OFFER_UNITS), offer.allocated)
