"""Issue 9's memory goal: the API process's RSS with 1,000,000 events stored, with and without snapshots.

The log is written straight into the event store (as ``bench.rebuild`` does): a Stability Fund
with ``--fund-events`` events (contributions, one allocation in a hundred), a safe haven with
``--haven-events`` admissions and departures, both with the snapshots their commands would have
taken every ``SNAPSHOT_INTERVALS`` events, and assistance requests (one in four amended) for the
rest. Every projection then catches up in this process, so that the server starts with its read
models current. ``concord serve`` is then started twice on that store: with snapshots, and with
``CONCORD_IS_SNAPSHOTTING_ENABLED=n`` (the baseline: every command replays the whole fund). Each
run sends allocations to the fund and admissions to the haven one at a time (latency and server
CPU per command) and dashboard reads at concurrency 4, and reports the server's RSS and peak RSS.
Last, the fund's whole ledger and the haven's whole history, page by page (100 entries a page;
without snapshots only the first page of each, as every page would replay the whole aggregate).

``python -m bench.memory [--backend sqlite|postgresql|all] [--events N]``
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx

from bench.backends import Backend, BackendUnavailableError, postgres_backend, sqlite_backend
from bench.baseline import ACTOR, _fresh_requests
from bench.server import cpu_seconds, migrate, rss_mb, running_server
from bench.stats import latency_summary
from domain.access import Role
from domain.codes import MemberState, Sector
from domain.crises import Crisis
from domain.funds import FundWindow, StabilityFund
from domain.havens import SafeHaven
from domain.pledges import DestinationKind
from services.bootstrap import start, tracked_projections
from services.coordination import Concord
from services.identity.tokens import DevSigner
from services.infrastructure.snapshots import SNAPSHOT_INTERVALS, StateSnapshot
from services.infrastructure.storage import storage_for
from services.settings import Settings

GOAL_MB = 300
CHUNK = 2000  # events per insert
ALLOCATE = (
    "mutation($i: AllocateFromFundInput!) { allocateFromFund(input: $i) { position fund { balance } } }"
)
ADMIT = "mutation($i: PeopleInput!) { admitToSafeHaven(input: $i) { position safeHaven { id } } }"
DEPART = "mutation($i: PeopleInput!) { recordDeparture(input: $i) { position safeHaven { id } } }"
FUND_TOTALS = "query($id: ID!) { fund(id: $id) { balance received allocated } }"
HAVENS = "query { safeHavens { id occupancy available } }"
HAVEN_HISTORY = """query($id: ID!, $first: Int, $after: String) { safeHaven(id: $id) {
  history(first: $first, after: $after) { pageInfo { hasNextPage endCursor }
    edges { node { at version event changes { field before after } } } } } }"""
OPERATIONS = Path(__file__).resolve().parent.parent / "graphql" / "operations"
LEDGER = (OPERATIONS / "StabilityFundBalance.graphql").read_text()


@dataclasses.dataclass(frozen=True)
class Log:
    events: int
    fund_id: UUID
    fund_events: int
    haven_id: UUID
    haven_events: int
    request_id: UUID
    snapshots: int
    write_s: float


class _Writer:
    """Appends aggregates' pending events (and snapshots) to the store in big inserts."""

    def __init__(self, app: Concord) -> None:
        self.app = app
        self.pending: list[Any] = []
        self.written = 0
        self.snapshots = 0

    def add(self, *aggregates: Any) -> None:
        for aggregate in aggregates:
            self.pending.extend(self.app.mapper.to_stored_event(e) for e in aggregate.collect_events())
        if len(self.pending) >= CHUNK:
            self.flush()

    def snapshot(self, aggregate: Any) -> None:
        """What ``Concord`` takes after a command that brings an aggregate to a multiple of its interval."""
        assert self.app.snapshots is not None
        self.add(aggregate)
        self.flush()
        self.app.snapshots.put([StateSnapshot.take(aggregate)])
        self.snapshots += 1

    def flush(self) -> None:
        if self.pending:
            self.app.recorder.insert_events(self.pending)
            self.written += len(self.pending)
            self.pending = []


def write_log(backend: Backend, events: int, fund_events: int, haven_events: int) -> Log:
    started = time.perf_counter()
    settings = Settings(database_url=backend.database_url, data_dir=backend.data_dir)
    app = Concord(storage_for(settings).event_store_env)
    writer = _Writer(app)
    try:
        crisis = Crisis.open("Memory bench", [MemberState.PHL], date(2026, 11, 1), actor=ACTOR)
        [request] = _fresh_requests(1)
        writer.add(crisis, request)
        fund = _write_fund(writer, fund_events, request.id)
        haven = _write_haven(writer, haven_events, crisis.id)
        _write_requests(writer, events)
    finally:
        app.close()
    return Log(
        writer.written,
        fund.id,
        fund.version,
        haven.id,
        haven.version,
        request.id,
        writer.snapshots,
        time.perf_counter() - started,
    )


def _write_fund(writer: _Writer, events: int, request_id: UUID) -> StabilityFund:
    """Contributions, and an allocation to ``request_id`` in every hundred events."""
    fund = StabilityFund.open("ASEAN Stability Fund", actor=ACTOR)
    interval = SNAPSHOT_INTERVALS[StabilityFund]
    while fund.version < events:
        if fund.version % 100 == 50:
            fund.allocate(
                FundWindow.STANDARD, DestinationKind.REQUEST, request_id, Decimal(10), "bench", actor=ACTOR
            )
        else:
            fund.receive(uuid4(), uuid4(), Decimal(1000), actor=ACTOR)
        if fund.version % interval == 0:
            writer.snapshot(fund)
        else:
            writer.add(fund)
    writer.flush()
    return fund


def _write_haven(writer: _Writer, events: int, crisis_id: UUID) -> SafeHaven:
    haven = SafeHaven.designate(
        crisis_id,
        MemberState.PHL,
        name="Balo-i evacuation centre",
        admin_code="PH1536",
        latitude=Decimal("8.0041"),
        longitude=Decimal("124.2850"),
        capacity_day=1_000_000,
        services=[Sector.SHL],
        actor=ACTOR,
    )
    interval = SNAPSHOT_INTERVALS[SafeHaven]
    while haven.version < events:
        if haven.version % 2:
            haven.admit(3, actor=ACTOR)
        else:
            haven.record_departure(2, actor=ACTOR)
        if haven.version % interval == 0:
            writer.snapshot(haven)
        else:
            writer.add(haven)
    writer.flush()
    return haven


def _write_requests(writer: _Writer, events: int) -> None:
    """Requests posted, one in four amended, until the log holds ``events`` events."""
    today = date.today()
    while writer.written < events:
        requests = _fresh_requests(min(500, max(1, (events - writer.written) * 4 // 5)))
        for i, fresh in enumerate(requests):
            if i % 4 == 0:
                fresh.amend(dataclasses.replace(fresh.need, priority=5), today=today, actor=ACTOR)
        writer.add(*requests)
        writer.flush()


def project_all(backend: Backend) -> dict[str, Any]:
    """Every projection catches up with the log, as a worker would before the server starts."""

    async def run() -> dict[str, Any]:
        settings = Settings(database_url=backend.database_url, data_dir=backend.data_dir)
        runtime = await start(settings, run_projections=False)
        counts: dict[str, int] = {}
        started = time.perf_counter()
        try:
            for runner in tracked_projections(runtime):
                counts[runner.projector.name] = await runner.catch_up()
        finally:
            await runtime.close()
        return {"elapsed_s": time.perf_counter() - started, "events_read": counts}

    return asyncio.run(run())


def _status_mb(pid: int, key: str) -> float | None:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return None


class _Unsnapshotted(Backend):
    def server_env(self) -> dict[str, str]:
        return {**super().server_env(), "CONCORD_IS_SNAPSHOTTING_ENABLED": "n"}


async def _post(client: httpx.AsyncClient, url: str, token: str, query: str, variables: Any) -> Any:
    response = await client.post(
        f"{url}/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    )
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"HTTP {response.status_code}: {json.dumps(body)[:500]}")
    return body["data"]


def serve_and_load(
    backend: Backend, log: Log, *, snapshots: bool, commands: int, reads: int
) -> dict[str, Any]:
    target = backend if snapshots else _Unsnapshotted(backend.name, backend.data_dir, backend.database_url)
    signer = DevSigner(backend.data_dir, "concord")
    secretariat = signer.issue(subject="bench-secretariat", role=Role.SECRETARIAT)
    coordinator = signer.issue(subject="bench-phl", role=Role.COORDINATOR, member_state=MemberState.PHL)
    requests_page = {"query": (OPERATIONS / "Requests.graphql").read_text(), "variables": {"first": 100}}
    with running_server(target) as server:
        pid = server.process.pid
        url = server.base_url

        async def timed(client: httpx.AsyncClient, token: str, query: str, variables: Any) -> float:
            """The command's latency (its CPU is read over the whole run: ``_commands``)."""
            wall = time.perf_counter()
            await _post(client, url, token, query, variables)
            return time.perf_counter() - wall

        async def read_pages(
            client: httpx.AsyncClient, token: str, query: str, of: UUID, path: tuple[str, str], *, whole: bool
        ) -> tuple[float, float, int]:
            """Every page of a connection (or only the first), 100 entries a page, one after another."""
            cpu, wall = cpu_seconds(pid) or 0.0, time.perf_counter()
            after, pages = None, 0
            while True:
                data = await _post(client, url, token, query, {"id": str(of), "first": 100, "after": after})
                page = data[path[0]][path[1]]["pageInfo"]
                pages += 1
                if not (whole and page["hasNextPage"]):
                    break
                after = page["endCursor"]
            return time.perf_counter() - wall, (cpu_seconds(pid) or 0.0) - cpu, pages

        async def drive() -> dict[str, Any]:
            async with httpx.AsyncClient(timeout=httpx.Timeout(300.0)) as client:
                started_rss = rss_mb(pid)
                fund_cmds = []
                fund_cpu = cpu_seconds(pid) or 0.0
                for _ in range(commands):
                    allocation = {
                        "fundId": str(log.fund_id),
                        "window": "RESERVE",
                        "destinationKind": "REQUEST",
                        "destinationId": str(log.request_id),
                        "usdAmount": "1",
                        "rationale": "memory bench",
                    }
                    fund_cmds.append(await timed(client, secretariat, ALLOCATE, {"i": allocation}))
                fund_cpu = await _settled_cpu(pid, fund_cpu)
                haven_cmds = []
                haven_cpu = cpu_seconds(pid) or 0.0
                for i in range(commands):
                    query = ADMIT if i % 2 == 0 else DEPART
                    haven_cmds.append(
                        await timed(client, coordinator, query, {"i": {"id": str(log.haven_id), "people": 1}})
                    )
                haven_cpu = await _settled_cpu(pid, haven_cpu)
                after_commands = rss_mb(pid), _status_mb(pid, "VmHWM")

                async def read(body: dict[str, Any], token: str) -> None:
                    await _post(client, url, token, body["query"], body.get("variables"))

                bodies = [
                    (requests_page, coordinator),
                    ({"query": HAVENS}, coordinator),
                    ({"query": FUND_TOTALS, "variables": {"id": str(log.fund_id)}}, secretariat),
                ]
                read_started = time.perf_counter()
                for start_at in range(0, reads, 4):
                    await asyncio.gather(
                        *(read(*bodies[(start_at + k) % 3]) for k in range(min(4, reads - start_at)))
                    )
                read_s = time.perf_counter() - read_started
                after_reads = rss_mb(pid), _status_mb(pid, "VmHWM")
                # Without snapshots each page would replay the whole fund: one page there.
                ledger_s, ledger_cpu, ledger_pages = await read_pages(
                    client, secretariat, LEDGER, log.fund_id, ("fund", "ledger"), whole=snapshots
                )
                after_ledger = rss_mb(pid), _status_mb(pid, "VmHWM")
                history_s, history_cpu, history_pages = await read_pages(
                    client,
                    coordinator,
                    HAVEN_HISTORY,
                    log.haven_id,
                    ("safeHaven", "history"),
                    whole=snapshots,
                )
                after_history = rss_mb(pid), _status_mb(pid, "VmHWM")
            return {
                "snapshots": snapshots,
                "rss_mb_at_start": started_rss,
                "fund_command": _commands(fund_cmds, fund_cpu),
                "haven_command": _commands(haven_cmds, haven_cpu),
                "rss_mb_after_commands": after_commands[0],
                "peak_rss_mb_after_commands": after_commands[1],
                "reads": reads,
                "reads_s": read_s,
                "rss_mb_after_reads": after_reads[0],
                "peak_rss_mb_after_reads": after_reads[1],
                "ledger_query": {
                    "wall_ms": ledger_s * 1000,
                    "server_cpu_ms": ledger_cpu * 1000,
                    "pages": ledger_pages,
                },
                "rss_mb_after_ledger": after_ledger[0],
                "peak_rss_mb_after_ledger": after_ledger[1],
                "history_query": {
                    "wall_ms": history_s * 1000,
                    "server_cpu_ms": history_cpu * 1000,
                    "pages": history_pages,
                },
                "rss_mb_after_history": after_history[0],
                "peak_rss_mb_after_history": after_history[1],
            }

        return asyncio.run(drive())


#: Seconds after the last command of a run before the server's CPU is read again: the projections
#: apply a command's events after its answer, outside the command's own window.
SETTLE = 0.5


async def _settled_cpu(pid: int, since: float) -> float:
    """The server's CPU since ``since``, read once the work the commands left behind is done."""
    await asyncio.sleep(SETTLE)
    return (cpu_seconds(pid) or 0.0) - since


def _commands(walls: list[float], cpu: float) -> dict[str, Any]:
    """Each command's latency, and the server's CPU a command over the whole run: a command's own
    window (the request to its answer) misses the projections' work on its events, which follows
    the answer and lands in one window or the next depending on when it runs."""
    return {
        "count": len(walls),
        "latency": latency_summary(walls),
        "server_cpu_ms_mean": 1000 * cpu / max(len(walls), 1),
    }


def run(backend: Backend, args: argparse.Namespace, say: Any = print) -> dict[str, Any]:
    migrate(backend)
    say(f"  writing {args.events:,} events (fund {args.fund_events:,}, haven {args.haven_events:,})")
    log = write_log(backend, args.events, args.fund_events, args.haven_events)
    say(f"    {log.events:,} events and {log.snapshots} snapshots in {log.write_s:.0f} s")
    projected = None
    if args.project:
        say("  every projection catching up")
        projected = project_all(backend)
        say(f"    in {projected['elapsed_s']:.0f} s")
    runs = {}
    for snapshots in (True, False):
        label = "with snapshots" if snapshots else "without snapshots (baseline)"
        say(f"  concord serve, {label}")
        result = serve_and_load(backend, log, snapshots=snapshots, commands=args.commands, reads=args.reads)
        _report(result, say)
        runs["with" if snapshots else "without"] = result
    with_, without = runs["with"], runs["without"]
    return {
        "log": dataclasses.asdict(log) | {"fund_id": str(log.fund_id), "haven_id": str(log.haven_id)},
        "request_id": str(log.request_id),
        "projected": projected,
        "runs": runs,
        "fund_command_cpu_ratio_without_over_with": _ratio(
            without["fund_command"]["server_cpu_ms_mean"], with_["fund_command"]["server_cpu_ms_mean"]
        ),
        "goal_mb": GOAL_MB,
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _report(result: dict[str, Any], say: Any) -> None:
    fund, haven = result["fund_command"], result["haven_command"]
    say(
        f"    allocateFromFund x{fund['count']}: p50 {fund['latency']['p50_ms']:.1f} ms, "
        f"server CPU {fund['server_cpu_ms_mean']:.1f} ms each; admit/depart x{haven['count']}: "
        f"p50 {haven['latency']['p50_ms']:.1f} ms, CPU {haven['server_cpu_ms_mean']:.1f} ms"
    )
    r = result
    say(
        f"    RSS MB: start {r['rss_mb_at_start']:.0f}, after commands {r['rss_mb_after_commands']:.0f}"
        f" (peak {r['peak_rss_mb_after_commands']:.0f}), after {r['reads']} reads "
        f"{r['rss_mb_after_reads']:.0f} (peak {r['peak_rss_mb_after_reads']:.0f}); "
        f"after the fund's ledger ({r['ledger_query']['pages']} pages, "
        f"{r['ledger_query']['wall_ms']:.0f} ms, CPU {r['ledger_query']['server_cpu_ms']:.0f} ms) "
        f"{r['rss_mb_after_ledger']:.0f} (peak {r['peak_rss_mb_after_ledger']:.0f}); "
        f"after the haven's history ({r['history_query']['pages']} pages, "
        f"{r['history_query']['wall_ms']:.0f} ms, CPU {r['history_query']['server_cpu_ms']:.0f} ms) "
        f"{r['rss_mb_after_history']:.0f} (peak {r['peak_rss_mb_after_history']:.0f}); goal < {GOAL_MB}"
    )


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the log")
    parser.add_argument("--fund-events", type=int, default=50_000, help="events of the one Stability Fund")
    parser.add_argument("--haven-events", type=int, default=20_000, help="events of the one safe haven")
    parser.add_argument("--commands", type=int, default=20, help="commands on the fund (and on the haven)")
    parser.add_argument("--reads", type=int, default=120, help="dashboard reads at concurrency 4")
    parser.add_argument(
        "--project",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="catch up every projection first",
    )


def options(**overrides: Any) -> argparse.Namespace:
    """This module's defaults, for ``python -m bench --memory-events N``."""
    parser = argparse.ArgumentParser()
    arguments(parser)
    return argparse.Namespace(**{**vars(parser.parse_args([])), **overrides})


def goal_rows(result: dict[str, Any]) -> list[list[str]]:
    """Rows for ``python -m bench``'s goals table: the peak RSS of the whole run, and the fund command."""
    with_, without = result["runs"]["with"], result["runs"]["without"]
    peak, baseline = with_["peak_rss_mb_after_history"], without["peak_rss_mb_after_history"]
    ratio = result["fund_command_cpu_ratio_without_over_with"]
    return [
        [
            "API memory",
            f"peak RSS MB, {result['log']['events']:,} events, snapshots",
            f"{baseline:,.0f} MB without snapshots",
            f"{peak:,.0f}",
            f"< {GOAL_MB}",
            "yes" if peak < GOAL_MB else "no",
        ],
        [
            "fund command",
            f"server CPU ms, fund of {result['log']['fund_events']:,} events",
            f"{without['fund_command']['server_cpu_ms_mean']:,.1f} ms without snapshots",
            f"{with_['fund_command']['server_cpu_ms_mean']:,.1f}",
            "(faster)",
            "-" if ratio is None else f"{ratio:,.1f}x",
        ],
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--backend", choices=["all", "sqlite", "postgresql"], default="all")
    parser.add_argument("--postgres-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    arguments(parser)
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    makers = {"sqlite": sqlite_backend, "postgresql": lambda: postgres_backend(args.postgres_admin_url)}
    for name, make in makers.items():
        if args.backend not in ("all", name):
            continue
        print(f"== {name} ==", flush=True)
        try:
            with make() as backend:
                results[name] = run(backend, args, say=lambda m: print(m, flush=True))
        except BackendUnavailableError as error:
            print(f"  SKIPPED: {error}")
            results[name] = {"skipped": str(error)}
    path = Path(__file__).resolve().parent / "results" / "memory.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
