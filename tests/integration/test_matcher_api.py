"""The matcher over GraphQL: suggestions with their explanation, a fair round and its record."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain.access import Role
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving

REGISTER = (
    "mutation($i: RegisterOrganisationInput!) { registerOrganisation(input: $i) { organisation { id } } }"
)
POST_OFFER = "mutation($i: PostOfferInput!) { postOffer(input: $i) { position offer { id } } }"
SUGGEST = """query($id: ID!, $x: Boolean) {
  matchSuggestions(requestId: $id, first: 5, includeExcluded: $x) {
    offerId score quantity excludedBy terms { name value weight contribution note } offer { id } } }"""
ROUND = """mutation($i: RunAllocationRoundInput!) { runAllocationRound(input: $i) { position round {
  id method needCount offerCount
  objective { minStateCoverage weightedCoverage stateCoverage { memberState coverage } }
  greedyObjective { minStateCoverage }
  proposedMatches { matchId requestId offerId quantity } } } }"""
ONE_ROUND = """query($id: ID!) { allocationRound(id: $id) {
  id readPosition reproduced parameters { name value }
  proposedMatches { quantity match { status quantity } } } }"""
ACCEPT = "mutation($i: AcceptMatchInput!) { acceptMatch(input: $i) { position match { status } } }"


class World:
    def __init__(self, client: Client, donor_org: str) -> None:
        self.client = client
        self.donor = client.bearer(Role.DONOR, org=uuid.UUID(donor_org))

    async def offer(
        self, quantity: str, serves: list[str], as_: dict[str, str] | None = None
    ) -> tuple[str, int]:
        values = {
            "crisisId": self.client.crisis_id, "sector": "SHL", "item": "SHL-TARP", "quantity": quantity,
            "unit": "piece", "availableFrom": "2026-11-20", "availableUntil": "2027-03-31",
            "serves": serves, "deliveryMode": "IN_KIND",
        }  # fmt: skip
        data = await self.client.data(POST_OFFER, {"i": values}, as_=as_ or self.donor)
        return data["postOffer"]["offer"]["id"], data["postOffer"]["position"]

    async def request(self, state: str, quantity: str, priority: int) -> tuple[str, int]:
        admin = {"PHL": "PH15", "TLS": "TL01", "THA": "TH15"}[state]
        posted = await self.client.post(
            memberState=state, adminCode=admin, quantity=quantity, priority=priority
        )
        return posted["request"]["id"], posted["position"]


@pytest.fixture
async def world(settings: Settings, signer: DevSigner) -> AsyncIterator[World]:
    async for client in serving(settings, signer):
        registered = await client.data(REGISTER, {"i": {"name": "Japan Platform", "type": "NGO"}})
        yield World(client, registered["registerOrganisation"]["organisation"]["id"])


def _codes(body: dict[str, Any]) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors", [])}


async def test_suggestions_rank_compatible_offers_and_explain_the_excluded(world: World) -> None:
    client = world.client
    request_id, _ = await world.request("PHL", "100", 4)
    near, _ = await world.offer("60", ["PHL"], as_=client.coordinator("PHL"))
    elsewhere, at = await world.offer("500", ["THA"])

    data = await client.data(SUGGEST, {"id": request_id}, as_=client.coordinator("PHL"), after=at)
    everything = await client.data(SUGGEST, {"id": request_id, "x": True}, after=at)

    [only] = data["matchSuggestions"]
    assert (only["offerId"], only["quantity"], only["excludedBy"]) == (near, "60", [])
    terms = {t["name"]: t for t in only["terms"]}
    assert terms["coverage"]["value"] == pytest.approx(0.6)
    assert terms["proximity"]["note"] == "offered from within the requesting state"
    assert only["offer"] == {"id": near}
    assert [s["offerId"] for s in everything["matchSuggestions"]] == [near, elsewhere]
    assert everything["matchSuggestions"][1]["excludedBy"] == ["STATE"]
    assert everything["matchSuggestions"][1]["score"] == 0


async def test_an_offer_matched_in_full_elsewhere_is_suggested_only_among_the_excluded(world: World) -> None:
    client = world.client
    request_id, _ = await world.request("PHL", "100", 4)
    other_id, _ = await world.request("PHL", "40", 3)
    spent, _ = await world.offer("40", ["PHL"])
    left, _ = await world.offer("30", ["PHL"])
    propose = "mutation($i: ProposeMatchInput!) { proposeMatch(input: $i) { position } }"
    proposed = await client.data(propose, {"i": {"requestId": other_id, "offerId": spent, "quantity": "40"}})
    at = proposed["proposeMatch"]["position"]

    fitting = await client.data(SUGGEST, {"id": request_id}, as_=client.coordinator("PHL"), after=at)
    everything = await client.data(SUGGEST, {"id": request_id, "x": True}, after=at)

    assert [(s["offerId"], s["excludedBy"]) for s in fitting["matchSuggestions"]] == [(left, [])]
    assert [(s["offerId"], s["excludedBy"]) for s in everything["matchSuggestions"]] == [
        (left, []),
        (spent, ["EXHAUSTED"]),
    ]


async def test_a_coordinator_asks_for_its_own_state_and_a_donor_sees_its_own_offers(world: World) -> None:
    client = world.client
    request_id, _ = await world.request("PHL", "100", 4)
    await world.offer("60", ["PHL"], as_=client.coordinator("PHL"))
    mine, at = await world.offer("30", ["PHL"])

    foreign = (await client.send(SUGGEST, {"id": request_id}, as_=client.coordinator("THA"), after=at)).json()
    viewer = (await client.send(SUGGEST, {"id": request_id}, as_=client.bearer(Role.VIEWER), after=at)).json()
    donor = await client.data(SUGGEST, {"id": request_id}, as_=world.donor, after=at)

    assert _codes(foreign) == {"FORBIDDEN"}
    assert _codes(viewer) == {"FORBIDDEN"}
    assert [s["offerId"] for s in donor["matchSuggestions"]] == [mine]


async def test_a_round_lifts_the_state_greedy_starves_and_its_record_reads_back(world: World) -> None:
    client = world.client
    phl, _ = await world.request("PHL", "100", 5)
    tls, _ = await world.request("TLS", "10", 3)
    _, at = await world.offer("10", ["PHL", "TLS"])

    refused = (await client.send(ROUND, {"i": {}}, as_=client.coordinator("PHL"), after=at)).json()
    ran = (await client.data(ROUND, {"i": {"crisisId": client.crisis_id}}, after=at))["runAllocationRound"]

    assert _codes(refused) == {"FORBIDDEN"}
    held = ran["round"]
    assert (held["needCount"], held["offerCount"]) == (2, 1)
    assert held["greedyObjective"]["minStateCoverage"] == 0
    assert held["objective"]["minStateCoverage"] == pytest.approx(0.09)
    given = {p["requestId"]: p["quantity"] for p in held["proposedMatches"]}
    assert given == {phl: "9", tls: "1"}

    record = (await client.data(ONE_ROUND, {"id": held["id"]}, after=ran["position"]))["allocationRound"]
    assert record["id"] == held["id"]
    assert record["reproduced"] is True
    assert {p["name"] for p in record["parameters"]} >= {"deprivation_rate", "tie_break"}
    assert sorted(p["match"]["status"] for p in record["proposedMatches"]) == ["PROPOSED", "PROPOSED"]

    to_tls = next(p["matchId"] for p in held["proposedMatches"] if p["requestId"] == tls)
    accepted = await client.data(ACCEPT, {"i": {"id": to_tls}}, as_=client.coordinator("TLS"))
    assert accepted["acceptMatch"]["match"]["status"] == "ACCEPTED"

    again = (await client.data(ROUND, {"i": {}}, after=accepted["acceptMatch"]["position"]))[
        "runAllocationRound"
    ]
    assert again["round"]["proposedMatches"] == []  # the offer is all proposed already


async def test_an_unknown_round_is_not_found(world: World) -> None:
    body = (await world.client.send(ONE_ROUND, {"id": str(uuid.uuid4())})).json()
    assert _codes(body) == {"NOT_FOUND"}


LIST = """query($crisis: [ID!], $first: Int, $after: String) {
  allocationRounds(crisis: $crisis, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id crisisId ranBy needCount offerCount proposalCount skippedCount
                   objective { minStateCoverage } greedyObjective { minStateCoverage } } } } }"""


async def test_past_rounds_are_listed_newest_first_a_page_at_a_time_for_the_secretariat(world: World) -> None:
    client = world.client
    await world.request("PHL", "100", 5)
    await world.request("TLS", "10", 3)
    _, at = await world.offer("10", ["PHL", "TLS"])
    ids = []
    for crisis in (client.crisis_id, None, client.crisis_id):
        ran = (await client.data(ROUND, {"i": {"crisisId": crisis}}, after=at))["runAllocationRound"]
        ids.append(ran["round"]["id"])
        at = ran["position"]

    first = (await client.data(LIST, {"first": 2}, after=at))["allocationRounds"]
    cursor = first["pageInfo"]["endCursor"]
    rest = (await client.data(LIST, {"first": 2, "after": cursor}))["allocationRounds"]
    of_crisis = (await client.data(LIST, {"crisis": [client.crisis_id]}))["allocationRounds"]
    coordinator = (await client.send(LIST, {}, as_=client.coordinator("PHL"))).json()
    bad_cursor = (await client.send(LIST, {"after": "not-a-cursor"})).json()

    assert [e["node"]["id"] for e in first["edges"] + rest["edges"]] == ids[::-1]
    assert (first["totalCount"], first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (
        3,
        True,
        False,
    )
    assert [e["node"]["id"] for e in of_crisis["edges"]] == [ids[2], ids[0]]
    oldest = rest["edges"][0]["node"]
    assert (oldest["crisisId"], oldest["needCount"], oldest["offerCount"]) == (client.crisis_id, 2, 1)
    assert (oldest["proposalCount"], oldest["skippedCount"]) == (2, 0)
    assert oldest["objective"]["minStateCoverage"] == pytest.approx(0.09)
    assert oldest["greedyObjective"]["minStateCoverage"] == 0
    assert first["edges"][0]["node"]["proposalCount"] == 0  # the offer was all proposed by then
    assert _codes(coordinator) == {"FORBIDDEN"}
    assert _codes(bad_cursor) == {"BAD_USER_INPUT"}
