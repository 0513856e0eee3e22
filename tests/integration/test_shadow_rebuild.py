"""A read model rebuilt into new tables and switched in, while it serves and while commands arrive."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select, text, update

from domain.access import Role
from domain.codes import MemberState
from projections.assistance_requests.projector import RequestsProjector
from projections.assistance_requests.tables import assistance_requests
from projections.shadow import ShadowUnsupported, shadow_rebuild
from services.bootstrap import Runtime
from services.coordination import Command
from services.identity.access import Principal
from tests.factories import a_need

PHL = Command(Principal("maria@dswd.gov.ph", Role.COORDINATOR, MemberState.PHL))
SECRETARIAT = Command(Principal("officer@asean.org", Role.SECRETARIAT))


async def rebuild(runtime: Runtime) -> int:
    concord = runtime.concord
    return await shadow_rebuild(
        RequestsProjector(),
        engine=runtime.read_engine,
        recorder=concord.recorder,
        decode=concord.mapper.to_domain_event,
        batch_size=50,
    )


async def count(runtime: Runtime) -> int:
    async with runtime.read_engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(assistance_requests)) or 0)


async def test_the_rebuilt_tables_replace_the_live_ones_without_a_gap(runtime: Runtime) -> None:
    if not runtime.storage.is_postgres:
        with pytest.raises(ShadowUnsupported):
            await rebuild(runtime)
        return
    concord = runtime.concord
    crisis = concord.open_crisis(SECRETARIAT, "Marawi", [MemberState.PHL], date(2026, 11, 1)).aggregate.id
    posted = [concord.post_request(PHL, crisis, MemberState.PHL, a_need()) for _ in range(120)]
    assert await runtime.progress.wait_for(posted[-1].position, timeout=30)
    async with runtime.read_engine.begin() as conn:  # damage the live read model
        await conn.execute(update(assistance_requests).values(title="damaged"))
    seen: list[int] = []
    stop = asyncio.Event()

    async def watch() -> None:
        while not stop.is_set():
            seen.append(await count(runtime))
            await asyncio.sleep(0.01)

    async def keep_posting() -> list[int]:
        positions = []
        for _ in range(30):
            recorded = await asyncio.to_thread(concord.post_request, PHL, crisis, MemberState.PHL, a_need())
            positions.append(recorded.position)
        return positions

    watcher = asyncio.create_task(watch())
    later, switched_at = await asyncio.gather(keep_posting(), rebuild(runtime))
    assert await runtime.progress.wait_for(max(later), timeout=30)
    stop.set()
    await watcher

    async with runtime.read_engine.connect() as conn:
        titles = set(await conn.scalars(select(assistance_requests.c.title)))
        schemas = set(
            await conn.scalars(
                text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'r%_assistance_requests'")
            )
        )
        analysed = await conn.scalar(  # by the rebuild, in its schema: the planner knows its rows
            text(
                "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables"
                " WHERE schemaname = 'public' AND relname = 'assistance_requests'"
            )
        )
    assert switched_at >= posted[-1].position
    assert await count(runtime) == 150  # every request once: none lost, none twice
    assert titles == {"Tarpaulins for returnee families"}  # rebuilt from the log, not copied
    assert min(seen) >= 120  # the live table served throughout
    assert schemas == set()
    assert analysed is True
