"""The transaction that moves the projections' tracking rows after every batch, on PostgreSQL:
with the announcement (``pg_notify``) carried by the UPDATE, as ``ProjectionRunner`` runs it, against
the baseline of the same UPDATE followed by ``SELECT pg_notify(...)`` as a statement of its own,
in alternating rounds on one fresh database. CPU from ``time.process_time`` (this process: the
SQLAlchemy and asyncpg side), wall clock per transaction; the ratio is against the baseline.

``python -m bench.tracking [--transactions 400] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from typing import Any

from bench.backends import postgres_backend
from bench.server import migrate
from projections.runner import announce, move_positions
from services.bootstrap import start, tracked_projections
from services.settings import Settings


async def measure(backend: Any, transactions: int, rounds: int) -> dict[str, dict[str, float]]:
    runtime = await start(
        Settings(database_url=backend.database_url, data_dir=backend.data_dir), run_projections=False
    )
    try:
        runners = tracked_projections(runtime)
        for runner in runners:
            runner.tracking_moved(await runner.load_position())
        position = max(runner.persisted for runner in runners)

        async def move(folded: bool) -> None:
            nonlocal position
            position += 1
            for runner in runners:
                runner.reached(position, written=False)
            async with runtime.read_engine.begin() as conn:
                moves = [(runner, position) for runner in runners]
                if folded:
                    moved = await move_positions(conn, moves, announcing=position)
                else:
                    moved = await move_positions(conn, moves)
                    await announce(conn, position)
            assert len(moved) == len(runners)
            for runner in runners:
                runner.tracking_moved(position)

        figures: dict[str, dict[str, list[float]]] = {
            name: {"cpu_ms": [], "wall_ms": []} for name in ("separate", "folded")
        }
        for _ in range(rounds):
            for folded in (False, True):
                for _ in range(transactions // 10):  # warm the statement caches
                    await move(folded)
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(transactions):
                    await move(folded)
                name = "folded" if folded else "separate"
                figures[name]["cpu_ms"].append((time.process_time() - cpu) * 1000 / transactions)
                figures[name]["wall_ms"].append((time.perf_counter() - wall) * 1000 / transactions)
        return {name: {k: statistics.median(v) for k, v in f.items()} for name, f in figures.items()}
    finally:
        await runtime.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tracking", description=__doc__)
    parser.add_argument("--transactions", type=int, default=400, help="transactions per round and way")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with postgres_backend() as backend:
        migrate(backend)
        result = asyncio.run(measure(backend, args.transactions, args.rounds))
    base, folded = result["separate"], result["folded"]
    print("tracking transaction (median of rounds)   CPU ms   wall ms")
    print(f"baseline: UPDATE, then SELECT pg_notify   {base['cpu_ms']:6.3f}   {base['wall_ms']:7.3f}")
    print(f"announced by the UPDATE                   {folded['cpu_ms']:6.3f}   {folded['wall_ms']:7.3f}")
    print(
        f"ratio to the baseline                     {folded['cpu_ms'] / base['cpu_ms']:6.2f}   "
        f"{folded['wall_ms'] / base['wall_ms']:7.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
