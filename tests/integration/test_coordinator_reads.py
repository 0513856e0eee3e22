"""What a coordinator's workbench reads before and after acting, on SQLite and PostgreSQL: its state's
admin areas by name, the live requests a need about to be posted may duplicate, and the matches
waiting on its own state."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from domain.access import Role
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import CANCEL, Client, serving

DUPLICATES = """query($crisis: ID!, $state: MemberState!, $item: String!, $area: String!, $excluding: ID) {
  possibleDuplicates(crisis: $crisis, memberState: $state, item: $item, adminCode: $area,
                     excluding: $excluding) { id title } }"""
REGISTER = (
    "mutation($i: RegisterOrganisationInput!) { registerOrganisation(input: $i) { organisation { id } } }"
)
POST_OFFER = "mutation($i: PostOfferInput!) { postOffer(input: $i) { offer { id } } }"
PROPOSE = "mutation($i: ProposeMatchInput!) { proposeMatch(input: $i) { position match { id } } }"
AREAS = "query($state: MemberState!) { adminAreas(memberState: $state) { code name level parentName } }"
MATCHES = """query($f: MatchFilter) { matches(filter: $f) { totalCount edges { node { id requestId } } } }"""


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for served in serving(settings, signer):
        yield served


def asking(client: Client, area: str = "PH1536", item: str = "SHL-TARP") -> dict[str, str]:
    return {"crisis": client.crisis_id, "state": "PHL", "item": item, "area": area}


async def test_a_states_admin_areas_come_by_name_each_admin1_before_its_admin2_areas(client: Client) -> None:
    phl = (await client.data(AREAS, {"state": "PHL"}, as_=client.coordinator()))["adminAreas"]
    sgp = (await client.data(AREAS, {"state": "SGP"}, as_=client.bearer(Role.VIEWER)))["adminAreas"]
    barmm = next(i for i, a in enumerate(phl) if a["code"] == "PH19")
    lanao = next(a for a in phl if a["code"] == "PH19036")

    assert (len(phl), phl[0]["code"], phl[0]["level"]) == (105, "PH01", 1)
    assert {a["parentName"] for a in phl[barmm + 1 : barmm + 8]} == {phl[barmm]["name"]}
    assert lanao == {"code": "PH19036", "name": "Lanao del Sur", "level": 2, "parentName": phl[barmm]["name"]}
    assert sgp == []


async def test_a_need_is_posted_in_a_myanmar_district_by_its_lettered_p_code(client: Client) -> None:
    client.crisis_id = await client.open_crisis("Rakhine displacement", ("MMR",))

    posted = await client.post(memberState="MMR", adminCode="mmr012d005")
    need = await client.data(
        "query($id: ID!) { request(id: $id) { adminCode } }",
        {"id": posted["request"]["id"]},
        after=posted["position"],
    )

    assert need["request"]["adminCode"] == "MMR012D005"


async def test_possible_duplicates_are_the_live_requests_of_the_same_crisis_item_and_area(
    client: Client,
) -> None:
    first = (await client.post(title="Tarpaulins, Marawi"))["request"]["id"]
    await client.post(title="Tarpaulins, Marawi again")
    await client.post(title="Tarpaulins elsewhere", adminCode="PH1538")
    await client.post(title="Family tents", item="SHL-TENT")
    cancelled = (await client.post(title="Tarpaulins, cancelled"))["request"]["id"]
    done = await client.data(
        CANCEL, {"input": {"id": cancelled, "reason": "posted twice"}}, as_=client.coordinator()
    )
    after = done["cancelRequest"]["position"]
    phl = client.coordinator()

    found = await client.data(DUPLICATES, asking(client, area=" ph1536"), as_=phl, after=after)
    without_first = await client.data(DUPLICATES, {**asking(client), "excluding": first}, as_=phl)
    elsewhere = await client.data(DUPLICATES, asking(client, area="PH1535"), as_=phl)

    titles = sorted(r["title"] for r in found["possibleDuplicates"])
    assert titles == ["Tarpaulins, Marawi", "Tarpaulins, Marawi again"]
    assert [r["title"] for r in without_first["possibleDuplicates"]] == ["Tarpaulins, Marawi again"]
    assert elsewhere["possibleDuplicates"] == []


async def test_possible_duplicates_are_for_the_states_own_coordinators_and_the_secretariat(
    client: Client,
) -> None:
    posted = (await client.post())["position"]

    other_state = await client.send(DUPLICATES, asking(client), as_=client.coordinator("IDN"))
    viewer = await client.send(DUPLICATES, asking(client), as_=client.bearer(Role.VIEWER))
    secretariat = await client.data(DUPLICATES, asking(client), after=posted)

    assert other_state.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert viewer.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert len(secretariat["possibleDuplicates"]) == 1


async def test_matches_filtered_by_requesting_state_are_those_serving_its_requests(client: Client) -> None:
    client.crisis_id = idn_crisis = await client.open_crisis("Sulawesi floods", ("PHL", "IDN"))
    phl_need = (await client.post())["request"]["id"]
    idn_need = (await client.post(memberState="IDN", adminCode="ID72"))["request"]["id"]
    org = (await client.data(REGISTER, {"i": {"name": "Japan Platform", "type": "NGO"}}))[
        "registerOrganisation"
    ]["organisation"]["id"]
    donor = client.bearer(Role.DONOR, org=uuid.UUID(org))
    offer = {
        "crisisId": idn_crisis,
        "sector": "SHL",
        "item": "SHL-TARP",
        "quantity": "100",
        "unit": "piece",
        "availableFrom": "2026-11-20",
        "availableUntil": "2027-03-31",
        "serves": ["PHL", "IDN"],
        "deliveryMode": "IN_KIND",
    }
    offer_id = (await client.data(POST_OFFER, {"i": offer}, as_=donor))["postOffer"]["offer"]["id"]
    position = 0
    for need in (phl_need, idn_need):
        proposed = await client.data(
            PROPOSE, {"i": {"requestId": need, "offerId": offer_id, "quantity": "10"}}
        )
        position = proposed["proposeMatch"]["position"]

    phl = await client.data(
        MATCHES, {"f": {"requestingState": ["PHL"], "status": ["PROPOSED"]}}, after=position
    )
    both = await client.data(MATCHES, {"f": {"requestingState": ["PHL", "IDN"]}})

    assert [e["node"]["requestId"] for e in phl["matches"]["edges"]] == [phl_need]
    assert phl["matches"]["totalCount"] == 1
    assert both["matches"]["totalCount"] == 2
