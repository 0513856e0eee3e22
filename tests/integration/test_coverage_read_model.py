"""The coverage read model gives, to the byte, what adding up every request gave: on the demo's
data, with amended, cancelled and released requests and fractional quantities on top."""

# The lambdas handed to Demo.attempt run at once, inside it: late binding cannot bite (B023).
# ruff: noqa: B023
from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.items import ITEMS
from projections.assistance_requests.tables import assistance_requests
from projections.coverage import queries
from projections.coverage.projector import CoverageProjector
from projections.crises.tables import crises
from projections.matches.tables import matches
from services.bootstrap import Runtime, start
from services.coordination import Concord
from services.demo import Demo
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.conftest import fixed_today
from tests.integration.test_projections import runner_for


async def summed_over_every_request(
    engine: AsyncEngine, crisis_id: UUID | None, *, by_state: bool, by_sector: bool
) -> list[tuple[Any, ...]]:
    """The query the dashboard ran before the read model, kept here as the reference."""
    r = assistance_requests.c
    query = select(r.member_state, r.sector, r.quantity, r.committed, r.delivered).where(
        r.status != "cancelled"
    )
    if crisis_id is not None:
        query = query.where(r.crisis_id == crisis_id)
    totals: dict[tuple[str | None, str | None], list[Any]] = {}
    async with engine.connect() as conn:
        for row in await conn.execute(query):
            key = (row.member_state if by_state else None, row.sector if by_sector else None)
            entry = totals.setdefault(key, [0, Decimal(0), Decimal(0), Decimal(0)])
            entry[0] += 1
            entry[1] += row.quantity
            entry[2] += min(row.committed, row.quantity)
            entry[3] += min(row.delivered, row.quantity)
    ordered = sorted(totals.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or ""))
    return [_text(state, sector, *values) for (state, sector), values in ordered]


def _text(*values: Any) -> tuple[str, ...]:
    """As the GraphQL answer writes them: Decimal('4.0') and Decimal('4') differ."""
    return tuple(str(v) for v in values)


async def read_model(engine: AsyncEngine, crisis_id: UUID | None, **groups: bool) -> list[tuple[Any, ...]]:
    rows = await queries.coverage(engine, crisis_id, **groups)
    return [_text(r.member_state, r.sector, r.requests, r.requested, r.committed, r.delivered) for r in rows]


async def both(runtime: Runtime) -> list[tuple[list[Any], list[Any]]]:
    async with runtime.read_engine.connect() as conn:
        crisis_ids: list[UUID | None] = [None, *await conn.scalars(select(crises.c.id))]
    pairs = []
    for crisis_id in crisis_ids:
        for by_state in (True, False):
            for by_sector in (True, False):
                groups = {"by_state": by_state, "by_sector": by_sector}
                pairs.append(
                    (
                        await summed_over_every_request(runtime.read_engine, crisis_id, **groups),
                        await read_model(runtime.read_engine, crisis_id, **groups),
                    )
                )
    return pairs


def change_requests(demo: Demo) -> None:
    """Amendments (fractional quantities, another sector), cancellations."""
    for index, (request_id, state, need, _) in enumerate(demo.requests[:60]):
        command = demo.coordinator(state)
        if index % 3 == 0:
            demo.attempt(
                "amended", lambda: demo.concord.amend_request(command, request_id, quantity=Decimal("12.125"))
            )
        elif index % 3 == 1:
            other = next(
                i for i in ITEMS.values() if i.sector != need.sector and not i.sector.value.startswith("PB_")
            )
            demo.attempt(
                "resectored",
                lambda: demo.concord.amend_request(
                    command, request_id, sector=other.sector, item=other.code, unit=other.unit
                ),
            )
        elif index % 6 == 2:
            demo.attempt("cancelled", lambda: demo.concord.cancel_request(command, request_id, "duplicate"))


async def release_matches(runtime: Runtime, demo: Demo) -> None:
    """Some matches cancelled by the secretariat: their requests' commitments are released."""
    m = matches.c
    async with runtime.read_engine.connect() as conn:
        rows = (
            await conn.execute(select(m.id).where(m.status.in_(("accepted", "confirmed"))).limit(15))
        ).all()
    for row in rows:
        demo.attempt("released", lambda: demo.concord.cancel_match(demo.secretariat, row.id, "moved"))


async def test_the_coverage_read_model_answers_as_the_sum_over_every_request(settings: Settings) -> None:
    concord = Concord(storage_for(settings).event_store_env, today=fixed_today)
    demo = Demo(concord, seed=11, scale=0.05)
    demo.run()
    change_requests(demo)
    runtime = await start(settings, today=fixed_today)
    try:
        await runtime.progress.wait_for(concord.recorder.max_notification_id() or 0, timeout=60)
        await release_matches(runtime, demo)
        await runtime.progress.wait_for(concord.recorder.max_notification_id() or 0, timeout=60)
        live = await both(runtime)
        rebuilt_from = await runner_for(runtime, CoverageProjector(), 50).rebuild()  # type: ignore[arg-type]
        rebuilt = await both(runtime)
    finally:
        await runtime.close()
        concord.close()

    assert set(demo.tally.written) >= {"amended", "resectored", "cancelled", "released"}
    assert any("." in value for pair in live for row in pair[0] for value in row)  # fractions seen
    assert [old for old, _ in live] == [new for _, new in live]
    assert rebuilt == live
    assert rebuilt_from > 0
