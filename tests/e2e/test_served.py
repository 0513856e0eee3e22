"""Concord as a user runs it: `concord migrate`, `concord serve`, `concord project`, over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.settings import Settings
from tests.factories import served_request_input

CONCORD = str(Path(sys.executable).with_name("concord"))
OPEN_CRISIS = "mutation($i: OpenCrisisInput!) { openCrisis(input: $i) { crisis { id } } }"
POST = "mutation($i: PostRequestInput!) { postRequest(input: $i) { position request { id } } }"
LIST = (
    "query($s: [MemberState!]) { requests(filter: {memberState: $s}) { totalCount edges { node { id } } } }"
)


def today() -> date:
    """The served Concord's today (UTC), read when a step runs, never once at import: a run that
    crosses midnight would otherwise send yesterday as a departure the server finds in the past."""
    return datetime.now(UTC).date()


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")}
    if settings.database_url:
        env["CONCORD_DATABASE_URL"] = settings.database_url
    env["CONCORD_DATA_DIR"] = str(settings.data_dir)
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen([CONCORD, *args], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_serving(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    # A ceiling against a hung start, not a speed target: a loaded CI machine may take a while.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"concord serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"concord serve did not start: {log.read_text()[-2000:]}")


def cli_token(env: dict[str, str], *args: str) -> str:
    """A token from `concord token`, as a user of the embedded default gets one."""
    done = subprocess.run([CONCORD, "token", *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def graphql(base: str, query: str, variables: dict[str, Any], token: str, **headers: str) -> Any:
    response = httpx.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables},
        headers={
            "Accept": "application/graphql-response+json",
            "Authorization": f"Bearer {token}",
            **headers,
        },
        timeout=15,
    )
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body
    return body["data"]


def post_then_read(base: str, env: dict[str, str]) -> None:
    coordinator = cli_token(env, "--role", "coordinator", "--state", "KHM")
    viewer = cli_token(env, "--role", "viewer")
    secretariat = cli_token(env, "--role", "secretariat")
    opened = graphql(
        base,
        OPEN_CRISIS,
        {"i": {"name": "Cambodia floods", "affectedStates": ["KHM"], "startDate": "2026-11-01"}},
        secretariat,
    )
    crisis = opened["openCrisis"]["crisis"]["id"]
    variables = {"i": served_request_input(crisisId=crisis, memberState="KHM", adminCode="KH12")}
    posted = graphql(base, POST, variables, coordinator)
    position = posted["postRequest"]["position"]

    read = graphql(base, LIST, {"s": ["KHM"]}, viewer, **{"Concord-Consistent-With": str(position)})

    assert read["requests"]["totalCount"] == 1
    assert read["requests"]["edges"][0]["node"]["id"] == posted["postRequest"]["request"]["id"]


def test_serve_then_post_and_read_your_write(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    env = environment(settings, CONCORD_PORT=str(port))
    subprocess.run([CONCORD, "migrate"], env=env, check=True, capture_output=True)
    log = tmp_path / "serve.log"

    with running(["serve"], env, log) as server:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(base, server, log)
        post_then_read(base, env)
        anonymous = httpx.post(f"{base}/graphql", json={"query": "{ me { role } }"}, timeout=5)

    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_projections_in_their_own_process_and_a_rebuild(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    env = environment(
        settings,
        CONCORD_PORT=str(port),
        CONCORD_PROJECTIONS="external",
        CONCORD_PROJECTION_POLL_INTERVAL="0.1",
    )
    base = f"http://127.0.0.1:{port}"

    with (
        running(["serve"], env, tmp_path / "serve.log") as server,
        running(["project"], env, tmp_path / "project.log"),
    ):
        wait_until_serving(base, server, tmp_path / "serve.log")
        post_then_read(base, env)
        post_then_read_again = graphql(base, LIST, {"s": ["KHM"]}, cli_token(env, "--role", "viewer"))

    rebuilt = subprocess.run(
        [CONCORD, "rebuild", "assistance_requests"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    refused = subprocess.run(  # noqa: PLW1510 - the exit code is what is checked
        [CONCORD, "rebuild", "nothing"], env=env, capture_output=True, text=True
    )

    assert post_then_read_again["requests"]["totalCount"] == 1
    assert "rebuilt assistance_requests from 2 events" in rebuilt.stdout  # the crisis, the request
    assert refused.returncode == 2
    assert "unknown projection" in refused.stderr


def test_an_api_key_works_until_it_is_revoked(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    env = environment(settings, CONCORD_PORT=str(port))
    created = subprocess.run(
        [CONCORD, "apikey", "create", "--name", "THA feed", "--role", "coordinator", "--state", "THA"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    account, key = (line.split()[-1] for line in created.stdout.strip().splitlines())
    base = f"http://127.0.0.1:{port}"

    with running(["serve"], env, tmp_path / "serve.log") as server:
        wait_until_serving(base, server, tmp_path / "serve.log")
        me = httpx.post(
            f"{base}/graphql",
            json={"query": "{ me { role memberState } }"},
            headers={"X-API-Key": key},
            timeout=5,
        )
        subprocess.run([CONCORD, "apikey", "revoke", account], env=env, check=True, capture_output=True)
        after = httpx.post(
            f"{base}/graphql",
            json={"query": "{ me { role } }"},
            headers={"Authorization": f"Bearer {key}"},
            timeout=5,
        )

    assert me.json() == {"data": {"me": {"role": "COORDINATOR", "memberState": "THA"}}}
    assert after.status_code == 401
