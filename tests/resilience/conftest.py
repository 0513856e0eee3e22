"""Resilience tests: each is bounded in time and selectable with ``-m fault``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_POSTGRES
from tests.resilience.cluster import ThrowawayCluster, postgres_bin

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.fault)
            # Under pytest-xdist (`--dist loadgroup`) they run one after another on one worker: they
            # stop databases and kill processes, and their time bounds assume the others are not doing so.
            item.add_marker(pytest.mark.xdist_group("fault"))


@pytest.fixture(scope="module")
def throwaway_cluster() -> Iterator[ThrowawayCluster]:
    """A PostgreSQL cluster of this module's own, which its tests may stop and start."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        message = "no PostgreSQL server binaries (initdb, pg_ctl) to start a throwaway cluster"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    cluster = ThrowawayCluster(bin_dir)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()
