"""Safe havens over GraphQL: the host state runs them; where they are is need-to-know."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain.access import Role
from services.settings import Settings
from services.tokens import DevSigner
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
