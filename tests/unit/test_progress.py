"""Following the tracking table for a process that does not project: woken by announcements."""

from __future__ import annotations

import asyncio

from projections.progress import Progress, follow_tracking_table
from projections.wakers import Wakeup


async def test_an_announcement_makes_the_follower_read_at_once_not_at_its_next_poll() -> None:
    progress = Progress(["assistance_requests"])
    on_disk = {"assistance_requests": 1}
    reads = 0

    async def read_positions() -> dict[str, int]:
        nonlocal reads
        reads += 1
        return dict(on_disk)

    wakeup = Wakeup()
    follower = asyncio.create_task(follow_tracking_table(progress, read_positions, 30.0, wakeup))
    try:
        waiting = asyncio.create_task(progress.wait_for(2, timeout=10))
        for _ in range(100):  # the first read, made because someone waits
            await asyncio.sleep(0.01)
            if reads:
                break
        assert reads == 1
        assert progress.reached == 1
        on_disk["assistance_requests"] = 2  # the projecting process commits …
        wakeup.set(2)  # … and announces it
        assert await asyncio.wait_for(waiting, timeout=2)  # long before the 30 s poll
        assert reads == 2
    finally:
        follower.cancel()
