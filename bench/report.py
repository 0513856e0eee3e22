"""The summary table and the JSON results file."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"

COLUMNS = [
    "back end",
    "HTTP cmd/s c=1",
    "HTTP cmd/s c=16",
    "save()/s 1 thr",
    "save()/s 8 thr",
    "save()/s 16 thr",
    "cmd ms p50/p99 c=1",
    "cmd ms p50/p99 c=16",
    "RYW ms p50/p99",
    "no-header ms p50/p99",
    "GraphQL page/s",
    "REST page/s",
    "server RSS MB",
]


def _num(value: float | None, digits: int = 0) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:,.{digits}f}"


def _pair(latency: dict[str, float] | None) -> str:
    if not latency:
        return "-"
    return f"{_num(latency['p50_ms'], 1)} / {_num(latency['p99_ms'], 1)}"


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator or math.isnan(numerator) or math.isnan(denominator):
        return None
    return numerator / denominator


def _row(name: str, result: dict[str, Any]) -> list[str]:
    if result.get("skipped"):
        return [name, *(["skipped"] + ["-"] * (len(COLUMNS) - 2))]
    http = result.get("http", {})
    save = result.get("save", {})
    ryw = result.get("read_your_writes", {})
    c1, c16 = http.get("c1", {}), http.get("c16", {})
    s1, s16 = save.get("1", {}), save.get("16", {})
    workers = http.get("workers", 1)
    return [
        name if workers == 1 else f"{name} ({workers} API processes)",
        _num(c1.get("commands_per_s")),
        _num(c16.get("commands_per_s")),
        _num(s1.get("saves_per_s")),
        _num(save.get("8", {}).get("saves_per_s")),
        _num(s16.get("saves_per_s")),
        _pair(c1.get("latency")),
        _pair(c16.get("latency")),
        _pair(ryw.get("consistent_with")),
        _pair(ryw.get("without_header")),
        _num(http.get("graphql_page", {}).get("per_s")),
        _num(http.get("rest_page", {}).get("per_s")),
        _num(http.get("server_rss_mb")),
    ]


# (what, key in a back end's ratios, numerator, baseline measured in the same run, goal)
COMMANDS = "http_c16_over_save_8_threads"
COMMANDS_ON_SQLITE = 0.5  # issue 20: the PostgreSQL goal's half, SQLite's one writer
CPU_OVER_IN_PROCESS = 1.3

GOAL_RATIOS = [
    (
        "commands through HTTP",
        "http_c16_over_save_8_threads",
        "HTTP postRequest cmd/s, c=16",
        "app.save()/s, 8 threads",
        1.0,
    ),
    (
        "dashboard reads",
        "graphql_page_over_rest_page",
        "GraphQL Requests(first: 100) req/s, c=16",
        "bare REST page req/s, c=16",
        1.0,  # issue 20 (was 0.5)
    ),
]
GOAL_COLUMNS = ["back end", "goal", "measured", "over baseline (same run)", "ratio", "wanted", "met"]


def goal_rows(name: str, result: dict[str, Any]) -> list[list[str]]:
    if result.get("skipped"):
        return [[name, "skipped", "-", "-", "-", "-", "-"]]
    rows = []
    ratios = result.get("ratios", {})
    for what, key, numerator, baseline, goal in GOAL_RATIOS:
        value = ratios.get(key)
        wanted = COMMANDS_ON_SQLITE if key == COMMANDS and name == "sqlite" else goal
        met = "-" if value is None else ("yes" if value >= wanted else "no")
        rows.append([name, what, numerator, baseline, _num(value, 2), f">= {wanted:g}", met])
    direct = ratios.get("commands_in_process_over_save_8_threads")
    if direct is not None:  # where a command's time goes: the same command without HTTP
        reference = [name, "(reference, no goal)", "post_request/s in-process, 16 threads"]
        rows.insert(1, [*reference, "app.save()/s, 8 threads", _num(direct, 2), "-", "-"])
    cpu = ratios.get("server_cpu_over_in_process_cpu")
    if cpu is not None and name == "postgresql":
        met = "yes" if cpu <= CPU_OVER_IN_PROCESS else "no"
        what = ["server CPU a command, c=16", "post_request's CPU in-process, 16 threads"]
        rows.insert(1, [name, "command CPU", *what, _num(cpu, 2), f"<= {CPU_OVER_IN_PROCESS:g}", met])
    p99 = result.get("http", {}).get("c16", {}).get("latency", {}).get("p99_ms")
    met = "-" if p99 is None else ("yes" if p99 < 50 else "no")
    rows.append([name, "command latency", "p99 ms, c=16", "(absolute)", _num(p99, 1), "< 50", met])
    p50 = result.get("read_your_writes", {}).get("consistent_with", {}).get("p50_ms")
    met = "-" if p50 is None else ("yes" if p50 < 10 else "no")
    rows.append([name, "read-your-writes", "wait p50 ms", "(absolute)", _num(p50, 1), "< 10", met])
    rows.extend([name, *extra] for extra in result.get("goals", []))
    return rows


def goals_table(results: dict[str, dict[str, Any]]) -> str:
    rows = [row for name, result in results.items() for row in goal_rows(name, result)]
    return _render(GOAL_COLUMNS, rows)


def table(results: dict[str, dict[str, Any]]) -> str:
    return _render(COLUMNS, [_row(name, result) for name, result in results.items()])


def _render(columns: list[str], body: list[list[str]]) -> str:
    rows = [columns, *body]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]

    def line(row: list[str]) -> str:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(cells)

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(rows[0]), rule, *(line(row) for row in rows[1:])])


def write_json(document: dict[str, Any], path: Path = RESULTS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=2, default=str, allow_nan=False)
    path.write_text(text + "\n")
    return path


def clean_nans(value: Any) -> Any:
    """JSON has no NaN: replace them by null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: clean_nans(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_nans(v) for v in value]
    return value


def matcher_table(matcher: dict[str, Any]) -> str:
    """The round against the greedy baseline, and suggestions against the bare read."""
    r, g = matcher["round"], matcher["suggestions"]
    rows = [
        ["measure", "matcher", "baseline", "ratio"],
        [
            f"round {r['needs']:,} x {r['offers']:,} ({r['pairs']:,} pairs), s",
            _num(r["solver_s"], 2),
            _num(r["greedy_s"], 2) + " greedy",
            _num(r["solver_over_greedy_time"], 2),
        ],
        [
            "weighted coverage",
            _num(r["solver"]["weighted"], 4),
            _num(r["greedy"]["weighted"], 4),
            _num(ratio(r["solver"]["weighted"], r["greedy"]["weighted"]), 3),
        ],
        [
            "lowest state coverage",
            _num(r["solver"]["min_state"], 4),
            _num(r["greedy"]["min_state"], 4),
            _num(ratio(r["solver"]["min_state"], r["greedy"]["min_state"]), 3),
        ],
        ["round peak memory, MiB", _num(r["peak_rss_mib"]), "-", "-"],
        [
            f"matchSuggestions p50 / p99 ms ({g['offers']:,} offers)",
            _pair(g["graphql"]),
            _pair(g["bare_read"]) + " bare read",
            _num(g["graphql_over_bare_read_p50"], 2),
        ],
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join([row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))])
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
