"""``flowTotals``' cost on a database the demo wrote: each grouping answered by the flow totals read
models (``services.api.schema.flows.flow_totals_for``) and by adding up every flow, as the resolver
did before (``flows_added_up`` over ``projections.flows.queries.flows``), alternating in each round,
after checking that both give the same answer. Reports this process's CPU per call (SQLite runs in
it; on PostgreSQL the server's share is not counted). The database's projections must have caught
up (``concord serve`` until ``/readyz`` shows no lag).
``python -m bench.flow_totals --data-dir DIR`` (or with ``CONCORD_DATABASE_URL`` set).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

from projections.database import create_read_engine, reader
from projections.flows import queries as flow_queries
from services.api.schema.flows import FlowGroup, FlowTotal, flow_totals_for, flows_added_up
from services.bootstrap import storage_for
from services.settings import Settings

GROUPINGS = {
    "state": {FlowGroup.MEMBER_STATE},
    "sector": {FlowGroup.SECTOR},
    "state, sector": {FlowGroup.MEMBER_STATE, FlowGroup.SECTOR},
    "source, state": {FlowGroup.SOURCE, FlowGroup.MEMBER_STATE},
    "source, status, crisis": {FlowGroup.SOURCE, FlowGroup.STATUS, FlowGroup.CRISIS},
}


async def measure(data_dir: Path | None, rounds: int, calls: int) -> None:
    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    engine = reader(create_read_engine(storage_for(settings).read_url))
    try:
        for label, groups in GROUPINGS.items():

            async def kept(groups: set[FlowGroup] = groups) -> list[FlowTotal]:
                return await flow_totals_for(engine, groups, None)

            async def added(groups: set[FlowGroup] = groups) -> list[FlowTotal]:
                return flows_added_up(await flow_queries.flows(engine), groups)

            assert repr(await kept()) == repr(await added()), label
            times: dict[str, list[float]] = {"read model": [], "every flow": []}
            for _ in range(rounds):
                for name, call in (("read model", kept), ("every flow", added)):
                    started = time.process_time()
                    for _ in range(calls):
                        await call()
                    times[name].append((time.process_time() - started) * 1000 / calls)
            model, every = (statistics.median(times[n]) for n in ("read model", "every flow"))
            print(
                f"{label:<24} read model {model:7.2f} ms/call   every flow {every:7.2f} ms/call   "
                f"x {every / model:6.1f}   ({len(await kept())} totals)",
                flush=True,
            )
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.flow_totals", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None, help="the SQLite data dir the demo wrote")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=10, help="calls per grouping, path and round")
    args = parser.parse_args(argv)
    asyncio.run(measure(args.data_dir, args.rounds, args.calls))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
