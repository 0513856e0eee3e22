"""The psycopg-pool internals services/infrastructure/psycopg_pool_internals.py relies on are still
there and still behave as it was written for: an upgrade of psycopg-pool fails here first."""

from __future__ import annotations

from importlib.metadata import version
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
from eventsourcing.postgres import PostgresDatastore
from psycopg_pool import ConnectionPool

from services.infrastructure.deadlines import DatabaseTimeout, within
from services.infrastructure.psycopg_pool_internals import (
    WRITTEN_FOR,
    bound_waits,
    check_quickly,
    use_quick_checks,
)
from tests.conftest import POSTGRES_ADMIN_URL, REQUIRE_POSTGRES

RECHECK = (
    "services/infrastructure/psycopg_pool_internals.py was written for another psycopg-pool: "
    "compare it with the new release as its docstring says, then move WRITTEN_FOR on"
)


def _eventsourcings_pool() -> SimpleNamespace:
    """What the functions are given: a recorder's datastore, with the pool eventsourcing makes
    (not opened: nothing connects until a connection is asked for)."""
    return SimpleNamespace(datastore=PostgresDatastore("concord", "127.0.0.1", 1, "postgres", ""))


def test_the_installed_psycopg_pool_is_the_one_the_module_follows() -> None:
    assert {name: version(name) for name in WRITTEN_FOR} == WRITTEN_FOR, RECHECK


def test_the_pool_keeps_the_check_it_was_given_where_the_quick_check_replaces_it() -> None:
    recorder = _eventsourcings_pool()
    pool = recorder.datastore.pool
    assert isinstance(pool, ConnectionPool)
    assert pool._check is None  # eventsourcing's pre_ping is off: no check given

    use_quick_checks(recorder)

    assert pool._check is check_quickly


def test_a_connection_is_taken_through_the_getconn_the_bound_replaces() -> None:
    """With the caller's deadline past, asking for a connection ends at once with DatabaseTimeout,
    before the pool (closed here) is even looked at."""
    recorder = _eventsourcings_pool()
    bound_waits(recorder)

    with pytest.raises(DatabaseTimeout), within(0), recorder.datastore.pool.connection():
        pass


@pytest.fixture
def server() -> str:
    try:
        psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}")
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}")
    return POSTGRES_ADMIN_URL


@pytest.mark.postgres
def test_every_connection_handed_out_has_been_through_the_check_kept_there(server: str) -> None:
    checked: list[Any] = []

    def check(conn: psycopg.Connection[Any]) -> None:
        checked.append(conn)
        check_quickly(conn)

    with ConnectionPool(server, min_size=1, max_size=1, open=True) as pool:
        pool._check = check
        for _ in range(3):
            with pool.connection() as conn:
                handed_out = conn

    assert checked == [handed_out] * 3
