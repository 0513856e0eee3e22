"""The garbage collector in a long-running Concord process.

A full collection stops every thread while it walks every object the collector tracks. Starting
Concord makes some 200,000 objects that live as long as the process (the schema, the app, the
mappers, the pools); while they sat in the oldest generation, each full collection took 160-230
ms under load, three times in ten seconds at c=16, and set the p99 of commands (measured with
``gc.callbacks`` around ``concord serve``). ``settle_heap`` freezes them out of the collector's
sight (they would never be garbage anyway) and collects the youngest generation less often:
CPython's default threshold of 700 collected it about 60 times a second at c=16, each request
leaving a few thousand short-lived objects. With both: p99 at c=16 about 220 -> 80 ms, server CPU
per command about 3.2 -> 2.5 ms.

``concord serve`` starts with the collector off (``collect_later``): the imports and the schema
make those objects, none of them garbage, and at the default threshold the collector scanned them
again and again, about a fifth of start-up's CPU; ``settle_heap`` turns it back on.
"""

from __future__ import annotations

import gc

#: Allocations (less deallocations) between collections of the youngest generation.
YOUNG_GENERATION_THRESHOLD = 10_000


def collect_later() -> None:
    """Call first thing in a process that will call ``settle_heap`` once started: no collection
    until then."""
    gc.disable()


def settle_heap(*, pace: bool = True) -> None:
    """Call once a process has started and before it serves; a later call freezes what is new.
    Turns the collector on again (``collect_later``); ``pace=False`` leaves its thresholds as they
    are (a catch-up may have set them for its time)."""
    gc.enable()
    gc.collect()
    gc.freeze()
    if pace:
        _, middle, oldest = gc.get_threshold()
        gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)
