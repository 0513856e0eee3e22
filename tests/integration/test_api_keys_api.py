"""API keys over GraphQL on SQLite and PostgreSQL: a signed-in person issues a key that acts as they
do and sees its secret once; the key is never wider than its issuer; its issuer and the secretariat
list and revoke it, and a revoked key no longer authenticates. No event, row or log line holds the
secret."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from sqlalchemy import select

from domain.access import Role
from projections.api_keys import projector as projection
from projections.api_keys.tables import api_keys
from services.coordination import Concord
from services.identity.access import Principal
from services.identity.policy import Scope
from services.identity.service_accounts import ServiceAccount
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving

ISSUE = """mutation($i: IssueApiKeyInput!) { issueApiKey(input: $i) {
  secret position apiKey { id name role memberState organisationId keyHint mine } } }"""
REVOKE = "mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { position apiKey { id revokedAt } } }"
KEYS = """query($revoked: Boolean! = false) { apiKeys(includeRevoked: $revoked) {
  totalCount edges { node { id name keyHint issuedBy revokedAt mine } } } }"""
ME = "{ me { role memberState organisationId } }"
REGISTER = (
    "mutation($i: RegisterOrganisationInput!) { registerOrganisation(input: $i) { organisation { id } } }"
)


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


def runtime(client: Client) -> Any:
    return client.http._transport.app.state.runtime  # type: ignore[attr-defined]


def codes(body: dict[str, Any]) -> set[str]:
    return {error.get("extensions", {}).get("code") for error in body.get("errors", [])}


async def as_key(client: Client, key: str, query: str = ME) -> Any:
    return await client.http.post("/graphql", json={"query": query}, headers={"X-API-Key": key})


async def organisation(client: Client, name: str) -> uuid.UUID:
    data = await client.data(REGISTER, {"i": {"name": name, "type": "NGO"}})
    return uuid.UUID(data["registerOrganisation"]["organisation"]["id"])


def test_the_read_model_names_the_service_accounts_events_by_their_topics() -> None:
    assert get_topic(ServiceAccount.Issued) == projection.ISSUED
    assert get_topic(ServiceAccount.Revoked) == projection.REVOKED


async def test_a_coordinator_issues_a_key_that_acts_as_they_do_and_sees_its_secret_once(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    maria = client.coordinator("PHL")
    headers = {**maria, "Idempotency-Key": "issue-feed-1"}
    first = await client.data(ISSUE, {"i": {"name": "PHL logistics feed"}}, as_=headers)
    again = await client.data(ISSUE, {"i": {"name": "PHL logistics feed"}}, as_=headers)
    issued = first["issueApiKey"]
    secret = issued["secret"]
    acting = (await as_key(client, secret)).json()
    listed = await client.data(KEYS, after=issued["position"], as_=maria)
    stored = await asyncio.to_thread(
        lambda: b"".join(n.state for n in runtime(client).concord.recorder.select_notifications(1, 1000))
    )
    async with runtime(client).read_engine.connect() as conn:
        rows = [tuple(row) for row in await conn.execute(select(api_keys))]

    assert secret.startswith("concord_")
    assert issued["apiKey"] == {
        "id": issued["apiKey"]["id"],
        "name": "PHL logistics feed",
        "role": "COORDINATOR",
        "memberState": "PHL",
        "organisationId": None,
        "keyHint": f"concord_…{secret[-4:]}",
        "mine": True,
    }
    assert acting == {"data": {"me": {"role": "COORDINATOR", "memberState": "PHL", "organisationId": None}}}
    assert again["issueApiKey"]["apiKey"]["id"] == issued["apiKey"]["id"]
    assert again["issueApiKey"]["secret"] is None  # a retry's answer: the secret was never stored
    assert [edge["node"]["keyHint"] for edge in listed["apiKeys"]["edges"]] == [f"concord_…{secret[-4:]}"]
    assert secret.encode() not in stored
    assert len(rows) == 1
    assert all(secret not in str(value) for value in rows[0])
    assert all(secret not in record.getMessage() for record in caplog.records)
    assert all(secret not in str(vars(record)) for record in caplog.records)


async def test_a_key_is_never_wider_than_whoever_issues_it_and_nothing_is_stored_when_refused(
    client: Client,
) -> None:
    jica, other = await organisation(client, "JICA"), await organisation(client, "Mercy Relief")
    donor = client.bearer(Role.DONOR, org=jica)
    key = (await client.data(ISSUE, {"i": {"name": "JICA stock feed"}}, as_=donor))["issueApiKey"]["secret"]
    before = await asyncio.to_thread(runtime(client).concord.recorder.max_notification_id)
    refused = [
        await client.send(ISSUE, {"i": {"name": "theirs", "organisationId": str(other)}}, as_=donor),
        await client.send(ISSUE, {"i": {"name": "wider", "role": "SECRETARIAT"}}, as_=donor),
        await client.send(
            ISSUE, {"i": {"name": "Thai", "memberState": "THA"}}, as_=client.coordinator("PHL")
        ),
        await client.send(
            ISSUE, {"i": {"name": "in PHL", "memberState": "PHL"}}, as_=client.bearer(Role.VIEWER)
        ),
        await as_key(client, key, 'mutation { issueApiKey(input: {name: "a key\'s key"}) { secret } }'),
    ]
    after = await asyncio.to_thread(runtime(client).concord.recorder.max_notification_id)

    assert [codes(response.json()) for response in refused] == [{"FORBIDDEN"}] * 5
    assert "own organisation" in refused[0].json()["errors"][0]["message"]
    assert after == before


async def test_a_revoked_key_no_longer_authenticates_and_only_its_issuer_or_the_secretariat_revokes_it(
    client: Client,
) -> None:
    maria, jose = client.coordinator("PHL"), client.bearer(Role.COORDINATOR, "PHL", subject="jose@dswd")
    hers = (await client.data(ISSUE, {"i": {"name": "Maria's"}}, as_=maria))["issueApiKey"]
    his = (await client.data(ISSUE, {"i": {"name": "Jose's"}}, as_=jose))["issueApiKey"]
    seen_by_jose = await client.data(KEYS, after=his["position"], as_=jose)
    seen_by_secretariat = await client.data(KEYS, after=his["position"])
    taken = await client.send(REVOKE, {"i": {"id": hers["apiKey"]["id"]}}, as_=jose)

    revoked = (await client.data(REVOKE, {"i": {"id": hers["apiKey"]["id"]}}, as_=maria))["revokeApiKey"]
    refused_key = await as_key(client, hers["secret"])
    twice = await client.send(REVOKE, {"i": {"id": hers["apiKey"]["id"]}}, as_=maria)
    current = await client.data(KEYS, after=revoked["position"], as_=maria)
    with_revoked = await client.data(KEYS, {"revoked": True}, after=revoked["position"], as_=maria)
    by_secretariat = (await client.data(REVOKE, {"i": {"id": his["apiKey"]["id"]}}))["revokeApiKey"]
    his_key = await as_key(client, his["secret"])

    assert [edge["node"]["name"] for edge in seen_by_jose["apiKeys"]["edges"]] == ["Jose's"]
    assert [edge["node"]["name"] for edge in seen_by_secretariat["apiKeys"]["edges"]] == ["Jose's", "Maria's"]
    assert [edge["node"]["mine"] for edge in seen_by_secretariat["apiKeys"]["edges"]] == [False, False]
    assert codes(taken.json()) == {"FORBIDDEN"}
    assert revoked["apiKey"]["revokedAt"]
    assert refused_key.status_code == 401
    assert twice.json()["errors"][0]["extensions"]["reason"] == "INVALID_TRANSITION"
    assert current["apiKeys"]["totalCount"] == 0
    assert [edge["node"]["revokedAt"] is not None for edge in with_revoked["apiKeys"]["edges"]] == [True]
    assert by_secretariat["apiKey"]["revokedAt"]
    assert his_key.status_code == 401


async def test_keys_issued_before_their_class_moved_are_listed_from_their_released_topic(
    client: Client,
) -> None:
    # Given a key issued by the release that kept the service accounts in services.service_accounts,
    # its events stored under that module's topic (the log is read by stored topic)
    concord = runtime(client).concord
    scratch = Concord({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    issued = scratch.issue_api_key(
        Principal("operator", Role.SECRETARIAT).actor(Scope.ANY), name="released", role=Role.VIEWER
    )
    scratch.revoke_api_key(Principal("operator", Role.SECRETARIAT).actor(Scope.ANY), issued.account_id)
    written = scratch.recorder.select_events(issued.account_id)
    scratch.close()
    released = [
        StoredEvent(
            originator_id=event.originator_id,
            originator_version=event.originator_version,
            topic=event.topic.replace("services.identity.service_accounts", "services.service_accounts"),
            state=event.state.replace(b"services.identity.service_accounts", b"services.service_accounts"),
        )
        for event in written
    ]
    assert {event.topic for event in released} == projection.RELEASED_TOPICS
    await asyncio.to_thread(concord.recorder.insert_events, released)

    # When the log moves on past them
    after = await client.data(REGISTER, {"i": {"name": "After the move", "type": "NGO"}})
    assert after["registerOrganisation"]["organisation"]["id"]
    position = await asyncio.to_thread(concord.recorder.max_notification_id)

    # Then the read model holds the key, issued and revoked, as the events said
    listed = await client.data(KEYS, {"revoked": True}, after=position)
    [key] = [edge["node"] for edge in listed["apiKeys"]["edges"] if edge["node"]["name"] == "released"]
    assert key["id"] == str(issued.account_id)
    assert key["revokedAt"] is not None
