"""`me { permissions }`: what the caller's role may use, read from the policy table, so that the
workbench's navigation offers each role its pages and no other's."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.access import Role
from services.identity.policy import POLICY, PUBLIC
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving
from tests.conftest import migrated_sqlite

ME = "{ me { role permissions { operation scope } } }"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    settings = Settings(data_dir=tmp_path / "var")
    migrated_sqlite(settings.data_dir)
    async for running in serving(
        settings, DevSigner(settings.data_dir, settings.auth_audience), with_crisis=False
    ):
        yield running


async def permissions_of(client: Client, auth: dict[str, str]) -> dict[str, str]:
    me = (await client.data(ME, as_=auth))["me"]
    return {entry["operation"]: entry["scope"] for entry in me["permissions"]}


async def test_each_role_is_told_the_policy_entries_it_may_use_and_over_what(client: Client) -> None:
    coordinator = await permissions_of(client, client.coordinator("PHL"))
    donor = await permissions_of(client, client.bearer(Role.DONOR, org=uuid.uuid4()))
    secretariat = await permissions_of(client, client.bearer(Role.SECRETARIAT))
    viewer = await permissions_of(client, client.bearer(Role.VIEWER))

    assert coordinator["mutation.postRequest"] == "OWN_STATE"
    assert coordinator["mutation.postOffer"] == "OWN_STATE"  # a member state offers too
    assert coordinator["mutation.proposeMatch"] == "ANY"
    assert "mutation.makePledge" not in coordinator
    assert donor["mutation.makePledge"] == "OWN_ORGANISATION"
    assert donor["mutation.postOffer"] == "OWN_ORGANISATION"
    assert "mutation.postRequest" not in donor
    assert secretariat["mutation.openCrisis"] == "ANY"
    assert secretariat["query.matchSuggestions"] == "ANY"
    assert coordinator["query.matchSuggestions"] == "OWN_STATE"
    assert "mutation.openCrisis" not in coordinator
    # A viewer changes nothing but its own API keys, for its own integrations.
    assert [operation for operation in viewer if operation.startswith("mutation.")] == [
        "mutation.issueApiKey",
        "mutation.revokeApiKey",
    ]
    assert viewer["query.coverage"] == "ANY"
    # Exactly the table's entries for the role: nothing public, nothing of another role.
    for role, told in ((Role.COORDINATOR, coordinator), (Role.VIEWER, viewer)):
        expected = {op for op, rule in POLICY.items() if rule != PUBLIC and role in rule}
        assert set(told) == expected
