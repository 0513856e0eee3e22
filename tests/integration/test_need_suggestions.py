"""The needs an offering party's offers could serve, over GraphQL: ranked, explained, its own only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain.access import Role
from services.api.dashboard import operations_dir
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import serving
from tests.integration.test_matcher_api import REGISTER, World

SERVES = """query($offer: ID) { needSuggestions(first: 5, offerId: $offer) {
  requestId offerId score quantity terms { name value weight contribution note }
  request { title memberState } offer { id } } }"""


@pytest.fixture
async def world(settings: Settings, signer: DevSigner) -> AsyncIterator[World]:
    async for client in serving(settings, signer):
        registered = await client.data(REGISTER, {"i": {"name": "Japan Platform", "type": "NGO"}})
        yield World(client, registered["registerOrganisation"]["organisation"]["id"])


def _codes(body: dict[str, Any]) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors", [])}


async def test_a_donor_sees_the_needs_its_offers_could_serve_most_pressing_first(world: World) -> None:
    client = world.client
    pressing, _ = await world.request("PHL", "100", 5)
    later, _ = await world.request("TLS", "40", 2)
    await world.request("THA", "100", 5)  # the donor's offer does not serve Thailand
    await world.offer("500", ["THA"], as_=client.coordinator("THA"))  # not the donor's
    mine, at = await world.offer("60", ["PHL", "TLS"])

    served = (await client.data(SERVES, {}, as_=world.donor, after=at))["needSuggestions"]

    assert [line["requestId"] for line in served] == [pressing, later]
    assert [line["offerId"] for line in served] == [mine, mine]
    assert [line["quantity"] for line in served] == ["60", "40"]
    assert served[0]["score"] > served[1]["score"]
    terms = {t["name"]: t for t in served[0]["terms"]}
    assert terms["priority"]["note"] == "priority 5 of 5"
    assert terms["coverage"]["value"] == pytest.approx(0.6)
    assert terms["coverage"]["contribution"] == pytest.approx(0.6 * 0.6)
    assert served[0]["request"]["memberState"] == "PHL"
    assert served[0]["offer"] == {"id": mine}


async def test_only_the_offering_party_asks_and_only_about_its_own_offers(world: World) -> None:
    client = world.client
    wanted, _ = await world.request("PHL", "100", 4)
    theirs, _ = await world.offer("30", ["PHL"], as_=client.coordinator("TLS"))
    _, at = await world.offer("60", ["PHL"])

    state = (await client.data(SERVES, {}, as_=client.coordinator("TLS"), after=at))["needSuggestions"]
    foreign = (await client.send(SERVES, {"offer": theirs}, as_=world.donor, after=at)).json()
    unknown = (await client.send(SERVES, {"offer": str(uuid.uuid4())}, as_=world.donor, after=at)).json()
    viewer = (await client.send(SERVES, {}, as_=client.bearer(Role.VIEWER), after=at)).json()
    secretariat = (await client.send(SERVES, {}, after=at)).json()

    assert [(line["requestId"], line["offerId"]) for line in state] == [(wanted, theirs)]
    assert _codes(foreign) == {"FORBIDDEN"}
    assert _codes(unknown) == {"NOT_FOUND"}
    assert _codes(viewer) == {"FORBIDDEN"}
    assert _codes(secretariat) == {"FORBIDDEN"}


async def test_the_could_serve_page_is_answered_by_its_compiled_plan_as_by_the_general_path(
    world: World,
) -> None:
    """The resolver reads the needs' and offers' rows itself, so no field below it awaits and the
    page's named operation keeps its plan; the same text with a newline is unknown, and takes the
    general path."""
    client = world.client
    await world.request("PHL", "100", 5)
    await world.request("TLS", "40", 2)
    _, at = await world.offer("60", ["PHL", "TLS"])
    text = (operations_dir() / "NeedSuggestions.graphql").read_text(encoding="utf-8")

    compiled = await client.data(text, {"first": 50}, as_=world.donor, after=at)
    general = await client.data(text + "\n", {"first": 50}, as_=world.donor, after=at)

    endpoint = client.http._transport.app.state.graphql_endpoint  # type: ignore[attr-defined]
    plan = endpoint.persisted.compiled(text, "NeedSuggestions")
    assert plan is not None
    assert len(compiled["needSuggestions"]) == 2
    assert compiled == general
