"""Several API processes on one PostgreSQL database project once: the lease holder projects, the
others follow the tracking table (read-your-writes still holds there) and take over when it ends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from domain.codes import MemberState
from projections.runner import PROJECTED
from services.bootstrap import Runtime, start
from services.cli import app as cli
from services.settings import Settings
from services.status import projection_status
from tests.conftest import PostgresServer, fixed_today
from tests.factories import a_need
from tests.resilience.history import PHL, SECRETARIAT

pytestmark = pytest.mark.postgres


async def eventually(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def post(runtime: Runtime, crisis: object, title: str) -> int:
    def write() -> int:
        return runtime.concord.post_request(PHL, crisis, MemberState.PHL, a_need(title=title)).position  # type: ignore[arg-type]

    return await asyncio.to_thread(write)


async def test_one_api_process_projects_and_another_takes_over_when_it_ends(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=postgres_server.new_database(),
        data_dir=tmp_path,
        projection_poll_interval=0.2,
        consistency_timeout=30,
    )
    first: Runtime | None = await start(settings, live_updates=True, today=fixed_today)
    second: Runtime | None = None
    try:
        assert first is not None
        await eventually(lambda: bool(first.runners), 10, "the first process never projected")
        second = await start(settings, live_updates=True, today=fixed_today)
        await asyncio.sleep(1.5)  # more than the lease's poll: the second would have led by now
        assert not second.runners, "two processes project at once"

        crisis = (
            await asyncio.to_thread(
                first.concord.open_crisis, SECRETARIAT, "Marawi", [MemberState.PHL], date(2026, 11, 1)
            )
        ).aggregate.id
        # Written through the second, projected by the first; the second sees it (tracking table).
        written = await post(second, crisis, "Tents")
        assert await second.progress.wait_for(written, 30)

        closing, first = first, None
        await closing.close()
        started = time.monotonic()
        await eventually(lambda: bool(second.runners), 10, "the second never took over")
        assert time.monotonic() - started < 5  # issue 9's take-over bound

        later = await post(second, crisis, "Water")
        assert await second.progress.wait_for(later, 30)
        status = {s.name: s.position for s in await projection_status(second)}
        assert status["assistance_requests"] is not None
        assert status["assistance_requests"] >= later
    finally:
        if first is not None:
            await first.close()
        if second is not None:
            await second.close()


def test_several_workers_are_refused_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCORD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CONCORD_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert "PostgreSQL" in result.output


async def test_the_projecting_process_announces_each_move_on_postgresql(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    url = postgres_server.new_database()
    settings = Settings(database_url=url, data_dir=tmp_path, consistency_timeout=30)
    runtime = await start(settings, today=fixed_today)
    try:
        await eventually(lambda: bool(runtime.runners), 10, "the process never projected")
        with psycopg.connect(url, autocommit=True) as listener:
            listener.execute(f"LISTEN {PROJECTED}")
            crisis = (
                await asyncio.to_thread(
                    runtime.concord.open_crisis, SECRETARIAT, "Marawi", [MemberState.PHL], date(2026, 11, 1)
                )
            ).aggregate.id
            written = await post(runtime, crisis, "Tents")
            announced: list[int] = []

            def listen() -> None:
                for notify in listener.notifies(timeout=10):
                    announced.append(int(notify.payload))
                    if announced[-1] >= written:
                        return

            await asyncio.to_thread(listen)
        assert announced, "no announcement within 10 s"
        assert announced[-1] >= written
    finally:
        await runtime.close()
