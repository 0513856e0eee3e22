"""kill -9 of the API under a load of commands: after a restart every acknowledged command is in
the event store and the read models exactly once, and a retry with its key returns the same result.
"""

from __future__ import annotations

import os
import signal
from datetime import date
from pathlib import Path

from domain.access import Role
from domain.codes import MemberState
from services.coordination import Concord
from services.identity.tokens import DevSigner
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.conftest import fixed_today
from tests.e2e.test_served import environment, free_port, running, wait_until_serving
from tests.resilience.history import SECRETARIAT
from tests.resilience.load import (
    CommandLoad,
    post_request,
    request_ids_in_the_read_model,
    retry_until_acknowledged,
    titles_in_the_event_store,
)
from tests.resilience.test_postgres_restart import query


def test_acknowledged_commands_survive_kill_9_exactly_once(settings: Settings, tmp_path: Path) -> None:
    with Concord(storage_for(settings).event_store_env, today=fixed_today) as concord:
        opened = concord.open_crisis(SECRETARIAT, "Marawi", [MemberState.PHL], date(2026, 11, 1))
    crisis = str(opened.aggregate.id)
    signer = DevSigner(settings.data_dir, settings.auth_audience)
    coordinator = signer.issue(subject="maria", role=Role.COORDINATOR, member_state=MemberState.PHL)
    viewer = signer.issue(subject="viewer", role=Role.VIEWER)
    first_port, second_port = free_port(), free_port()
    first_base, second_base = f"http://127.0.0.1:{first_port}", f"http://127.0.0.1:{second_port}"
    load = CommandLoad([first_base], coordinator, crisis, threads=4)

    with running(["serve"], environment(settings, CONCORD_PORT=str(first_port)), tmp_path / "1.log") as api:
        wait_until_serving(first_base, api, tmp_path / "1.log")
        load.start()
        assert load.wait_for_acknowledgements(20, timeout=60)
        os.kill(api.pid, signal.SIGKILL)
        api.wait(10)
        load.stop()
    acknowledged_before_the_kill = dict(load.acknowledged)

    env = environment(settings, CONCORD_PORT=str(second_port))
    with running(["serve"], env, tmp_path / "2.log") as api:
        wait_until_serving(second_base, api, tmp_path / "2.log")
        retried = {
            key: post_request(second_base, coordinator, crisis, key) for key in acknowledged_before_the_kill
        }
        retry_until_acknowledged(load, second_base, load.unacknowledged())
        last = max(answer.position or 0 for answer in load.acknowledged.values())
        caught_up = query(second_base, viewer, **{"Concord-Consistent-With": str(last)})
        read_model = request_ids_in_the_read_model(settings)

    with Concord(storage_for(settings).event_store_env) as concord:
        in_store = titles_in_the_event_store(concord)

    assert caught_up.status_code == 200, caught_up.text
    assert caught_up.json()["data"]["requests"]["totalCount"] == len(load.acknowledged)
    assert {key: answer.request_id for key, answer in retried.items()} == {
        key: answer.request_id for key, answer in acknowledged_before_the_kill.items()
    }
    assert set(in_store) == {f"load {key}" for key in load.acknowledged}
    assert set(in_store.values()) == {1}
    assert sorted(read_model) == sorted(answer.request_id or "" for answer in load.acknowledged.values())
