"""Snapshots in the real event stores: written to the table the migrations made, and read back
(by another Concord, as after a restart) equal to the replay of every event, at every version."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from domain.access import Role
from domain.errors import InvalidInput
from domain.funds import AllocationBalance, FundWindow, StabilityFund
from domain.pledges import DestinationKind
from services.coordination import Command
from services.identity.access import Principal
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.conftest import fixed_today
from tests.snapshot_scenarios import (
    ACTOR,
    SCENARIOS,
    Scenario,
    Snappy,
    assert_snapshots_agree,
    live,
    replayed,
    v1_fund_snapshot,
)

SECRETARIAT = Command(Principal("officer@asean.org", Role.SECRETARIAT))


@pytest.fixture
def apps(settings: Settings) -> Iterator[tuple[Snappy, Snappy]]:
    """One Concord that writes, and another that has never seen the aggregates."""
    env = storage_for(settings).event_store_env
    writer, reader = Snappy(env, today=fixed_today), Snappy(env, today=fixed_today)
    try:
        yield writer, reader
    finally:
        writer.close()
        reader.close()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_snapshots_read_back_from_the_store_equal_the_replay_of_all_events(
    apps: tuple[Snappy, Snappy], scenario: Scenario
) -> None:
    writer, reader = apps

    @hypothesis_settings(max_examples=4, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def check(data: Any) -> None:
        aggregate_id = live(writer, scenario, data, saves=data.draw(st.integers(3, 10)))
        assert_snapshots_agree(reader, aggregate_id)

    check()


def test_snapshots_are_rows_of_the_table_the_migrations_made(
    settings: Settings, apps: tuple[Snappy, Snappy]
) -> None:
    writer, _ = apps
    fund = StabilityFund.open("ASEAN Stability Fund", actor=ACTOR)
    for _ in range(6):
        fund.receive(uuid4(), uuid4(), Decimal(1), actor=ACTOR)
    writer.save(fund)
    query = "SELECT originator_version FROM {} WHERE originator_id = {}"
    storage = storage_for(settings)
    if storage.is_postgres:
        with psycopg.connect(storage.migration_url.replace("+psycopg", "")) as conn:
            rows = conn.execute(query.format("concord_snapshots", "%s"), (fund.id,)).fetchall()  # type: ignore[arg-type]
    else:
        assert storage.sqlite_path is not None
        with sqlite3.connect(storage.sqlite_path) as conn:
            rows = conn.execute(query.format("stored_snapshots", "?"), (fund.id.hex,)).fetchall()
    assert sorted(version for (version,) in rows) == [3, 6]


def test_a_fund_snapshot_written_before_v2_is_read_by_another_concord_and_commands_carry_on(
    apps: tuple[Snappy, Snappy],
) -> None:
    writer, reader = apps
    fund = StabilityFund.open("ASEAN Stability Fund", actor=ACTOR)
    fund.receive(uuid4(), uuid4(), Decimal(1000), actor=ACTOR)
    roofs, school = (
        fund.allocate(FundWindow.RESERVE, DestinationKind.REQUEST, uuid4(), Decimal(usd), "why", actor=ACTOR)
        for usd in ("300", "200")
    )
    fund.disburse(roofs, Decimal(300), actor=ACTOR)
    fund.disburse(school, Decimal(50), actor=ACTOR)
    fund.receive(uuid4(), uuid4(), Decimal(1), actor=ACTOR)
    writer.save(fund)  # version 7: v2 snapshots at 3 and 6, and now the old kind at 7
    assert writer.snapshots is not None
    writer.snapshots.put([v1_fund_snapshot(writer, fund.id)])

    read = reader.get_fund(fund.id)
    assert (read.version, read.allocated, read.disbursed, read.balance) == (
        7, Decimal(500), Decimal(350), Decimal(501),
    )  # fmt: skip
    assert read.open_allocations == {school: AllocationBalance(Decimal(200), Decimal(50))}
    reader.disburse(SECRETARIAT, fund.id, school, Decimal(150))
    with pytest.raises(InvalidInput, match="fully disbursed"):
        reader.disburse(SECRETARIAT, fund.id, school, Decimal(1))
    for version in (7, 8):
        assert vars(reader.repository.get(fund.id, version=version)) == vars(
            replayed(reader, fund.id, version)
        )
