"""The demo scenario: written through the commands, the same for the same seed, invariants intact."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import hxl
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from projections.assistance_requests.tables import assistance_requests
from projections.finance.tables import funds
from projections.matches.tables import matches
from projections.movements.tables import movements
from projections.offers.tables import offers
from projections.safe_havens.tables import safe_havens
from services.bootstrap import Runtime, start
from services.cli import app
from services.coordination import Concord
from services.demo import Demo, is_empty
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.conftest import fixed_today, migrated_sqlite


def write_demo(settings: Settings, seed: int = 7) -> dict[str, int]:
    concord = Concord(storage_for(settings).event_store_env, today=fixed_today)
    try:
        return Demo(concord, seed=seed, scale=0.05).run().written
    finally:
        concord.close()


async def test_the_demo_fills_every_read_model_and_keeps_every_invariant(settings: Settings) -> None:
    written = write_demo(settings)
    runtime = await start(settings, today=fixed_today)
    try:
        head = runtime.concord.recorder.max_notification_id() or 0
        await runtime.progress.wait_for(head, timeout=60)
        async with runtime.read_engine.connect() as conn:
            counts = {
                t.name: await conn.scalar(select(func.count()).select_from(t))
                for t in (assistance_requests, offers, matches, safe_havens, movements, funds)
            }
            # Compared in Python: SQLite keeps exact decimals as text.
            over_allocated = [
                row.id
                for row in await conn.execute(select(offers.c.id, offers.c.allocated, offers.c.quantity))
                if row.allocated > row.quantity
            ]
            h = safe_havens.c
            overfull = [
                row.id
                for row in await conn.execute(
                    select(h.id, h.occupancy, h.reserved, h.capacity_day, h.capacity_night)
                )
                if row.occupancy + row.reserved > min(row.capacity_day, row.capacity_night)
            ]
        [fund] = [runtime.concord.get_fund(f) for f in await _fund_ids(runtime)]
    finally:
        await runtime.close()

    assert written["requests"] == counts["assistance_requests"]
    assert written["requests"] >= 100
    assert min(counts["offers"] or 0, counts["matches"] or 0, counts["movements"] or 0) > 0
    assert written["safe havens"] == counts["safe_havens"]
    assert over_allocated == []
    assert overfull == []
    assert fund.balance >= Decimal(0)
    assert fund.disbursed <= fund.allocated


async def _fund_ids(runtime: Runtime) -> list[UUID]:
    async with runtime.read_engine.connect() as conn:
        return list(await conn.scalars(select(funds.c.id)))


def test_the_same_seed_writes_the_same_scenario(tmp_path: Path) -> None:
    results = []
    for run in ("a", "b"):
        settings = Settings(data_dir=tmp_path / run)
        migrated_sqlite(settings.data_dir)
        results.append(write_demo(settings, seed=11))

    assert results[0] == results[1]


def test_concord_demo_writes_only_into_an_empty_store_when_asked(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONCORD_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("CONCORD_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("CONCORD_DATABASE_URL", raising=False)
    runner = CliRunner()

    first = runner.invoke(app, ["demo", "--scale", "0.02", "--if-empty"])
    second = runner.invoke(app, ["demo", "--scale", "0.02", "--if-empty"])

    assert first.exit_code == 0, first.output
    assert "wrote" in first.output
    assert second.exit_code == 0
    assert "already holds events" in second.output
    concord = Concord(storage_for(settings).event_store_env)
    try:
        assert not is_empty(concord)
    finally:
        concord.close()


async def test_concord_export_writes_hxl_an_operator_can_read(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_demo(settings)
    runtime = await start(settings, today=fixed_today)  # project the demo, as a server would
    try:
        head = runtime.concord.recorder.max_notification_id() or 0
        assert await runtime.progress.wait_for(head, timeout=60)
    finally:
        await runtime.close()
    monkeypatch.setenv("CONCORD_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("CONCORD_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("CONCORD_DATABASE_URL", raising=False)
    out = settings.data_dir / "movements.csv"
    runner = CliRunner()

    projected = runner.invoke(app, ["project", "--help"])  # the CLI loads
    exported = await asyncio.to_thread(runner.invoke, app, ["export", "requests", "--out", str(out)])
    unknown = runner.invoke(app, ["export", "secrets"])

    rows = list(hxl.data(str(out), hxl.InputOptions(allow_local=True)))
    assert projected.exit_code == 0
    assert exported.exit_code == 0, exported.output
    assert unknown.exit_code == 2
    assert len(rows) >= 100  # the demo's requests, read back by libhxl
    assert rows[0].get("#country+code") in {"PHL", "MMR", "THA", "KHM"}


async def test_each_requests_totals_and_status_are_the_aggregates_own(settings: Settings) -> None:
    """The demo commits, releases, dispatches, receives and cancels: the projector's recount of a
    request's commitments gives what the aggregate derives from its events, row by row."""
    write_demo(settings)
    runtime = await start(settings, today=fixed_today)
    try:
        head = runtime.concord.recorder.max_notification_id() or 0
        await runtime.progress.wait_for(head, timeout=60)
        r = assistance_requests.c
        async with runtime.read_engine.connect() as conn:
            rows = (
                await conn.execute(select(r.id, r.committed, r.in_transit, r.delivered, r.status, r.version))
            ).all()
        aggregates = {row.id: runtime.concord.get_request(row.id) for row in rows}
    finally:
        await runtime.close()

    projected = {
        row.id: (row.committed, row.in_transit, row.delivered, row.status, row.version) for row in rows
    }
    derived = {
        i: (a.committed, a.in_transit, a.delivered, a.status.value, a.version) for i, a in aggregates.items()
    }
    assert projected == derived
    assert any(a.delivered > 0 for a in aggregates.values())  # the recount of deliveries was exercised
    assert any(a.committed > a.delivered for a in aggregates.values())
