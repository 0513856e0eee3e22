"""Several API processes: each one's subscribers hear of events recorded through any other."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from websockets.sync.client import connect

from services.settings import Settings
from tests.e2e.dashboard_data import OPEN_CRISIS, POST
from tests.e2e.test_served import (
    CONCORD,
    cli_token,
    environment,
    free_port,
    graphql,
    running,
    wait_until_serving,
)
from tests.factories import served_request_input


def test_a_subscriber_of_one_api_process_hears_of_a_write_through_another(
    settings: Settings, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    env = environment(settings, CONCORD_PROJECTIONS="external", CONCORD_PROJECTION_POLL_INTERVAL="0.2")
    subprocess.run([CONCORD, "migrate"], env=env, check=True, capture_output=True)
    writer, reader = (f"http://127.0.0.1:{port}" for port in ports)

    with (
        running(["serve", "--port", str(ports[0])], env, tmp_path / "a.log") as a,
        running(["serve", "--port", str(ports[1])], env, tmp_path / "b.log") as b,
        running(["project"], env, tmp_path / "project.log"),
    ):
        wait_until_serving(writer, a, tmp_path / "a.log")
        wait_until_serving(reader, b, tmp_path / "b.log")
        with connect(
            f"ws://127.0.0.1:{ports[1]}/graphql", subprotocols=["graphql-transport-ws"], open_timeout=10
        ) as ws:
            ws.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"token": cli_token(env, "--role", "viewer")}}
                )
            )
            acknowledged = json.loads(ws.recv(timeout=10))
            ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": "subscription { changes { position } }"},
                    }
                )
            )
            json.loads(ws.recv(timeout=10))  # where the read models stand now
            crisis = graphql(
                writer,
                OPEN_CRISIS,
                {"i": {"name": "Floods", "affectedStates": ["KHM"], "startDate": "2026-11-01"}},
                cli_token(env, "--role", "secretariat"),
            )["openCrisis"]["crisis"]["id"]
            posted = graphql(
                writer,
                POST,
                {"i": served_request_input(crisisId=crisis, memberState="KHM", adminCode="KH12")},
                cli_token(env, "--role", "coordinator", "--state", "KHM"),
            )["postRequest"]
            heard = 0
            while heard < posted["position"]:
                heard = json.loads(ws.recv(timeout=30))["payload"]["data"]["changes"]["position"]

    assert acknowledged == {"type": "connection_ack"}
    assert heard >= posted["position"]
