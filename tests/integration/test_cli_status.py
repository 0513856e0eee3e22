"""`concord status` and `concord rebuild` as an operator runs them, on each back end."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from domain.access import Role
from domain.codes import MemberState
from services.cli import app
from services.coordination import Command, Concord
from services.identity.access import Principal
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.conftest import fixed_today
from tests.factories import a_need


def environment(settings: Settings) -> dict[str, str]:
    env = {"CONCORD_DATA_DIR": str(settings.data_dir), "CONCORD_LOG_FORMAT": "text"}
    if settings.database_url:
        env["CONCORD_DATABASE_URL"] = settings.database_url
    return env


def table(output: str) -> dict[str, list[str]]:
    rows = [line.split(maxsplit=4) for line in output.splitlines()[1:]]
    return {row[0]: row[1:] for row in rows}


def test_status_shows_position_lag_and_state_and_rebuild_shows_progress(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    concord = Concord(storage_for(settings).event_store_env, today=fixed_today)
    secretariat = Command(Principal("officer@asean.org", Role.SECRETARIAT))
    coordinator = Command(Principal("maria@dswd.gov.ph", Role.COORDINATOR, MemberState.PHL))
    try:
        crisis = concord.open_crisis(secretariat, "Marawi", [MemberState.PHL], date(2026, 11, 1))
        posted = concord.post_request(coordinator, crisis.aggregate.id, MemberState.PHL, a_need())
    finally:
        concord.close()
    runner = CliRunner()
    env = environment(settings)

    before = runner.invoke(app, ["status"], env=env)
    rebuilt = runner.invoke(app, ["rebuild", "assistance_requests"], env=env)
    after = runner.invoke(app, ["status"], env=env)

    assert before.exit_code == 0, before.output
    head = str(posted.position)
    assert table(before.output)["assistance_requests"] == ["-", head, head, "never run"]
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"assistance_requests: position {head} of {head} (100 %)" in rebuilt.stderr
    assert table(after.output)["assistance_requests"] == [head, head, "0", "up to date"]
    assert table(after.output)["offers"] == ["-", head, head, "never run"]
