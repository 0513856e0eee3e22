"""Named mutations answer the same through their compiled plans as through the general path.

The same commands, in the same order, are sent to two servers on fresh databases: to one as the
named operations' exact text (the compiled path), to the other as unknown documents (the same text
and a comment: the general path). Their answers, status, headers and bodies, are compared with the
ids and times each database chose named by the order they first appear: successes, idempotent
retries, a key reused with another input, a variable refused, the policy's refusals and domain
errors, and a read after the command in the payload (``possibleDuplicates``).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from domain.access import Role
from domain.codes import MemberState
from services.api.dashboard import operations_dir
from services.api.persisted import document_id
from services.api.schema.context import Context
from services.identity.access import Principal
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import GRAPHQL_RESPONSE, Client, serving
from tests.conftest import PostgresServer, migrated_sqlite

_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?")
#: Headers that are the same for the same answer (not the correlation id, nor the length of ids).
_HEADERS = ("content-type", "retry-after", "www-authenticate")

Send = Callable[[str, dict[str, Any], dict[str, str]], Awaitable[Any]]


def named(name: str) -> str:
    return (operations_dir() / f"{name}.graphql").read_text(encoding="utf-8")


@pytest.fixture
def other_settings(settings: Settings, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """A second fresh database on the same back end."""
    if settings.database_url is None or settings.database_url.startswith("sqlite"):
        migrated_sqlite(tmp_path / "other")
        return settings.model_copy(update={"data_dir": tmp_path / "other"})
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return settings.model_copy(update={"database_url": server.new_database(), "data_dir": tmp_path / "other"})


@pytest.fixture
async def compiled_client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for client in serving(settings, signer):
        yield client


@pytest.fixture
async def general_client(other_settings: Settings) -> AsyncIterator[Client]:
    signer = DevSigner(other_settings.data_dir, other_settings.auth_audience)
    async for client in serving(other_settings, signer):
        yield client


class Names:
    """Each id and time a database chose, named by the order it first appeared in its answers."""

    def __init__(self) -> None:
        self.seen: dict[bytes, bytes] = {}

    def __call__(self, body: bytes) -> bytes:
        def name(kind: bytes) -> Callable[[re.Match[bytes]], bytes]:
            def named_as(match: re.Match[bytes]) -> bytes:
                return self.seen.setdefault(match.group(0), kind + str(len(self.seen)).encode())

            return named_as

        return _TIME.sub(name(b"time-"), _UUID.sub(name(b"id-"), body))


async def scenario(client: Client, general: bool) -> list[tuple[str, int, dict[str, str], bytes]]:
    """The commands, each sent as its named operation's text (or, ``general``, as another text)."""
    names = Names()
    answers = []

    # Each command waits for the read models to reach the last one's position, so that the
    # payload's read of possible duplicates sees the same requests on both servers.
    reached: dict[str, str] = {}

    async def send(label: str, operation: str, variables: Any, as_: dict[str, str], **headers: str) -> Any:
        text = named(operation) + ("\n# the general path" if general else "")
        response = await client.http.post(
            "/graphql",
            json={"query": text, "variables": variables, "operationName": operation},
            headers={"Accept": GRAPHQL_RESPONSE, **as_, **reached, **headers},
        )
        kept = {k: response.headers[k] for k in _HEADERS if k in response.headers}
        answers.append((label, response.status_code, kept, names(response.content)))
        body = response.json()
        for payload in (body.get("data") or {}).values():
            reached["Concord-Consistent-With"] = str(payload["position"])
        return body

    coordinator = client.coordinator("PHL")
    first = await send("post", "PostRequest", {"input": client.request_input()}, coordinator)
    request_id = first["data"]["postRequest"]["request"]["id"]
    again = client.request_input(title="Tarpaulins again")
    keyed = {"Idempotency-Key": "k-1"}
    await send("a duplicate, keyed", "PostRequest", {"input": again}, coordinator, **keyed)
    await send("the same key again", "PostRequest", {"input": again}, coordinator, **keyed)
    await send(
        "the key, another input", "PostRequest", {"input": client.request_input()}, coordinator, **keyed
    )
    in_input = client.request_input(idempotencyKey="k-2", priority=5)
    await send("a key in the input", "PostRequest", {"input": in_input}, coordinator)
    await send("its retry", "PostRequest", {"input": in_input}, coordinator)
    await send("a bad enum", "PostRequest", {"input": client.request_input(sector="NOPE")}, coordinator)
    await send("no input", "PostRequest", {}, coordinator)
    await send("a viewer", "PostRequest", {"input": client.request_input()}, client.bearer(Role.VIEWER))
    await send("another state", "PostRequest", {"input": client.request_input()}, client.coordinator("IDN"))
    unknown = {**client.request_input(), "crisisId": "5b0a3f1c-0000-4000-8000-000000000000"}
    await send("an unknown crisis", "PostRequest", {"input": unknown}, coordinator)
    await send(
        "a bad id", "PostRequest", {"input": {**client.request_input(), "crisisId": "no"}}, coordinator
    )
    await send(
        "a past date", "PostRequest", {"input": client.request_input(neededBy="2001-01-01")}, coordinator
    )
    await send("bad priority", "PostRequest", {"input": client.request_input(priority=9)}, coordinator)
    await send("no token", "PostRequest", {"input": client.request_input()}, {})
    amend = {"input": {"id": request_id, "title": "Tarpaulins, heavy", "quantity": "12"}}
    await send("amend", "AmendRequest", amend, coordinator)
    await send("amend by a viewer", "AmendRequest", amend, client.bearer(Role.VIEWER))
    missing = {"input": {"id": "5b0a3f1c-0000-4000-8000-000000000001", "title": "x"}}
    await send("amend what is not there", "AmendRequest", missing, coordinator)
    cancel = {"input": {"id": request_id, "reason": "met locally"}}
    await send("cancel", "CancelRequest", cancel, coordinator)
    await send("cancel again", "CancelRequest", cancel, coordinator)
    await send("amend the cancelled", "AmendRequest", amend, coordinator)
    return answers


async def test_named_mutations_answer_the_same_compiled_and_general(
    compiled_client: Client, general_client: Client
) -> None:
    compiled = await scenario(compiled_client, general=False)
    general = await scenario(general_client, general=True)
    assert [a[0] for a in compiled] == [a[0] for a in general]
    differing = [(c, g) for c, g in zip(compiled, general, strict=True) if c != g]
    assert differing == []
    bodies = {label: body for label, _, _, body in compiled}
    assert b'"errors"' not in bodies["post"]
    assert b'"possibleDuplicates":[{' in bodies["a duplicate, keyed"]
    assert b"IDEMPOTENCY_KEY_REUSED" in bodies["the key, another input"]
    assert b"FORBIDDEN" in bodies["a viewer"]
    assert b'"errors"' in bodies["cancel again"]


async def test_the_plan_answers_postrequest_itself(compiled_client: Client) -> None:
    """Not a replay through graphql-core: the plan completes the payload, duplicates included."""
    app = compiled_client.http._transport.app  # type: ignore[attr-defined]
    text = named("PostRequest")
    plan = app.state.graphql_endpoint.persisted.compiled(text, "PostRequest")
    assert plan is not None
    assert plan.mutation
    principal = Principal(subject="test", role=Role.COORDINATOR, member_state=MemberState.PHL)
    context = Context(runtime=app.state.runtime, principal=principal, correlation_id="test")
    for _ in range(2):
        result = await plan.run_mutation(context, {"input": compiled_client.request_input()})
        assert result is not None
        assert result.errors is None
        payload = result.data["postRequest"]
        assert payload["request"]["title"]
        assert isinstance(payload["possibleDuplicates"], list)
    replayed = await plan.run_mutation(context, {"input": compiled_client.request_input(priority=9)})
    assert replayed is not None
    assert replayed.data is None
    assert replayed.errors


async def test_a_named_mutation_by_its_hash_is_recorded_and_by_get_refused(compiled_client: Client) -> None:
    text = named("PostRequest")
    headers = {"Accept": GRAPHQL_RESPONSE, **compiled_client.coordinator("PHL")}
    variables = {"input": compiled_client.request_input(title="By its hash")}
    by_hash = await compiled_client.http.post(
        "/graphql", json={"documentId": document_id(text), "variables": variables}, headers=headers
    )
    assert by_hash.status_code == 200
    assert by_hash.json()["data"]["postRequest"]["request"]["title"] == "By its hash"
    by_get = await compiled_client.http.get(
        "/graphql", params={"query": text, "variables": json.dumps(variables)}, headers=headers
    )
    assert by_get.status_code == 405
    count = await compiled_client.data(
        "{ requests(first: 1) { totalCount } }", after=by_hash.json()["data"]["postRequest"]["position"]
    )
    assert count["requests"]["totalCount"] == 1
