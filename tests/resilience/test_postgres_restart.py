"""PostgreSQL stopped under load: 503 with Retry-After meanwhile, and recovery without a restart.

The database is a throwaway cluster of this module's own (never the shared server).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import httpx

from domain.access import Role
from domain.codes import MemberState
from services.coordination import Concord
from services.identity.tokens import DevSigner
from services.infrastructure.storage import storage_for
from services.migrate import migrate
from services.settings import Settings
from tests.conftest import fixed_today
from tests.e2e.test_served import environment, free_port, running, wait_until_serving
from tests.resilience.cluster import ThrowawayCluster
from tests.resilience.history import SECRETARIAT
from tests.resilience.load import (
    GRAPHQL_RESPONSE,
    CommandLoad,
    retry_until_acknowledged,
    titles_in_the_event_store,
    titles_in_the_read_model,
)

COUNT = "query { requests { totalCount } }"


def query(base: str, token: str, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{base}/graphql",
        json={"query": COUNT},
        headers={"Accept": GRAPHQL_RESPONSE, "Authorization": f"Bearer {token}", **headers},
        timeout=30,
    )


def test_postgres_down_gives_503_and_concord_recovers_by_itself(
    throwaway_cluster: ThrowawayCluster, tmp_path: Path
) -> None:
    settings = Settings(database_url=throwaway_cluster.create_database("restart"), data_dir=tmp_path)
    migrate(storage_for(settings))
    with Concord(storage_for(settings).event_store_env, today=fixed_today) as concord:
        opened = concord.open_crisis(SECRETARIAT, "Marawi", [MemberState.PHL], date(2026, 11, 1))
    crisis = opened.aggregate.id
    signer = DevSigner(tmp_path, settings.auth_audience)
    coordinator = signer.issue(subject="maria", role=Role.COORDINATOR, member_state=MemberState.PHL)
    viewer = signer.issue(subject="viewer", role=Role.VIEWER)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = environment(settings, CONCORD_PORT=str(port), CONCORD_PROJECTION_POLL_INTERVAL="0.2")
    load = CommandLoad([base], coordinator, str(crisis), threads=3)

    with running(["serve"], env, tmp_path / "serve.log") as server:
        wait_until_serving(base, server, tmp_path / "serve.log")
        load.start()
        assert load.wait_for_acknowledgements(10, timeout=30)

        throwaway_cluster.stop("fast")
        stopped_at = time.monotonic()
        while_down = query(base, viewer)
        query_refused_in = time.monotonic() - stopped_at
        deadline = stopped_at + 30
        while not any(answer.status == 503 for _, answer in load.refused):
            assert time.monotonic() < deadline, "no command was refused while the database was down"
            time.sleep(0.05)
        refused_after = time.monotonic() - stopped_at
        throwaway_cluster.start()
        started_at = time.monotonic()

        acknowledged_before = len(load.acknowledged)
        assert load.wait_for_acknowledgements(acknowledged_before + 1, timeout=40), (
            "commands did not recover after the database came back"
        )
        recovered_after = time.monotonic() - started_at
        assert load.wait_for_acknowledgements(acknowledged_before + 10, timeout=40)
        load.stop()
        retry_until_acknowledged(load, base, load.unacknowledged())
        last = max(answer.position or 0 for answer in load.acknowledged.values())
        caught_up = query(base, viewer, **{"Concord-Consistent-With": str(last)})

    with Concord(storage_for(settings).event_store_env) as concord:
        in_store = titles_in_the_event_store(concord)
    in_read_model = titles_in_the_read_model(settings)
    acknowledged = {f"load {key}" for key in load.acknowledged}
    refusals = [answer for _, answer in load.refused if answer.status is not None]

    assert while_down.status_code == 503, while_down.text
    assert while_down.headers["retry-after"].isdigit()
    assert while_down.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert {(a.status, a.code) for a in refusals} == {(503, "SERVICE_UNAVAILABLE")}, refusals
    assert all(a.retry_after and a.retry_after.isdigit() for a in refusals)
    assert caught_up.status_code == 200, caught_up.text
    assert set(in_store) == acknowledged
    assert set(in_store.values()) == {1}
    assert in_read_model == in_store
    print(  # timings for the record (docs/performance.md, Method)
        f"query refused {query_refused_in:.2f} s after the stop; commands in flight refused after "
        f"{refused_after:.2f} s; first acknowledgement {recovered_after:.2f} s after the start"
    )
