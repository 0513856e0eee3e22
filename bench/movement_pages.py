"""The movements pages' cost on a database the demo wrote: ``Movements`` and ``StateMovements``
answered by their row plan (services.api.schema.movement_rows, as a named operation is) and by the
general path (graphql-core executing the document field by field, each movement's risk and havens
awaited through the request's loaders, as before the plan), alternating in each round, after
checking that both give the same answer. Reports this process's CPU per call (SQLite runs in it).
The database's projections must have caught up (``concord serve`` until ``/readyz`` shows no lag).
``python -m bench.movement_pages --data-dir DIR``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from pathlib import Path
from typing import Any

from graphql import parse

from domain.access import Role
from domain.codes import MemberState
from services.api.compiled import CompiledOperation
from services.api.schema import build_schema
from services.api.schema.context import Context
from services.bootstrap import start
from services.identity.access import Principal
from services.settings import Settings

OPERATIONS = Path(__file__).resolve().parent.parent / "graphql" / "operations"
#: (operation, caller, variables): the movements page's coordinator (as bench.scale calls them)
#: and a viewer, whose counts are disclosed.
CASES = [
    (name, principal, {"memberState": ["PHL"]})
    for name in ("Movements", "StateMovements")
    for principal in (
        Principal("bench-coordinator", Role.COORDINATOR, MemberState.PHL),
        Principal("bench-viewer", Role.VIEWER),
    )
]


async def measure(data_dir: Path, rounds: int, calls: int) -> list[tuple[str, float, float, int]]:
    """(case, ms of CPU per call by the row plan, by the general path, movements a page)."""
    runtime = await start(Settings(data_dir=data_dir), run_projections=False)
    schema = build_schema()
    figures = []
    try:
        for name, principal, variables in CASES:
            text = (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")
            plan = CompiledOperation(schema._schema, parse(text))  # noqa: SLF001 (graphql-core's schema)

            def context(principal: Principal = principal) -> Context:
                return Context(runtime=runtime, principal=principal, correlation_id="bench")

            async def planned(plan: CompiledOperation = plan, variables: dict[str, Any] = variables) -> Any:
                return await plan.run(context(), variables)

            async def general(text: str = text, variables: dict[str, Any] = variables) -> Any:
                return (await schema.execute(text, variables, context_value=context())).data

            answer = await planned()
            assert answer is not None, f"{name}: the row plan did not answer"
            assert answer == await general(), f"{name}: the two paths answer differently"
            times: dict[str, list[float]] = {"plan": [], "general": []}
            for _ in range(rounds):
                for way, call in (("plan", planned), ("general", general)):
                    started = time.process_time()
                    for _ in range(calls):
                        await call()
                    times[way].append((time.process_time() - started) / calls * 1e3)
            rows = len(answer["movementsConnection"]["edges"])
            label = f"{name} ({principal.role.value})"
            figures.append(
                (label, statistics.median(times["plan"]), statistics.median(times["general"]), rows)
            )
    finally:
        await runtime.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True, help="the SQLite data directory of a demo")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=10, help="calls of each way a round")
    args = parser.parse_args()
    print("ms of CPU per call (median of alternating rounds): row plan, general path, ratio")
    for label, plan, general, rows in asyncio.run(measure(args.data_dir, args.rounds, args.calls)):
        print(f"  {label:<32} {plan:7.2f} {general:7.2f} {plan / general:6.3f}  ({rows} movements)")
    print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
