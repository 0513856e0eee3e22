"""Where the API process's CPU goes, by part, from py-spy's collapsed stacks (``-f raw``).

A sample belongs to the part of its innermost frame that belongs to one (py-spy names files
relative to their ``sys.path`` entry): time in ``logging`` called by a command counts as logging,
a command called by the metrics' wrapper as the command.

    python -m bench.profile_parts FILE
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("logging", ("logging/", "infrastructure/logs.py", "log_writer.py")),
    ("metrics", ("prometheus_client", "api/metrics.py")),
    ("projections", ("projections/", "sqlalchemy", "asyncpg")),
    ("writer (group commit)", ("group_commit.py",)),
    ("thread hand-offs", ("concurrent/futures", "threading.py", "asyncio/threads.py", "deadlines.py")),
    (
        "command (domain, eventsourcing)",
        ("services/commands/", "domain/", "eventsourcing", "psycopg", "coordination.py", "idempotency.py"),
    ),
    (
        "GraphQL",
        (
            "strawberry",
            "graphql/",
            "services/api/schema/",
            "graphql_core_internals",
            "api/compiled.py",
            "api/persisted.py",
        ),
    ),
    (
        "HTTP (uvicorn, Starlette, FastAPI, endpoint)",
        ("uvicorn", "starlette", "fastapi", "services/api/", "h11", "httptools"),
    ),
    ("event loop (asyncio)", ("asyncio/", "selectors")),
]
OTHER = "other"
#: Parts a sample belongs to when any of its frames does, whatever its innermost frame: a read
#: model's query made while answering (postRequest's possibleDuplicates), SQLAlchemy and asyncpg
#: under it included. (SQLAlchemy's statements that run in a greenlet of their own show no caller:
#: those count under projections.)
THROUGH = [("read-model queries in answers", ("/queries.py",))]


def part_of(stack: str) -> str:
    frames = stack.split(";")
    for name, needles in THROUGH:
        if any(needle in frame for frame in frames for needle in needles):
            return name
    for frame in reversed(frames):
        for name, needles in PARTS:
            if any(needle in frame for needle in needles):
                return name
    return OTHER


def parts(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            counts[part_of(stack)] += int(count)
    return counts


def summary(path: Path) -> str:
    counts = parts(path.read_text(errors="replace"))
    total = sum(counts.values()) or 1
    lines = [f"  py-spy samples by part ({total} samples, {path}):"]
    lines += [f"    {name:46} {count / total:6.1%}" for name, count in counts.most_common()]
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(Path(sys.argv[1])))
