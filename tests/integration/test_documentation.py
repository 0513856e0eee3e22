"""Every example of the README and docs/ runs as written, against a served Concord holding the demo:
shell examples (curl, the ``concord`` command) in bash, GraphQL examples over HTTP (subscriptions
over WebSocket) as the principal they name. Placeholders such as ``<crisis id>`` are filled from the
demo; ``http://127.0.0.1:8000`` is the served Concord's address. Examples marked ``no-run`` are not
run here (tests/unit/test_documentation_references.py checks that each says why)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
import websockets
from typer.testing import CliRunner

from domain.access import Role
from domain.codes import MemberState
from services.cli import app as cli
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.conftest import PostgresServer
from tests.documentation import PLACEHOLDER, Example, all_examples
from tests.e2e.test_served import CONCORD, environment, free_port, running, wait_until_serving

LOCAL = "http://127.0.0.1:8000"
RUN = [example for example in all_examples() if example.runs]
# `concord token …` as the guides write it, to the end of its command substitution, comment or line.
TOKEN_COMMAND = re.compile(r"(?:\.venv/bin/)?concord token\b([^)#;|&\n]*)")
# How each placeholder a guide may use is found in the demo, as the secretariat.
FOUND: dict[str, tuple[str, Callable[[Any], str]]] = {
    "crisis id": (
        "{ crises { id name } }",
        lambda d: next(c["id"] for c in d["crises"] if c["name"] == "Marawi conflict recovery"),
    ),
    "request id": (
        "{ requests(filter: {memberState: [PHL]}, first: 1, orderBy: PRIORITY) { edges { node { id } } } }",
        lambda d: d["requests"]["edges"][0]["node"]["id"],
    ),
    "offer id": (
        "{ offers(first: 1) { edges { node { id } } } }",
        lambda d: d["offers"]["edges"][0]["node"]["id"],
    ),
    "match id": (
        "{ matches(first: 1) { edges { node { id } } } }",
        lambda d: d["matches"]["edges"][0]["node"]["id"],
    ),
    "organisation id": (
        "{ organisations(first: 1) { edges { node { id } } } }",
        lambda d: d["organisations"]["edges"][0]["node"]["id"],
    ),
    "fund id": ("{ funds { id } }", lambda d: d["funds"][0]["id"]),
    "safe haven id": ("{ safeHavens(memberState: [PHL]) { id } }", lambda d: d["safeHavens"][0]["id"]),
    "project id": (
        "{ projects(first: 1) { edges { node { id } } } }",
        lambda d: d["projects"]["edges"][0]["node"]["id"],
    ),
    "movement id": ("{ movements { id } }", lambda d: d["movements"][0]["id"]),
}


@dataclass
class Site:
    """A served Concord with the demo, as a reader of the guides has after `make run`."""

    base: str
    env: dict[str, str]
    workdir: Path
    signer: DevSigner
    postgres: bool
    found: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)

    def token(self, principal: str = "secretariat") -> str:
        role, _, scope = principal.partition(":")
        state = MemberState(scope) if role == "coordinator" else None
        organisation = UUID(self.placeholder("organisation id")) if role == "donor" else None
        return self.signer.issue(
            subject=f"docs-{principal}", role=Role(role), member_state=state, organisation_id=organisation
        )

    def cli_token(self, args: str) -> str | None:
        """What ``concord token ARGS`` prints, run in this process through the command's own code
        (its options parsed by the same typer app), once per site and arguments: a process per
        example costs a second and more of CPU to start. None if the command refuses: then the
        example runs it as written."""
        if args not in self.tokens:
            done = CliRunner().invoke(cli, ["token", *shlex.split(args)], env=self.env)
            self.tokens[args] = done.stdout.strip() if done.exit_code == 0 else None
        return self.tokens[args]

    def placeholder(self, name: str) -> str:
        if name not in self.found:
            assert name in FOUND, f"no way to fill <{name}>: add it to FOUND"
            query, pick = FOUND[name]
            self.found[name] = pick(self.graphql(query, self.token()))
        return self.found[name]

    def fill(self, text: str) -> str:
        text = PLACEHOLDER.sub(lambda m: self.placeholder(m.group(1)), text)
        return text.replace(LOCAL, self.base)

    def graphql(self, query: str, token: str) -> Any:
        response = httpx.post(
            f"{self.base}/graphql",
            json={"query": query},
            headers={"Authorization": f"Bearer {token}", "Accept": "application/graphql-response+json"},
            timeout=30,
        )
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body
        return body["data"]


# One served demo per back end, each for all the examples on one pytest-xdist worker (`--dist
# loadgroup`); the two back ends are two groups, so that two workers serve them at once.
SITES = [
    pytest.param("sqlite", marks=pytest.mark.xdist_group("documentation-sqlite")),
    pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.xdist_group("documentation-postgres")]),
]


@pytest.fixture(scope="module", params=SITES)
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    here = tmp_path_factory.mktemp(f"documentation-{request.param}")
    database_url = None
    if request.param == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        database_url = server.new_database()
    settings = Settings(data_dir=here / "var", database_url=database_url)
    port = free_port()
    bin_dir = Path(sys.executable).parent
    env = environment(settings, CONCORD_PORT=str(port), PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    workdir = here / "work"
    workdir.mkdir()
    (workdir / ".venv").symlink_to(bin_dir.parent)  # the guides say .venv/bin/concord, from the checkout
    for step in (["migrate"], ["demo", "--scale", "0.05"]):
        subprocess.run([CONCORD, *step], env=env, check=True, capture_output=True)
    log = here / "serve.log"
    with running(["serve"], env, log) as server_process:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(base, server_process, log)
        served = Site(
            base, env, workdir, DevSigner(settings.data_dir, settings.auth_audience), database_url is not None
        )
        wait_until_caught_up(served)
        yield served


def wait_until_caught_up(site: Site) -> None:
    """Until every projection has applied the demo: a read consistent with the log's head."""
    token = site.token()
    head = httpx.get(f"{site.base}/events?limit=1", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    for _ in range(60):  # each read waits CONCORD_CONSISTENCY_TIMEOUT at most: a ceiling, not a target
        response = httpx.post(
            f"{site.base}/graphql",
            json={"query": "{ me { role } }"},
            headers={"Authorization": f"Bearer {token}", "Concord-Consistent-With": str(head.json()["head"])},
            timeout=30,
        )
        if "errors" not in response.json():
            return
    pytest.fail("the projections did not catch up with the demo")


def refusal(printed: str) -> str | None:
    """The error code of a GraphQL or problem-details answer, if the output is one."""
    try:
        body = json.loads(printed)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    if body.get("errors"):
        return str(body["errors"][0].get("extensions", {}).get("code", "NO CODE"))
    if isinstance(body.get("status"), int) and body["status"] >= 400:
        return str(body.get("code", body["status"]))
    return None


def issued_in_process(script: str, site: Site) -> str:
    """The script with each ``concord token …`` replaced by an echo of the token it prints."""

    def issued(command: re.Match[str]) -> str:
        token = site.cli_token(command.group(1))
        return command.group(0) if token is None else f"echo {shlex.quote(token)} "

    return TOKEN_COMMAND.sub(issued, script)


def run_shell(example: Example, site: Site, *, tokens_in_process: bool = True) -> None:
    script = site.fill(example.text)
    if tokens_in_process:
        script = issued_in_process(script, site)
    expected = example.options.get("expect")
    if expected is None:  # an HTTP error fails the example, as a reader would notice
        script = 'curl() { command curl --fail-with-body "$@"; }\n' + script
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=site.workdir,
        env=site.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    shown = f"{example.name}\n{script}\nstdout: {done.stdout[-3000:]}\nstderr: {done.stderr[-3000:]}"

    assert done.returncode == 0, shown
    assert refusal(done.stdout) == expected, shown


def run_graphql(example: Example, site: Site) -> None:
    document = site.fill(example.text)
    token = site.token(example.options.get("as") or "secretariat")
    if document.lstrip().startswith("subscription"):
        first = asyncio.run(subscribe(site.base, document, token))
        assert "errors" not in first, (example.name, first)
        return
    response = httpx.post(
        f"{site.base}/graphql",
        json={"query": document},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/graphql-response+json"},
        timeout=30,
    )
    body = response.json()

    assert response.status_code == 200, (example.name, body)
    assert "errors" not in body, (example.name, body)


async def subscribe(base: str, document: str, token: str) -> dict[str, Any]:
    """The first result of a subscription, over graphql-transport-ws as the guides describe it."""
    url = base.replace("http", "ws", 1) + "/graphql"
    async with websockets.connect(
        url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
    ) as socket:
        await socket.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert json.loads(await asyncio.wait_for(socket.recv(), 30))["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": document}}))
        message = json.loads(await asyncio.wait_for(socket.recv(), 30))
        assert message["type"] == "next", message
        return dict(message["payload"])


@pytest.mark.parametrize("example", RUN, ids=lambda e: e.name)
def test_the_example_runs_as_written(example: Example, site: Site) -> None:
    if "postgres" in example.options and not site.postgres:
        pytest.skip("a PostgreSQL example: it runs against the PostgreSQL site")
    if example.language == "sh":
        run_shell(example, site)
    else:
        run_graphql(example, site)


def test_a_guide_s_concord_token_runs_as_a_process(site: Site) -> None:
    """The other examples' tokens are issued in-process; this one runs ``concord token`` as a
    reader does, in a process of its own, and uses its token."""
    example = next(e for e in RUN if e.language == "sh" and "$(.venv/bin/concord token" in e.text)

    run_shell(example, site, tokens_in_process=False)
