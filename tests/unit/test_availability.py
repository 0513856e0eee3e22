"""The database watch: an outage is refused at once, a slow answer gets a second chance."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from services.infrastructure.availability import DatabaseWatch


def probe_from(outcomes: list[str]) -> Callable[[], Awaitable[object]]:
    async def probe() -> object:
        outcome = outcomes.pop(0) if outcomes else "ok"
        if outcome == "slow":
            await asyncio.sleep(1)
        elif outcome == "refused":
            raise ConnectionRefusedError
        return None

    return probe


async def test_a_refused_connection_is_an_outage_at_once_and_recovery_is_seen() -> None:
    watch = DatabaseWatch(probe_from(["refused", "ok"]), interval=10, retry_interval=0.01, timeout=0.5)
    task = asyncio.create_task(watch.run())
    try:
        await asyncio.sleep(0.005)
        assert watch.available is False
        for _ in range(200):
            await asyncio.sleep(0.005)
            if watch.available:
                break
        assert watch.available is True
    finally:
        task.cancel()


async def test_one_slow_answer_is_not_an_outage_but_two_in_a_row_are() -> None:
    outcomes = ["slow", "ok", "slow", "slow", "ok"]
    watch = DatabaseWatch(probe_from(outcomes), interval=0.01, retry_interval=0.01, timeout=0.05)
    states: list[bool] = []
    task = asyncio.create_task(watch.run())
    try:
        for _ in range(400):
            await asyncio.sleep(0.005)
            states.append(watch.available)
            if not outcomes:
                break
        await asyncio.sleep(0.05)
        states.append(watch.available)
    finally:
        task.cancel()
    # Down exactly once (after the second slow probe in a row), up again at the end.
    changes = [b for a, b in zip([True, *states], states, strict=False) if a != b]
    assert changes == [False, True]
