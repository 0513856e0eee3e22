"""Wake-ups reach every projection runner, whatever the others do with theirs."""

from __future__ import annotations

import asyncio
import threading

from projections.wakers import Waker


async def test_one_runner_clearing_its_wakeup_does_not_swallow_anothers() -> None:
    waker = Waker()
    first, second = waker.listener(), waker.listener()

    waker.wake()
    await asyncio.sleep(0)  # the wake-up is delivered on the loop
    first.clear()  # the first runner starts a new round …

    # … and the second still wakes at once, not after its poll interval.
    await asyncio.wait_for(second.wait(timeout=30), timeout=1)


async def test_a_commit_in_another_thread_wakes_a_waiting_runner() -> None:
    waker = Waker()
    wakeup = waker.listener()
    waiting = asyncio.create_task(wakeup.wait(timeout=30))

    threading.Thread(target=waker.wake, args=(7,)).start()

    await asyncio.wait_for(waiting, timeout=1)
