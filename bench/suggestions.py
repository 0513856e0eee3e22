"""``matchSuggestions`` with 100,000 open offers in the read model, through GraphQL in process.

The offers and requests are written straight into the read-model tables (what is measured is
the query, not the projection), then one request after another asks for its ten best offers.
Beside it, the bare read (need + candidate offers, no scoring, no GraphQL) as the baseline.
``python -m bench.suggestions`` runs it alone.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access import Role
from domain.codes import MemberState
from domain.items import ITEMS
from projections.assistance_requests.tables import assistance_requests
from projections.matching import queries as matching
from projections.offers.tables import offers
from services.api.app import create_app
from services.identity.tokens import DevSigner
from services.infrastructure.storage import storage_for
from services.migrate import migrate
from services.settings import Settings

TODAY = date(2026, 11, 28)
STATES = [s.value for s in MemberState]
QUERY = """query($id: ID!) { matchSuggestions(requestId: $id, first: 10) {
  offerId score quantity excludedBy terms { name value contribution note } } }"""


async def _fill(engine: AsyncEngine, n_offers: int, n_requests: int, seed: int) -> list[uuid.UUID]:
    rng = random.Random(seed)
    crises = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(3)]
    items = sorted(ITEMS.values(), key=lambda i: i.code)
    now = datetime.now(UTC)
    rows = []
    for k in range(n_offers):
        item = rng.choice(items)
        start = TODAY + timedelta(days=rng.randint(-30, 40))
        by_state = rng.random() < 0.3
        rows.append({
            "id": uuid.UUID(int=rng.getrandbits(128)), "crisis_id": rng.choice(crises),
            "organisation_id": None if by_state else uuid.UUID(int=rng.getrandbits(128)),
            "offering_state": rng.choice(STATES) if by_state else None, "sector": item.sector.value,
            "item": item.code, "quantity": Decimal(rng.randint(10, 900)), "allocated": Decimal(0),
            "unit": item.unit, "available_from": start,
            "available_until": start + timedelta(days=rng.randint(-20, 120)),
            "serves": ",".join(sorted(rng.sample(STATES, rng.randint(2, 7)))), "delivery_mode": "in-kind",
            "standby_capacity": "standby team" if rng.random() < 0.02 else None, "description": "",
            "withdrawn": rng.random() < 0.05, "posted_at": now, "updated_at": now,
            "posted_position": k + 1, "position": k + 1,
        })  # fmt: skip
    requests = []
    for k in range(n_requests):
        item = rng.choice(items)
        state = rng.choice(STATES)
        requests.append({
            "id": uuid.UUID(int=rng.getrandbits(128)), "crisis_id": rng.choice(crises), "member_state": state,
            "sector": item.sector.value, "item": item.code, "title": "need", "description": "",
            "quantity": Decimal(rng.randint(10, 900)), "unit": item.unit, "committed": Decimal(0),
            "in_transit": Decimal(0), "delivered": Decimal(0), "priority": rng.randint(1, 5),
            "needed_by": TODAY + timedelta(days=rng.randint(-10, 60)), "admin_code": f"{state}1",
            "transport_needed": False, "escort_needed": False, "status": "open", "version": 1,
            "posted_at": now, "updated_at": now, "posted_position": n_offers + k + 1,
            "position": n_offers + k + 1,
        })  # fmt: skip
    async with engine.begin() as conn:
        for chunk in range(0, len(rows), 5000):
            await conn.execute(insert(offers), rows[chunk : chunk + 5000])
        await conn.execute(insert(assistance_requests), requests)
    return [r["id"] for r in requests]


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    }


async def _measure(n_offers: int, n_queries: int, seed: int, say: Callable[[str], None]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        migrate(storage_for(settings))
        app = create_app(settings, today=lambda: TODAY)
        async with app.router.lifespan_context(app):
            engine = app.state.runtime.read_engine
            started = time.perf_counter()
            request_ids = await _fill(engine, n_offers, 200, seed)
            filled = time.perf_counter() - started
            say(f"  read model filled: {n_offers:,} offers, 200 requests in {filled:.1f} s")
            token = DevSigner(settings.data_dir, settings.auth_audience).issue(
                subject="bench-secretariat", role=Role.SECRETARIAT
            )
            headers = {"Authorization": f"Bearer {token}"}
            transport = httpx.ASGITransport(app=app)
            graphql: list[float] = []
            bare: list[float] = []
            returned = 0
            async with httpx.AsyncClient(transport=transport, base_url="http://concord") as http:
                for k in range(n_queries + 20):
                    request_id = request_ids[k % len(request_ids)]
                    started = time.perf_counter()
                    response = await http.post(
                        "/graphql",
                        json={"query": QUERY, "variables": {"id": str(request_id)}},
                        headers=headers,
                    )
                    elapsed = time.perf_counter() - started
                    body = response.json()
                    assert "errors" not in body, body
                    started = time.perf_counter()
                    need = await matching.need_line(engine, request_id)
                    assert need is not None
                    await matching.candidate_offers(engine, need, TODAY)
                    bare_elapsed = time.perf_counter() - started
                    if k >= 20:  # warm-up
                        graphql.append(elapsed)
                        bare.append(bare_elapsed)
                        returned += len(body["data"]["matchSuggestions"])
    result = {
        "offers": n_offers,
        "queries": n_queries,
        "graphql": _percentiles(graphql),
        "bare_read": _percentiles(bare),
        "suggestions_per_query": returned / n_queries,
    }
    result["graphql_over_bare_read_p50"] = result["graphql"]["p50_ms"] / result["bare_read"]["p50_ms"]
    return result


def run(
    n_offers: int = 100_000, n_queries: int = 200, seed: int = 11, say: Callable[[str], None] = print
) -> dict[str, Any]:
    result = asyncio.run(_measure(n_offers, n_queries, seed, say))
    g, b = result["graphql"], result["bare_read"]
    say(
        f"  matchSuggestions x{n_queries} (SQLite, {n_offers:,} offers): p50/p99 "
        f"{g['p50_ms']:.1f}/{g['p99_ms']:.1f} ms through GraphQL; bare read {b['p50_ms']:.1f}/"
        f"{b['p99_ms']:.1f} ms; {result['suggestions_per_query']:.1f} suggestions a query"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.suggestions", description=__doc__)
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args(argv)
    run(args.offers, args.queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
