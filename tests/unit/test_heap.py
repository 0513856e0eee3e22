"""settle_heap: the start-up objects leave the collector's sight; young collections come less often."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import app as cli
from services.infrastructure.heap import YOUNG_GENERATION_THRESHOLD, collect_later, settle_heap


def test_settling_freezes_what_lives_and_raises_the_young_threshold() -> None:
    threshold = gc.get_threshold()
    long_lived = [object() for _ in range(10)], {"a": [1, 2]}
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
        assert not gc.is_finalized(long_lived)
        assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD
        assert gc.get_threshold()[1:] == threshold[1:]
        # What is made afterwards is still collected.
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_collection_waits_for_the_settling() -> None:
    threshold = gc.get_threshold()
    try:
        collect_later()
        assert not gc.isenabled()
        settle_heap()
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_a_serve_that_stops_before_starting_leaves_the_collector_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CONCORD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CONCORD_WORKERS", "2")  # several processes without PostgreSQL: refused
    monkeypatch.delenv("CONCORD_DATABASE_URL", raising=False)

    result = CliRunner().invoke(cli, ["serve"])

    assert result.exit_code == 2
    assert gc.isenabled()
