"""Safe havens over GraphQL: the host state runs them; where they are is need-to-know."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain.access import Role
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving

DESIGNATE = """mutation($i: DesignateSafeHavenInput!) { designateSafeHaven(input: $i) {
  position safeHaven { id capacity occupancy available adminCode location { latitude longitude } } } }"""
ADMIT = """mutation($i: PeopleInput!) {
  admitToSafeHaven(input: $i) { position safeHaven { occupancy available } } }"""
HAVEN = """query($id: ID!) { safeHaven(id: $id) {
  name admin1 adminCode location { latitude longitude } capacity occupancy available status services } }"""


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


async def designate(client: Client, **overrides: Any) -> dict[str, Any]:
    values = {
        "crisisId": client.crisis_id,
        "memberState": "PHL",
        "name": "Balo-i evacuation centre",
        "adminCode": "PH153602",
        "latitude": "8.0095",
        "longitude": "124.2937",
        "capacityDay": 500,
        "capacityNight": 300,
        "services": ["WSH", "HEA"],
    }
    values.update(overrides)
    data = await client.data(DESIGNATE, {"i": values}, as_=client.coordinator("PHL"))
    return data["designateSafeHaven"]  # type: ignore[no-any-return]


async def test_the_host_state_admits_within_capacity(client: Client) -> None:
    designated = await designate(client)
    haven = designated["safeHaven"]["id"]
    phl = client.coordinator("PHL")

    admitted = await client.data(ADMIT, {"i": {"id": haven, "people": 250}}, as_=phl)
    over = await client.send(ADMIT, {"i": {"id": haven, "people": 51}}, as_=phl)
    foreign = await client.send(ADMIT, {"i": {"id": haven, "people": 1}}, as_=client.coordinator("THA"))

    assert designated["safeHaven"]["capacity"] == 300
    assert admitted["admitToSafeHaven"]["safeHaven"] == {"occupancy": 250, "available": 50}
    assert over.json()["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert foreign.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_admitting_beyond_capacity_says_so_apart_from_a_lost_race(client: Client) -> None:
    haven = (await designate(client))["safeHaven"]["id"]
    phl = client.coordinator("PHL")

    over = await client.send(ADMIT, {"i": {"id": haven, "people": 301}}, as_=phl)

    [error] = over.json()["errors"]
    assert error["extensions"] == {"code": "CONFLICT", "reason": "OVER_CAPACITY"}


@pytest.mark.parametrize(
    ("who", "sees_location"),
    [
        ("host", True),
        ("secretariat", True),
        ("other state", False),
        ("donor", False),
        ("viewer", False),
    ],
)
async def test_the_exact_location_is_need_to_know(client: Client, who: str, sees_location: bool) -> None:
    designated = await designate(client)
    auth = {
        "host": client.coordinator("PHL"),
        "secretariat": client.bearer(Role.SECRETARIAT),
        "other state": client.coordinator("THA"),
        "donor": client.bearer(Role.DONOR, org=uuid.uuid4()),
        "viewer": client.bearer(Role.VIEWER),
    }[who]

    seen = await client.data(
        HAVEN, {"id": designated["safeHaven"]["id"]}, as_=auth, after=designated["position"]
    )
    listed = await client.data("{ safeHavens { admin1 adminCode location { latitude } } }", as_=auth)

    haven = seen["safeHaven"]
    assert haven["admin1"] == "PH15"
    assert haven["capacity"] == 300
    if sees_location:
        assert haven["adminCode"] == "PH153602"
        assert haven["location"] == {"latitude": "8.0095", "longitude": "124.2937"}
    else:
        assert haven["adminCode"] is None
        assert haven["location"] is None
        assert listed["safeHavens"] == [{"admin1": "PH15", "adminCode": None, "location": None}]


HISTORY = """query($id: ID!) { safeHaven(id: $id) { history { edges { node { event actor { principal }
  changes { field before after } } } } } }"""
LINKED = """query($h: [ID!]) { requests(filter: {safeHaven: $h}) { edges { node {
  id safeHavenId safeHaven { name admin1 adminCode location { latitude } } } } } }"""


@pytest.mark.parametrize(
    ("who", "needs_to_know"), [("host", True), ("viewer", False), ("other state", False)]
)
async def test_history_hides_the_exact_place_and_the_people_without_need_to_know(
    client: Client, who: str, needs_to_know: bool
) -> None:
    designated = await designate(client)
    haven = designated["safeHaven"]["id"]
    admitted = await client.data(ADMIT, {"i": {"id": haven, "people": 40}}, as_=client.coordinator("PHL"))
    auth = {
        "host": client.coordinator("PHL"),
        "viewer": client.bearer(Role.VIEWER),
        "other state": client.coordinator("THA"),
    }[who]

    seen = await client.data(HISTORY, {"id": haven}, as_=auth, after=admitted["admitToSafeHaven"]["position"])

    history = [edge["node"] for edge in seen["safeHaven"]["history"]["edges"]]
    assert [h["event"] for h in history] == ["Designated", "Admitted"]
    assert {"field": "occupancy", "before": "0", "after": "40"} in history[1]["changes"]
    fields = {c["field"] for h in history for c in h["changes"]}
    place = {"adminCode", "location.latitude", "location.longitude"}
    assert (place <= fields) is needs_to_know
    assert not fields & place or needs_to_know
    assert (history[0]["actor"] is not None) is needs_to_know


async def test_a_request_for_a_havens_population_is_linked_and_found_by_it(client: Client) -> None:
    haven = (await designate(client))["safeHaven"]["id"]
    posted = await client.post(safeHavenId=haven)
    other = await client.post(title="Water for the barangay")
    thai = await client.send(
        """mutation($i: LinkRequestToSafeHavenInput!) { linkRequestToSafeHaven(input: $i) { position } }""",
        {"i": {"id": other["request"]["id"], "safeHavenId": haven}},
        as_=client.coordinator("THA"),
    )
    linked = await client.data(
        """mutation($i: LinkRequestToSafeHavenInput!) { linkRequestToSafeHaven(input: $i) {
          position request { safeHavenId } } }""",
        {"i": {"id": other["request"]["id"], "safeHavenId": haven}},
        as_=client.coordinator("PHL"),
    )
    after = linked["linkRequestToSafeHaven"]["position"]

    host = await client.data(LINKED, {"h": [haven]}, as_=client.coordinator("PHL"), after=after)
    viewer = await client.data(LINKED, {"h": [haven]}, as_=client.bearer(Role.VIEWER), after=after)

    assert thai.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert linked["linkRequestToSafeHaven"]["request"]["safeHavenId"] == haven
    nodes = [e["node"] for e in host["requests"]["edges"]]
    assert {n["id"] for n in nodes} == {posted["request"]["id"], other["request"]["id"]}
    assert nodes[0]["safeHaven"]["adminCode"] == "PH153602"
    seen = viewer["requests"]["edges"][0]["node"]["safeHaven"]
    assert seen == {"name": "Balo-i evacuation centre", "admin1": "PH15", "adminCode": None, "location": None}


async def test_a_request_cannot_be_linked_to_another_states_haven(client: Client) -> None:
    crisis = await client.open_crisis("Border displacement", ("PHL", "THA"))
    client.crisis_id = crisis
    thai_haven = await client.data(
        DESIGNATE,
        {"i": {"crisisId": crisis, "memberState": "THA", "name": "Mae Sot centre", "adminCode": "TH63",
               "latitude": "16.7", "longitude": "98.5", "capacityDay": 100}},
        as_=client.coordinator("THA"),
    )  # fmt: skip

    refused = await client.send(
        """mutation($i: PostRequestInput!) { postRequest(input: $i) { position } }""",
        {"i": client.request_input(safeHavenId=thai_haven["designateSafeHaven"]["safeHaven"]["id"])},
        as_=client.coordinator("PHL"),
    )

    assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(("who", "found"), [("host", 1), ("viewer", None)])
async def test_an_area_filter_cannot_find_a_haven_below_admin_1_without_need_to_know(
    client: Client, who: str, found: int | None
) -> None:
    designated = await designate(client)
    auth = client.coordinator("PHL") if who == "host" else client.bearer(Role.VIEWER)

    exact = await client.send(
        '{ safeHavens(area: ["PH153602"]) { id } }', as_=auth, after=designated["position"]
    )
    province = await client.data('{ safeHavens(area: ["PH15"]) { id } }', as_=auth)

    if found is None:  # refused, rather than an empty list that says no haven is there
        assert exact.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    else:
        assert len(exact.json()["data"]["safeHavens"]) == found
    assert len(province["safeHavens"]) == 1


HAVEN_AS_OF = """query($id: ID!, $asOf: DateTime) { safeHaven(id: $id, asOf: $asOf) {
  occupancy adminCode history { edges { node { at event } } } } }"""


async def test_as_of_shows_the_haven_as_it_stood_and_still_hides_its_place(client: Client) -> None:
    haven = (await designate(client))["safeHaven"]["id"]
    phl = client.coordinator("PHL")
    await client.data(ADMIT, {"i": {"id": haven, "people": 40}}, as_=phl)
    admitted = await client.data(ADMIT, {"i": {"id": haven, "people": 10}}, as_=phl)
    position = admitted["admitToSafeHaven"]["position"]
    now = await client.data(HAVEN_AS_OF, {"id": haven}, as_=phl, after=position)
    [designated_at, first_admission_at, _] = [e["node"]["at"] for e in now["safeHaven"]["history"]["edges"]]

    at_designation = await client.data(HAVEN_AS_OF, {"id": haven, "asOf": designated_at}, as_=phl)
    after_first = await client.data(HAVEN_AS_OF, {"id": haven, "asOf": first_admission_at}, as_=phl)
    for_a_viewer = await client.data(
        HAVEN_AS_OF, {"id": haven, "asOf": first_admission_at}, as_=client.bearer(Role.VIEWER)
    )
    before_it_existed = await client.send(HAVEN_AS_OF, {"id": haven, "asOf": "2020-01-01T00:00:00Z"}, as_=phl)
    no_zone = await client.send(HAVEN_AS_OF, {"id": haven, "asOf": "2026-11-28T09:00:00"}, as_=phl)

    assert at_designation["safeHaven"]["occupancy"] == 0
    assert after_first["safeHaven"]["occupancy"] == 40
    assert after_first["safeHaven"]["adminCode"] == "PH153602"
    assert for_a_viewer["safeHaven"]["adminCode"] is None
    assert before_it_existed.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert no_zone.json()["errors"][0]["extensions"]["field"] == "asOf"
