"""The assistance lifecycle over GraphQL, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event

from domain.access import Role
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving

REGISTER = (
    "mutation($i: RegisterOrganisationInput!) { registerOrganisation(input: $i) { organisation { id } } }"
)
POST_OFFER = """mutation($i: PostOfferInput!) {
  postOffer(input: $i) { position offer { id quantity allocated remaining status organisationId } } }"""
PROPOSE = (
    "mutation($i: ProposeMatchInput!) { proposeMatch(input: $i) { position match { id status quantity } } }"
)
STEP = """mutation {name}($i: {input}!) {{
  {field}(input: $i) {{ position match {{ id status dispatched received }} }} }}"""
REQUEST = """query($id: ID!) { request(id: $id) {
  quantity committed inTransit delivered gap status
  crisis { name phase }
  commitments { matchId quantity organisationId offeringState dispatched delivered received } } }"""
COVERAGE = """query($c: ID) { coverage(crisis: $c, groupBy: [STATE, SECTOR]) {
  memberState sector requests requested committed delivered gap } }"""


def step(field: str, input_type: str = "MatchStepInput") -> str:
    return STEP.format(name=field[0].upper() + field[1:], input=input_type, field=field)


class Parties:
    def __init__(self, client: Client, donor_org: str) -> None:
        self.client = client
        self.donor_org = donor_org
        self.donor = client.bearer(Role.DONOR, org=uuid.UUID(donor_org), subject="kenji@japanplatform.org")
        self.phl = client.coordinator("PHL")

    async def offer(self, quantity: str = "80", **overrides: Any) -> dict[str, Any]:
        values = {
            "crisisId": self.client.crisis_id,
            "sector": "SHL",
            "item": "SHL-TARP",
            "quantity": quantity,
            "unit": "piece",
            "availableFrom": "2026-11-20",
            "availableUntil": "2027-03-31",
            "serves": ["PHL", "IDN"],
            "deliveryMode": "IN_KIND",
        }
        values.update(overrides)
        data = await self.client.data(POST_OFFER, {"i": values}, as_=self.donor)
        return data["postOffer"]  # type: ignore[no-any-return]

    async def act(
        self, field: str, values: dict[str, Any], as_: dict[str, str], input_type: str = "MatchStepInput"
    ) -> dict[str, Any]:
        data = await self.client.data(step(field, input_type), {"i": values}, as_=as_)
        return data[field]  # type: ignore[no-any-return]


@pytest.fixture
async def parties(settings: Settings, signer: DevSigner) -> AsyncIterator[Parties]:
    async for client in serving(settings, signer):
        registered = await client.data(REGISTER, {"i": {"name": "Japan Platform", "type": "NGO"}})
        yield Parties(client, registered["registerOrganisation"]["organisation"]["id"])


async def test_a_need_is_offered_matched_and_delivered(parties: Parties) -> None:
    client = parties.client
    request = (await client.post(quantity="100"))["request"]
    offer = (await parties.offer("80"))["offer"]

    proposed = await client.data(
        PROPOSE,
        {"i": {"requestId": request["id"], "offerId": offer["id"], "quantity": "50"}},
        as_=parties.phl,
    )
    match_id = proposed["proposeMatch"]["match"]["id"]
    await parties.act("acceptMatch", {"id": match_id}, parties.phl, "AcceptMatchInput")
    await parties.act("confirmMatch", {"id": match_id}, parties.donor)
    await parties.act("dispatchMatch", {"id": match_id}, parties.donor)
    delivered = await parties.act(
        "recordDelivery", {"id": match_id, "quantityReceived": "45"}, parties.phl, "RecordDeliveryInput"
    )

    after = delivered["position"]
    seen = (await client.data(REQUEST, {"id": request["id"]}, after=after))["request"]
    remaining = await client.data(
        "query($id: ID!) { offer(id: $id) { remaining status } }", {"id": offer["id"]}
    )
    coverage = await client.data(COVERAGE, {"c": client.crisis_id})

    assert delivered["match"] == {"id": match_id, "status": "DELIVERED", "dispatched": "50", "received": "45"}
    assert {k: seen[k] for k in ("quantity", "committed", "inTransit", "delivered", "gap", "status")} == {
        "quantity": "100",
        "committed": "50",
        "inTransit": "0",
        "delivered": "45",
        "gap": "50",
        "status": "PARTIALLY_COVERED",
    }
    assert seen["crisis"] == {"name": "Marawi displacement", "phase": "ACTIVE_RESPONSE"}
    assert seen["commitments"] == [
        {
            "matchId": match_id,
            "quantity": "50",
            "organisationId": parties.donor_org,
            "offeringState": None,
            "dispatched": "50",
            "delivered": "45",
            "received": True,
        }
    ]
    assert remaining["offer"] == {"remaining": "30", "status": "PARTIALLY_ALLOCATED"}
    assert coverage["coverage"] == [
        {
            "memberState": "PHL",
            "sector": "SHL",
            "requests": 1,
            "requested": "100",
            "committed": "50",
            "delivered": "45",
            "gap": "50",
        }
    ]


async def test_the_last_units_of_an_offer_go_to_one_proposal_only(parties: Parties) -> None:
    client = parties.client
    offer = (await parties.offer("10"))["offer"]
    requests = [(await client.post(quantity="10"))["request"]["id"] for _ in range(20)]

    responses = await asyncio.gather(
        *(
            client.send(
                PROPOSE, {"i": {"requestId": r, "offerId": offer["id"], "quantity": "6"}}, as_=parties.phl
            )
            for r in requests
        )
    )
    bodies = [r.json() for r in responses]
    won = [b for b in bodies if "errors" not in b]
    lost = [b for b in bodies if "errors" in b]
    last = max(b["data"]["proposeMatch"]["position"] for b in won)
    seen = await client.data(
        "query($id: ID!) { offer(id: $id) { allocated remaining } }", {"id": offer["id"]}, after=last
    )

    assert len(won) == 1
    assert {b["errors"][0]["extensions"]["code"] for b in lost} == {"CONFLICT"}
    assert seen["offer"] == {"allocated": "6", "remaining": "4"}


async def test_a_page_of_a_hundred_matches_costs_a_fixed_number_of_queries(parties: Parties) -> None:
    client = parties.client
    offer = (await parties.offer("1000"))["offer"]
    last = 0
    for _ in range(100):
        request = (await client.post(quantity="5"))["request"]
        proposed = await client.data(
            PROPOSE,
            {"i": {"requestId": request["id"], "offerId": offer["id"], "quantity": "5"}},
            as_=parties.phl,
        )
        last = proposed["proposeMatch"]["position"]
    await client.data("{ matches(first: 1) { totalCount } }", after=last)
    engine = client.http._transport.app.state.runtime.read_engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "projection_tracking" in statement or statement.startswith("BEGIN") or statement == "SELECT 1":
            return  # the runners' tracking writes, the availability watch's probe; SQLite's BEGIN
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        page = await client.data(
            """{ matches(first: 100) { totalCount edges { node { id
                request { id title crisis { name } commitments { quantity } }
                offer { id remaining organisation { name } crisis { name } } } } } }"""
        )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)

    assert len(page["matches"]["edges"]) == 100
    assert page["matches"]["edges"][0]["node"]["offer"]["organisation"] == {"name": "Japan Platform"}
    # the page and its count, then one query per relation: requests, offers, crises,
    # commitments, organisations — not one per row.
    assert len(statements) <= 8, statements


async def test_donors_of_two_organisations_sharing_a_subject_keep_their_own_offers(parties: Parties) -> None:
    """Receipts are the whole principal's: the same ``sub`` and Idempotency-Key in another
    organisation is another caller, who gets an offer of its own, not the first one's back."""
    client = parties.client
    other_org = (await client.data(REGISTER, {"i": {"name": "Mercy Relief", "type": "NGO"}}))[
        "registerOrganisation"
    ]["organisation"]["id"]
    other = Parties(client, other_org)
    key = {"Idempotency-Key": "tarps-2026-11-28"}
    parties.donor = {**parties.donor, **key}
    other.donor = {**other.donor, **key}

    first = (await parties.offer("80"))["offer"]
    second = (await other.offer("80"))["offer"]
    again = (await parties.offer("80"))["offer"]

    assert other.donor["Authorization"] != parties.donor["Authorization"]
    assert second["id"] != first["id"]
    assert (first["organisationId"], second["organisationId"]) == (parties.donor_org, other_org)
    assert again["id"] == first["id"]
