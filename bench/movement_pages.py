"""The movements pages' cost on a database the demo wrote: ``Movements`` and ``StateMovements``
answered by their row plan (services.api.schema.movement_rows, as a named operation is) and by the
general path (graphql-core executing the document field by field, each movement's risk and havens
awaited through the request's loaders, as before the plan), alternating in each round, after
checking that both give the same answer. Reports this process's CPU per call (SQLite runs in it).
The database's projections must have caught up (``concord serve`` until ``/readyz`` shows no lag).
``python -m bench.movement_pages --data-dir DIR``
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from bench import page_plans
from domain.access import Role
from domain.codes import MemberState
from services.identity.access import Principal

#: (operation, caller, variables): the movements page's coordinator (as bench.scale calls them)
#: and a viewer, whose counts are disclosed.
CASES: list[tuple[str, Principal, dict[str, Any]]] = [
    (name, principal, {"memberState": ["PHL"]})
    for name in ("Movements", "StateMovements")
    for principal in (
        Principal("bench-coordinator", Role.COORDINATOR, MemberState.PHL),
        Principal("bench-viewer", Role.VIEWER),
    )
]


async def measure(data_dir: Path, rounds: int, calls: int) -> list[tuple[str, float, float, int]]:
    """(case, ms of CPU per call by the row plan, by the general path, movements a page)."""
    figures = []
    for name, principal, plan, general, answer in await page_plans.measure(data_dir, CASES, rounds, calls):
        assert answer is not None, f"{name}: the row plan did not answer"
        rows = len(answer["movementsConnection"]["edges"])
        figures.append((f"{name} ({principal.role.value})", plan, general, rows))
    return figures


def main() -> None:
    args = page_plans.arguments(__doc__)
    print("ms of CPU per call (median of alternating rounds): row plan, general path, ratio")
    for label, plan, general, rows in asyncio.run(measure(args.data_dir, args.rounds, args.calls)):
        print(f"  {label:<32} {plan:7.2f} {general:7.2f} {plan / general:6.3f}  ({rows} movements)")
    print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
