"""Where a ``NeedSuggestions`` call's CPU goes, part by part, in process on a demo's SQLite database.

The named operation is answered by its compiled plan for the demo's World Food Programme (as
bench.scale calls it, ``first: 50``), and each part's CPU is timed around it: the party's offers
(``party_offers``), the bounded search (``needs_served``) and, within it, its statements, the lines
made of their rows and the ranking's explained result, then the rows of the needs and offers shown
(the loaders), the suggestions made into their GraphQL objects, and the rest (the plan's completion).
CPU from ``time.process_time`` (SQLite runs in this process, in aiosqlite's thread), per call,
medians of rounds. The database's projections must have caught up (``concord serve`` until
``/readyz`` shows no lag). ``python -m bench.need_suggestion_parts --data-dir DIR``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

from graphql import parse
from sqlalchemy import select

from bench.scale_operations import DONOR
from domain import allocation
from domain.access import Role
from projections.matching import queries as matching
from projections.matching import served
from projections.organisations.tables import organisations
from projections.prepared import Prepared
from services.api.compiled import CompiledOperation
from services.api.schema import build_schema, serving
from services.api.schema.context import Context
from services.bootstrap import start
from services.identity.access import Principal
from services.settings import Settings

OPERATION = Path(__file__).resolve().parent.parent / "graphql" / "operations" / "NeedSuggestions.graphql"
#: (part, object, attribute): each timed where the operation calls it; an indented part only within
#: the part above it (the statements of the search, not the loaders' nor the party's offers').
PARTS: list[tuple[str, Any, str]] = [
    ("party's offers", matching, "party_offers"),
    ("bounded search", serving, "needs_served"),
    ("  its statements", Prepared, "run"),
    ("  lines of their rows", served._Lines, "__call__"),  # noqa: SLF001 - what the search spends
    ("  ranking's result", allocation.NeedRanking, "result"),
    ("rows shown (loaders)", serving, "_rows"),
    ("suggestions as objects", serving.NeedSuggestion, "of"),
]


@contextmanager
def timed(spent: dict[str, float]) -> Iterator[None]:
    """Each part wrapped to add its CPU to ``spent`` while the block runs; unwrapped after."""
    kept = []
    active: set[str] = set()
    within = ""
    for name, owner, attribute in PARTS:
        original = owner.__dict__[attribute]
        kept.append((owner, attribute, original))
        if not name.startswith(" "):
            within = name
        setattr(owner, attribute, _wrapped(name, within, original, spent, active))
    try:
        yield
    finally:
        for owner, attribute, original in kept:
            setattr(owner, attribute, original)


def _wrapped(name: str, within: str, original: Any, spent: dict[str, float], active: set[str]) -> Any:
    """``original``, its CPU added to ``spent[name]`` when the part it is within is running."""

    def counted(seconds: float) -> None:
        if within in active or within == name:
            spent[name] += seconds

    if isinstance(original, classmethod):
        inner = original.__func__

        def of(cls: Any, *args: Any) -> Any:
            started = time.process_time()
            try:
                return inner(cls, *args)
            finally:
                counted(time.process_time() - started)

        return classmethod(of)
    if asyncio.iscoroutinefunction(original):

        async def awaited(*args: Any, **kwargs: Any) -> Any:
            active.add(name)
            started = time.process_time()
            try:
                return await original(*args, **kwargs)
            finally:
                counted(time.process_time() - started)
                active.discard(name)

        return awaited

    def called(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            counted(time.process_time() - started)

    return called


async def measure(data_dir: Path, rounds: int, calls: int) -> dict[str, float]:
    """ms of CPU per call, the whole call's (``call``) and each part's, medians of the rounds."""
    runtime = await start(Settings(data_dir=data_dir), run_projections=False)
    try:
        async with runtime.query_engine.connect() as conn:
            donor = await conn.scalar(select(organisations.c.id).where(organisations.c.name == DONOR))
        principal = Principal("bench-donor", Role.DONOR, organisation_id=UUID(str(donor)))
        schema = build_schema()
        plan = CompiledOperation(schema._schema, parse(OPERATION.read_text(encoding="utf-8")))  # noqa: SLF001

        async def call() -> Any:
            context = Context(runtime=runtime, principal=principal, correlation_id="bench")
            return await plan.run(context, {"first": 50})

        for _ in range(5):  # the statements prepared, the rows remembered, as on a served page
            await call()
        figures: dict[str, list[float]] = defaultdict(list)
        for _ in range(rounds):
            spent: dict[str, float] = defaultdict(float)
            with timed(spent):
                started = time.process_time()
                for _ in range(calls):
                    await call()
                spent["call"] = time.process_time() - started
            for name, seconds in spent.items():
                figures[name].append(seconds / calls * 1e3)
        return {name: statistics.median(each) for name, each in figures.items()}
    finally:
        await runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True, help="the SQLite data directory of a demo")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20, help="calls a round")
    args = parser.parse_args()
    figures = asyncio.run(measure(args.data_dir, args.rounds, args.calls))
    whole = figures.pop("call")
    print(f"NeedSuggestions, ms of CPU a call (median of {args.rounds} rounds): {whole:.2f}")
    outer = 0.0
    for name, _owner, _attribute in PARTS:
        share = figures.get(name, 0.0)
        outer += 0.0 if name.startswith(" ") else share
        print(f"  {name:<24} {share:6.2f}  {share / whole:5.1%}")
    print(f"  {'the rest':<24} {whole - outer:6.2f}  {(whole - outer) / whole:5.1%}")
    print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
