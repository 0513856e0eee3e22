"""An upload of 5,000 requests (``services.imports``): its preview and its commit, against a baseline
measured in the same run: the same 5,000 ``post_request`` commands called directly, each with its
idempotency key, so that the ratio is what reading the sheet and checking its rows adds.

    python -m bench.imports [--rows 5000] [--backend sqlite|postgresql]

The issue's bar: the commit of 5,000 rows in under a minute on this machine.
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from bench.backends import Backend, postgres_backend, sqlite_backend
from domain.access import Role
from domain.codes import MemberState, Sector
from domain.requests import Need
from services.api.exports.hxl import REQUEST_COLUMNS
from services.coordination import Command, Concord
from services.identity.access import Principal
from services.imports.service import Kind, import_file
from services.infrastructure.storage import storage_for
from services.migrate import migrate
from services.settings import Settings

COORDINATOR = Principal("bench-coordinator", Role.COORDINATOR, MemberState.PHL)
SECRETARIAT = Command(Principal("bench-secretariat", Role.SECRETARIAT))
NEEDED_BY = date.today() + timedelta(days=365)


def a_sheet(crisis: UUID, rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(c.header for c in REQUEST_COLUMNS)
    writer.writerow(c.tag for c in REQUEST_COLUMNS)
    for n in range(rows):
        cells = {
            "Crisis": crisis, "Member state": "PHL", "Admin area": f"PH{1500 + n % 90}",
            "Sector": "SHL", "Item": "SHL-TARP", "Title": f"Tarpaulins, lot {n}", "Requested": 10 + n,
            "Unit": "piece", "Priority": 1 + n % 5, "Needed by": NEEDED_BY.isoformat(),
        }  # fmt: skip
        writer.writerow(cells.get(c.header, "") for c in REQUEST_COLUMNS)
    return out.getvalue().encode()


def direct(concord: Concord, crisis: UUID, rows: int) -> None:
    for n in range(rows):
        need = Need(
            Sector.SHL, f"Tarpaulins, lot {n}", "", Decimal(10 + n), "piece", 1 + n % 5, NEEDED_BY,
            f"PH{1500 + n % 90}", "SHL-TARP",
        )  # fmt: skip
        concord.post_request(Command(COORDINATOR, None, f"bench-direct-{n}"), crisis, MemberState.PHL, need)


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def run(backend: Backend, rows: int) -> dict[str, float]:
    settings = Settings(data_dir=backend.data_dir, database_url=backend.database_url)
    storage = storage_for(settings)
    migrate(storage)
    concord = Concord(storage.event_store_env)
    try:
        states = [MemberState.PHL]
        baseline_crisis = concord.open_crisis(SECRETARIAT, "Baseline", states, date(2026, 11, 1)).aggregate.id
        import_crisis = concord.open_crisis(SECRETARIAT, "Import", states, date(2026, 11, 1)).aggregate.id
        content = a_sheet(import_crisis, rows)
        baseline = timed(lambda: direct(concord, baseline_crisis, rows))
        preview = timed(lambda: import_file(concord, COORDINATOR, Kind.REQUESTS, content, commit=False))
        commit = timed(lambda: import_file(concord, COORDINATOR, Kind.REQUESTS, content, commit=True))
        again = timed(lambda: import_file(concord, COORDINATOR, Kind.REQUESTS, content, commit=True))
    finally:
        concord.close()
    return {"baseline": baseline, "preview": preview, "commit": commit, "again": again}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    backend: AbstractContextManager[Backend] = (
        sqlite_backend() if args.backend == "sqlite" else postgres_backend()
    )
    with backend as chosen:
        seconds = run(chosen, args.rows)
    base = seconds["baseline"]
    print(f"{args.rows:,} rows on {args.backend}")
    print(f"  baseline: {args.rows:,} post_request calls   {base:7.2f} s  {args.rows / base:8.0f} rows/s")
    for step in ("preview", "commit", "again"):
        took = seconds[step]
        print(f"  {step:<8}: the upload   {took:7.2f} s  {args.rows / took:8.0f} rows/s  x{took / base:.2f}")
    verdict = "under" if seconds["commit"] < 60 else "OVER"
    print(f"  the commit took {verdict} a minute")


if __name__ == "__main__":
    main()
