"""HXL-tagged CSV exports, read back with libhxl; need-to-know and small counts respected."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import hxl
import pytest

from domain.access import Role
from projections.assistance_requests import queries as request_queries
from projections.hxl import queries as hxl_queries
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving
from tests.integration.test_havens_api import ADMIT, designate

POST_OFFER = "mutation($i: PostOfferInput!) { postOffer(input: $i) { position offer { id } } }"


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


def read_hxl(response: httpx.Response) -> list[Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(hxl.data(io.BytesIO(response.content), hxl.InputOptions(encoding="utf-8")))


async def caught_up(client: Client) -> int:
    runtime = client.http._transport.app.state.runtime  # type: ignore[attr-defined]
    position: int = runtime.concord.recorder.max_notification_id() or 0
    await client.data("{ crises { id } }", after=position)
    return position


async def test_requests_offers_and_coverage_export_as_hxl(client: Client) -> None:
    await client.post(sector="SHL", quantity="500")
    await client.post(sector="WSH", item="WSH-HYGIENE", title="Hygiene kits", quantity="200", unit="kit")
    offer = {
        "crisisId": client.crisis_id,
        "sector": "SHL",
        "item": "SHL-TARP",
        "quantity": "80",
        "unit": "piece",
        "availableFrom": "2026-11-20",
        "availableUntil": "2027-03-31",
        "serves": ["PHL", "IDN"],
        "deliveryMode": "IN_KIND",
    }
    await client.data(POST_OFFER, {"i": offer}, as_=client.coordinator("THA"))
    await caught_up(client)
    viewer = client.bearer(Role.VIEWER)

    requests = read_hxl(await client.http.get("/exports/requests.csv", headers=viewer))
    shelter = read_hxl(await client.http.get("/exports/requests.csv?sector=SHL", headers=viewer))
    offers = read_hxl(await client.http.get("/exports/offers.csv", headers=viewer))
    coverage = read_hxl(await client.http.get("/exports/coverage.csv", headers=viewer))

    assert [r.get("#sector+cluster") for r in requests] == ["SHL", "WSH"]
    assert requests[0].get("#adm1+code") == "PH15"
    assert requests[0].get("#country+code") == "PHL"
    assert Decimal(requests[1].get("#indicator+requested+num")) == 200
    assert [r.get("#item+code") for r in shelter] == ["SHL-TARP"]
    [only_offer] = offers
    assert only_offer.get("#country+code+offering") == "THA"
    assert only_offer.get("#country+code+served") == "IDN PHL"
    assert only_offer.get("#status") == "open"
    assert {(r.get("#sector+cluster"), Decimal(r.get("#indicator+gap+num"))) for r in coverage} == {
        ("SHL", Decimal(500)),
        ("WSH", Decimal(200)),
    }


async def test_exports_refuse_bad_filters_and_anonymous_callers(client: Client) -> None:
    bad_crisis = await client.http.get("/exports/requests.csv?crisis=nope", headers=client.bearer())
    bad_state = await client.http.get("/exports/requests.csv?memberState=XYZ", headers=client.bearer())
    bad_coverage = await client.http.get("/exports/coverage.csv?crisis=1", headers=client.bearer())
    anonymous = await client.http.get("/exports/safe-havens.csv")

    for response in (bad_crisis, bad_state, bad_coverage):
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
    assert anonymous.status_code == 401


@pytest.mark.parametrize(
    ("who", "sees_location", "sees_small_count"),
    [
        ("host", True, True),
        ("secretariat", True, True),
        ("other state", False, True),
        ("viewer", False, False),
    ],
)
async def test_safe_havens_export_keeps_locations_to_need_to_know(
    client: Client, who: str, sees_location: bool, sees_small_count: bool
) -> None:
    haven = (await designate(client))["safeHaven"]["id"]
    await client.data(ADMIT, {"i": {"id": haven, "people": 3}}, as_=client.coordinator("PHL"))
    await caught_up(client)
    auth = {
        "host": client.coordinator("PHL"),
        "secretariat": client.bearer(Role.SECRETARIAT),
        "other state": client.coordinator("THA"),
        "viewer": client.bearer(Role.VIEWER),
    }[who]

    response = await client.http.get("/exports/safe-havens.csv", headers=auth)

    [row] = read_hxl(response)
    assert row.get("#adm1+code") == "PH15"
    assert row.get("#capacity+night+num") == "300"
    if sees_location:
        assert (row.get("#loc+code"), row.get("#geo+lat"), row.get("#geo+lon")) == (
            "PH153602",
            "8.0095",
            "124.2937",
        )
    else:
        assert (row.get("#loc+code"), row.get("#geo+lat"), row.get("#geo+lon")) == (None, None, None)
        assert "8.0095" not in response.text
    if sees_small_count:
        assert (row.get("#affected+sheltered+num"), row.get("#capacity+available+num")) == ("3", "297")
    else:
        assert (row.get("#affected+sheltered+num"), row.get("#capacity+available+num")) == (None, None)


async def test_streamed_rows_come_in_batches_from_a_server_side_cursor(client: Client) -> None:
    for priority in (1, 2, 3, 4, 5):
        await client.post(priority=priority)
    await caught_up(client)
    engine = client.http._transport.app.state.runtime.read_engine  # type: ignore[attr-defined]

    rows = [r async for r in hxl_queries.requests(engine, request_queries.RequestFilter(), batch=2)]

    assert [r.priority for r in rows] == [1, 2, 3, 4, 5]
