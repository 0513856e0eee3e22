"""``needSuggestions``' work (read the needs a donor's offers could serve, score, rank) as the data grows.

The read model is filled straight (requests, offers of a few donors and of others, matches proposed
and declined, an open and a closed crisis), at 3,000 and at 30,000 requests. Each round runs, for
every donor, the read the resolver made before its candidates were narrowed (every open need of the
offered items, all matches read) and the narrowed read (every need some offer may serve), each
followed by the same ranking, and the bounded search the resolver makes now
(``projections.matching.served.needs_served``: only the needs that could still be among the
first), in an order that alternates; it reports this process's CPU per call (SQLite runs in it; on
PostgreSQL the server's share is not counted). ``python -m bench.need_suggestions``.
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
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain import allocation
from domain.allocation import NeedLine, OfferLine
from domain.codes import MemberState
from domain.items import ITEMS, may_serve
from projections.assistance_requests.tables import assistance_requests
from projections.crises.tables import crises
from projections.database import create_read_engine, reader
from projections.matches.tables import matches
from projections.matching import queries as matching
from projections.matching.served import needs_served
from projections.offers.tables import offers
from projections.organisations.tables import organisations
from services.bootstrap import storage_for
from services.migrate import migrate
from services.settings import Settings

TODAY = date(2026, 11, 28)
STATES = [s.value for s in MemberState]
_STATUSES = ("open", "open", "open", "partially-covered", "covered", "cancelled")
Read = Callable[[AsyncEngine, Sequence[OfferLine]], Awaitable[list[NeedLine]]]


def _crisis(rng: random.Random, phase: str, k: int, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid.UUID(int=rng.getrandbits(128)), "name": f"crisis {k}", "affected_states": "PHL",
        "start_date": TODAY, "phase": phase, "opened_at": now, "updated_at": now,
        "opened_position": 10_000_000 + k, "position": 10_000_000 + k,
    }  # fmt: skip


def _offer(rng: random.Random, k: int, crisis_ids: list[uuid.UUID], org: uuid.UUID | None) -> dict[str, Any]:
    item = rng.choice(sorted(ITEMS.values(), key=lambda i: i.code))
    start = TODAY + timedelta(days=rng.randint(-30, 40))
    now = datetime.now(UTC)
    return {
        "id": uuid.UUID(int=rng.getrandbits(128)), "crisis_id": rng.choice(crisis_ids),
        "organisation_id": org, "offering_state": None if org else rng.choice(STATES),
        "sector": item.sector.value, "item": item.code, "quantity": Decimal(rng.randint(10, 900)),
        "allocated": Decimal(rng.choice((0, 0, 5))), "unit": item.unit, "available_from": start,
        "available_until": start + timedelta(days=rng.randint(-20, 120)),
        "serves": ",".join(sorted(rng.sample(STATES, rng.randint(1, 6)))), "delivery_mode": "in-kind",
        "standby_capacity": "standby team" if rng.random() < 0.05 else None, "description": "",
        "withdrawn": rng.random() < 0.05, "posted_at": now, "updated_at": now,
        "posted_position": 20_000_000 + k, "position": 20_000_000 + k,
    }  # fmt: skip


def _request(rng: random.Random, k: int, crisis_ids: list[uuid.UUID]) -> dict[str, Any]:
    item = rng.choice(sorted(ITEMS.values(), key=lambda i: i.code))
    state = rng.choice(STATES)
    now = datetime.now(UTC)
    quantity = rng.randint(10, 900)
    return {
        "id": uuid.UUID(int=rng.getrandbits(128)), "crisis_id": rng.choice(crisis_ids),
        "member_state": state, "sector": item.sector.value, "item": item.code, "title": "need",
        "description": "", "quantity": Decimal(quantity), "unit": item.unit,
        "committed": Decimal(rng.choice((0, 0, 0, quantity // 2, quantity))), "in_transit": Decimal(0),
        "delivered": Decimal(0), "priority": rng.randint(1, 5),
        "needed_by": TODAY + timedelta(days=rng.randint(-20, 60)), "admin_code": f"{state}1",
        "transport_needed": False, "escort_needed": False, "status": rng.choice(_STATUSES),
        "version": 1, "posted_at": now, "updated_at": now, "posted_position": k + 1, "position": k + 1,
    }  # fmt: skip


def _match(rng: random.Random, k: int, request: dict[str, Any], offer: dict[str, Any]) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": uuid.UUID(int=rng.getrandbits(128)), "crisis_id": request["crisis_id"],
        "request_id": request["id"], "offer_id": offer["id"], "quantity": Decimal(rng.randint(1, 300)),
        "unit": request["unit"], "status": rng.choice(("proposed", "declined", "accepted")),
        "over_cover": False, "proposed_by": "bench", "proposed_at": now, "updated_at": now,
        "proposed_position": 30_000_000 + k, "position": 30_000_000 + k,
    }  # fmt: skip


async def fill(engine: AsyncEngine, n_requests: int, seed: int, donors: int = 6) -> list[uuid.UUID]:
    """Requests, offers (each donor's up to one for 80 requests, as the demo's donors have, and one
    for every 20 requests of others), matches for one request in eight, an open, a recovering and a
    closed crisis; the donors' organisation ids."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    crisis_rows = [_crisis(rng, phase, k, now) for k, phase in enumerate(("response", "recovery", "closed"))]
    crisis_ids = [c["id"] for c in crisis_rows]
    orgs = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(donors)]
    org_rows = [
        {"id": org, "name": f"donor {k}", "organisation_type": "NGO", "hxl_name": f"donor {k}",
         "member_state": rng.choice((*STATES, None)), "suspended": False, "registered_at": now,
         "updated_at": now, "registered_position": 40_000_000 + k, "position": 40_000_000 + k}
        for k, org in enumerate(orgs)
    ]  # fmt: skip
    owners = [org for org in orgs for _ in range(rng.randint(1, max(15, n_requests // 80)))] + [None] * (
        n_requests // 20 + 1
    )
    offer_rows = [_offer(rng, k, crisis_ids, org) for k, org in enumerate(owners)]
    request_rows = [_request(rng, k, crisis_ids) for k in range(n_requests)]
    match_rows = [
        _match(rng, k, request, rng.choice(offer_rows))
        for k, request in enumerate(request_rows)
        if rng.random() < 0.125
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(crises), crisis_rows)
        await conn.execute(insert(organisations), org_rows)
        for table, rows in ((offers, offer_rows), (assistance_requests, request_rows), (matches, match_rows)):
            for chunk in range(0, len(rows), 2000):
                await conn.execute(insert(table), rows[chunk : chunk + 2000])
    return orgs


async def every_open_need_of_the_items(engine: AsyncEngine, offered: Sequence[OfferLine]) -> list[NeedLine]:
    """The resolver's read before narrowing: every open need of an item the offers may serve, in an
    open crisis, and every pending or declined match. Kept as the reference the narrowed read meets."""
    items = sorted(i for i in ITEMS if any(may_serve(i, o.item) for o in offered))
    if not items:
        return []
    r = assistance_requests.c
    open_crises = select(crises.c.id).where(crises.c.phase != "closed")
    # The old read, verbatim, so it uses the module's private row readers.
    query = select(*matching._REQUEST_COLUMNS).where(  # noqa: SLF001
        r.status.in_(("open", "partially-covered")), r.item.in_(items), r.crisis_id.in_(open_crises)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
        pending, declined = await matching._pending_and_declined(conn, None)  # noqa: SLF001
    need = matching._need  # noqa: SLF001
    needs = [need(row, pending.get(row.id, Decimal(0)), frozenset(declined.get(row.id, ()))) for row in rows]
    return [n for n in needs if n.open_quantity > 0]


async def suggestions(
    engine: AsyncEngine, read: Read, organisation_id: uuid.UUID, first: int = 50
) -> list[allocation.Suggestion]:
    """What ``needSuggestions`` computes for a donor, its needs read by ``read``."""
    mine = await matching.party_offers(engine, TODAY, organisation_id=organisation_id)
    needs = await read(engine, mine)
    return allocation.needs_served(needs, mine, TODAY, allocation.Parameters(), first)


async def bounded(
    engine: AsyncEngine, organisation_id: uuid.UUID, first: int = 50
) -> list[allocation.Suggestion]:
    """What ``needSuggestions`` computes for a donor now: the bounded search."""
    mine = await matching.party_offers(engine, TODAY, organisation_id=organisation_id)
    return await needs_served(engine, mine, TODAY, allocation.Parameters(), first)


async def _rounds(engine: AsyncEngine, donors: list[uuid.UUID], rounds: int) -> dict[str, list[float]]:
    ways: dict[str, Callable[[AsyncEngine, uuid.UUID], Awaitable[list[allocation.Suggestion]]]] = {
        "before": lambda e, donor: suggestions(e, every_open_need_of_the_items, donor),
        "narrowed": lambda e, donor: suggestions(e, matching.servable_needs, donor),
        "bounded": bounded,
    }
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    for k in range(rounds):
        order = list(ways.items()) if k % 2 == 0 else list(ways.items())[::-1]
        for name, way in order:
            for donor in donors:
                started = time.process_time()
                await way(engine, donor)
                cpu[name].append(time.process_time() - started)
    return cpu


async def measure(database_url: str | None, n_requests: int, rounds: int, seed: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), **({"database_url": database_url} if database_url else {}))
        storage = storage_for(settings)
        migrate(storage)
        engine = create_read_engine(storage.read_url)
        try:
            donors = await fill(engine, n_requests, seed)
            cpu = await _rounds(reader(engine), donors, rounds)
        finally:
            await engine.dispose()
    return {name: statistics.median(samples) * 1000 for name, samples in cpu.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3000,30000", help="requests in the read model, comma-separated")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="a fresh PostgreSQL database (default: SQLite)")
    args = parser.parse_args(argv)
    for size in (int(s) for s in args.sizes.split(",")):
        result = asyncio.run(measure(args.database_url, size, args.rounds, args.seed))
        before, narrowed, found = result["before"], result["narrowed"], result["bounded"]
        print(
            f"{size:>7,} requests: CPU per call (median, ms) before {before:7.1f}  "
            f"narrowed {narrowed:7.1f}  bounded {found:7.1f}  narrowed / bounded {narrowed / found:5.1f}x",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
