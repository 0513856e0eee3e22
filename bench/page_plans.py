"""The paged lists whose fields await loaders (a match's request, offer and risk; a project's
organisations), in process on a demo's SQLite database: each named operation answered by its
compiled plan (services.api.compiled) and by the general path (graphql-core executing the document
field by field), alternating in each round, after checking that both give the same answer; where
the plan falls back (a commit whose plan cannot await those fields), its CPU is the root's resolver
and the fall back. Reports this process's CPU per call (SQLite runs in it). The database's
projections must have caught up (``concord serve`` until ``/readyz`` shows no lag).
``python -m bench.page_plans --data-dir DIR``
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
_SECRETARIAT = Principal("bench-secretariat", Role.SECRETARIAT)
_COORDINATOR = Principal("bench-coordinator", Role.COORDINATOR, MemberState.PHL)
#: (operation, caller, variables), as bench.scale calls them.
CASES: list[tuple[str, Principal, dict[str, Any]]] = [
    ("WaitingMatches", _COORDINATOR, {"memberState": "PHL", "status": ["PROPOSED"], "first": 100}),
    ("Matches", _SECRETARIAT, {"first": 100}),
    ("Projects", _SECRETARIAT, {"first": 100}),
]


async def measure(
    data_dir: Path, cases: list[tuple[str, Principal, dict[str, Any]]], rounds: int, calls: int
) -> list[tuple[str, Principal, float, float, Any]]:
    """(operation, caller, ms of CPU per call by the plan, by the general path, the plan's answer
    or None where it falls back) for each case, the two ways alternating in each round."""
    runtime = await start(Settings(data_dir=data_dir), run_projections=False)
    schema = build_schema()
    figures = []
    try:
        for name, principal, variables in cases:
            text = (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")
            plan = CompiledOperation(schema._schema, parse(text))  # noqa: SLF001 (graphql-core's schema)

            def context(principal: Principal = principal) -> Context:
                return Context(runtime=runtime, principal=principal, correlation_id="bench")

            async def planned(plan: CompiledOperation = plan, variables: dict[str, Any] = variables) -> Any:
                return await plan.run(context(), variables)

            async def general(text: str = text, variables: dict[str, Any] = variables) -> Any:
                result = await schema.execute(text, variables, context_value=context())
                assert not result.errors, result.errors
                return result.data

            answer = await planned()
            assert answer is None or answer == await general(), f"{name}: the two paths answer differently"
            times: dict[str, list[float]] = {"plan": [], "general": []}
            for _ in range(rounds):
                for way, call in (("plan", planned), ("general", general)):
                    started = time.process_time()
                    for _ in range(calls):
                        await call()
                    times[way].append((time.process_time() - started) / calls * 1e3)
            figures.append(
                (
                    name,
                    principal,
                    statistics.median(times["plan"]),
                    statistics.median(times["general"]),
                    answer,
                )
            )
    finally:
        await runtime.close()
    return figures


def arguments(description: str | None) -> argparse.Namespace:
    """The command line of this module and of bench.movement_pages."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True, help="the SQLite data directory of a demo")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=10, help="calls of each way a round")
    return parser.parse_args()


def main() -> None:
    args = arguments(__doc__)
    print("ms of CPU per call (median of alternating rounds): plan, general path, ratio")
    for name, _caller, plan, general, answer in asyncio.run(
        measure(args.data_dir, CASES, args.rounds, args.calls)
    ):
        how = "" if answer is not None else "  (the plan falls back: the root and the fall back)"
        print(f"  {name:<16} {plan:7.2f} {general:7.2f} {plan / general:6.3f}{how}")
    print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
