"""``python -m bench.commands``: only the command goals, in alternating rounds, optionally A/B.

Each round serves ``concord serve`` (this tree, then with ``--against DIR`` the tree of another
commit, e.g. ``git archive HEAD~1 | tar -x -C /tmp/before``; ``--against-workers 2``: this tree with two API
processes; ``--also general``: this tree sent the same text made unknown, the general path), drives
``postRequest`` with wrk at c=16 (the workbench's named operation unless ``--document`` says) and
takes the server's CPU per command from /proc. Then, with the servers stopped and on the same
database, eventsourcing's ``save()`` with 8 threads and the same command in-process with 16
threads: the baselines of the issue's goals (cmd/s ÷ ``save()``; server CPU a command ÷ the
in-process command's; p99). ``--profile FILE`` adds one run of this tree under py-spy (collapsed
stacks to FILE, a summary by part printed by ``bench.profile_parts``); it is not timed.

    python -m bench.commands --backend postgresql [--rounds 3] [--seconds 10] [--against DIR]
                             [--workers N] [--against-workers N] [--profile FILE]
                             [--document named|general|minimal] [--also general|minimal]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import statistics
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import baseline, http_load, profile_parts, wrk
from bench.backends import Backend, postgres_backend, sqlite_backend
from bench.server import Server, migrate, running_server, tree_cpu_seconds
from domain.access import Role
from domain.codes import MemberState
from services.identity.tokens import DevSigner


def serve_argv(tree: Path | None) -> list[str] | None:
    """``concord serve`` from this tree (None: the installed command) or from another checkout."""
    if tree is None:
        return None
    start = f"import sys; sys.path.insert(0, {str(tree.resolve())!r}); from services.cli import main; main()"
    return [sys.executable, "-c", start, "serve"]


@contextlib.contextmanager
def _server(backend: Backend, tree: Path | None) -> Iterator[Server]:
    with running_server(backend, serve_argv(tree)) as server:
        signer = DevSigner(backend.data_dir, "concord")
        coordinator = signer.issue(
            subject="bench-coordinator", role=Role.COORDINATOR, member_state=MemberState.PHL
        )
        http_load.HEADERS["authorization"] = f"Bearer {coordinator}"
        secretariat = signer.issue(subject="bench-secretariat", role=Role.SECRETARIAT)
        http_load.use_crisis(http_load.open_crisis(server.base_url, secretariat))
        yield server


def one_level(
    backend: Backend, tree: Path | None, seconds: int, concurrency: int, document: str = "named"
) -> dict[str, Any]:
    http_load.use_document(document)
    with _server(backend, tree) as server:
        pid = server.process.pid
        return asyncio.run(
            wrk.command_level(server.base_url, seconds, concurrency, lambda: tree_cpu_seconds(pid), 2)
        )


def _for(server: Server, seconds: int) -> list[str]:
    return ["-p", str(server.process.pid), "-d", str(seconds + 1)]


def profiled(backend: Backend, seconds: int, out: Path, document: str = "named") -> None:
    """One wrk run of this tree's server under py-spy; collapsed stacks written to ``out``."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    http_load.use_document(document)
    with _server(backend, None) as server:
        record = subprocess.Popen(
            [spy, "record", "--gil", "-r", "200", "-f", "raw", "-o", str(out), *_for(server, seconds)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        asyncio.run(wrk.command_level(server.base_url, seconds, 16))
        record.wait(timeout=60)


def _say(text: str) -> None:
    print(text, flush=True)


def _median(levels: list[dict[str, Any]], key: str) -> float:
    return statistics.median(level[key] for level in levels)


def run(backend: Backend, args: argparse.Namespace) -> dict[str, Any]:
    migrate(backend)
    document = args.document
    variants: dict[str, tuple[Path | None, int, str]] = {"this tree": (None, args.workers, document)}
    if args.against:
        variants[f"against {args.against}"] = (Path(args.against), args.workers, document)
    if args.against_workers:
        variants[f"this tree, {args.against_workers} API processes"] = (None, args.against_workers, document)
    for other in args.also:
        variants[f"this tree, the {other} document"] = (None, args.workers, other)
    levels: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
    for round_ in range(1, args.rounds + 1):
        for name, (tree, workers, sent) in variants.items():
            served = Backend(backend.name, backend.data_dir, backend.database_url, workers)
            level = one_level(served, tree, args.seconds, args.concurrency, sent)
            levels[name].append(level)
            _say(
                f"  round {round_} {name}: {level['commands_per_s']:.0f} cmd/s, p50/p99 "
                f"{level['latency']['p50_ms']:.1f}/{level['latency']['p99_ms']:.1f} ms, server "
                f"{level['server_cpu_ms_per_command']:.2f} ms CPU a command, {level['errors']} errors"
            )
    if args.profile:
        profiled(backend, args.seconds, Path(args.profile), document)
        _say(profile_parts.summary(Path(args.profile)))
    save = baseline.save_rates(backend, {8: args.saves8}, warmup=20)["8"]
    direct = baseline.command_rate(backend, args.saves8, threads=16)
    _say(
        f"  save() 8 threads: {save['saves_per_s']:.0f}/s; post_request in-process 16 threads: "
        f"{direct['commands_per_s']:.0f}/s, {direct['cpu_ms_per_command']:.2f} ms CPU each"
    )
    for name, runs in levels.items():
        if not runs:
            continue
        per_s, cpu = _median(runs, "commands_per_s"), _median(runs, "server_cpu_ms_per_command")
        p99 = statistics.median(level["latency"]["p99_ms"] for level in runs)
        _say(
            f"  {name} (median of {len(runs)}): {per_s / save['saves_per_s']:.2f}x save() [goal >= 1.0, "
            f"SQLite 0.5], CPU {cpu / direct['cpu_ms_per_command']:.2f}x in-process [<= 1.3], "
            f"p99 {p99:.1f} ms [< 50]"
        )
    return {"levels": levels, "save_8": save, "in_process": direct}


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.commands",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10, help="wrk seconds a round")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="API processes (PostgreSQL only)")
    parser.add_argument("--against", help="another checkout's root, served in alternate rounds")
    parser.add_argument(
        "--against-workers",
        type=int,
        default=0,
        help="also this tree with N API processes, in alternate rounds",
    )
    parser.add_argument(
        "--document",
        choices=http_load.DOCUMENTS,
        default="named",
        help="postRequest as the workbench's named operation (the compiled plan), that text made "
        "unknown (the general path), or a short ad-hoc mutation (general path)",
    )
    parser.add_argument(
        "--also",
        action="append",
        default=[],
        choices=http_load.DOCUMENTS,
        help="also this tree sending this document, in alternate rounds (repeatable)",
    )
    parser.add_argument("--saves8", type=int, default=2000)
    parser.add_argument("--profile", help="collapsed py-spy stacks of one extra run of this tree")
    parser.add_argument("--postgres-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    make = (
        (lambda: postgres_backend(args.postgres_admin_url))
        if args.backend == "postgresql"
        else sqlite_backend
    )
    with make() as backend:
        run(backend, args)


if __name__ == "__main__":
    main()
