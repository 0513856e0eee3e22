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
    "save()/s 16 thr",
    "HTTP c=16 / save() 16 thr",
    "HTTP c=1 / save() 1 thr",
    "cmd ms p50/p99 c=1",
    "cmd ms p50/p99 c=16",
    "RYW ms p50/p99",
    "no-header ms p50/p99",
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
    ratios = result.get("ratios", {})
    return [
        name,
        _num(c1.get("commands_per_s")),
        _num(c16.get("commands_per_s")),
        _num(s1.get("saves_per_s")),
        _num(s16.get("saves_per_s")),
        _num(ratios.get("http_c16_over_save_16_threads"), 2),
        _num(ratios.get("http_c1_over_save_1_thread"), 2),
        _pair(c1.get("latency")),
        _pair(c16.get("latency")),
        _pair(ryw.get("consistent_with")),
        _pair(ryw.get("without_header")),
    ]


def table(results: dict[str, dict[str, Any]]) -> str:
    rows = [COLUMNS] + [_row(name, result) for name, result in results.items()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]

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
