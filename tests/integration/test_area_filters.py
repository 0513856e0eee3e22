"""An area filter is never finer than the caller may see, and matches codes, not LIKE patterns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain.access import Role
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving
from tests.integration.test_movements_api import FIGURES, plan

MOVEMENTS = "query($a: [String!]) { movements(area: $a) { destinationAdmin1 destinationAdminCode } }"
DISPLACEMENT = "query($a: [String!]) { displacement(area: $a) { adminCode displaced } }"


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


async def record(client: Client, area: str, displaced: int) -> int:
    figures = {
        "crisisId": client.crisis_id,
        "memberState": "PHL",
        "adminCode": area,
        "asOf": "2026-11-20",
        "displaced": displaced,
        "returned": 0,
        "resettled": 0,
        "source": "IOM DTM baseline round 1",
    }
    data = await client.data(FIGURES, {"i": figures}, as_=client.coordinator("PHL"))
    return int(data["recordDisplacementFigures"]["position"])


def refusal(response: Any) -> str:
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    return str(error["message"])


async def test_a_viewer_filtering_below_admin_1_is_refused_and_told_the_area_to_ask_for(
    client: Client,
) -> None:
    await plan(client, {"country": "PHL", "adminCode": "PH153605"})
    await plan(client, {"country": "PHL", "adminCode": "PH153602"})
    await record(client, "PH153605", 300)
    after = await record(client, "PH153602", 5000)
    viewer, host = client.bearer(Role.VIEWER), client.coordinator("PHL")

    movements = await client.send(MOVEMENTS, {"a": ["PH153605"]}, as_=viewer, after=after)
    displacement = await client.send(DISPLACEMENT, {"a": ["ph153605"]}, as_=viewer)
    by_province = await client.data(MOVEMENTS, {"a": ["PH15"]}, as_=viewer)
    rolled_up = await client.data(DISPLACEMENT, {"a": ["PH15"]}, as_=viewer)
    exact = await client.data(DISPLACEMENT, {"a": ["PH153605"]}, as_=host)
    exact_movements = await client.data(MOVEMENTS, {"a": ["PH153605"]}, as_=host)

    assert "use PH15" in refusal(movements)
    assert "use PH15" in refusal(displacement)
    assert by_province["movements"] == [{"destinationAdmin1": "PH15", "destinationAdminCode": None}] * 2
    assert rolled_up["displacement"] == [{"adminCode": "PH15", "displaced": 5300}]
    assert exact["displacement"] == [{"adminCode": "PH153605", "displaced": 300}]
    assert exact_movements["movements"] == [{"destinationAdmin1": "PH15", "destinationAdminCode": "PH153605"}]


@pytest.mark.parametrize("pattern", ["_", "%", "PH15%", "PH1_", "/"])
async def test_like_wildcards_in_an_area_filter_match_only_themselves(client: Client, pattern: str) -> None:
    planned = await plan(client, {"country": "PHL", "adminCode": "PH153602"})
    posted = await client.post()
    after = max(await record(client, "PH153602", 5000), planned["position"], posted["position"])
    secretariat = client.bearer(Role.SECRETARIAT)

    movements = await client.data(MOVEMENTS, {"a": [pattern]}, as_=secretariat, after=after)
    displacement = await client.data(DISPLACEMENT, {"a": [pattern]}, as_=secretariat)
    who_what_where = await client.data(
        "query($a: [String!]) { whoWhatWhere(area: $a) { id } }", {"a": [pattern]}, as_=secretariat
    )

    assert movements["movements"] == []
    assert displacement["displacement"] == []
    assert who_what_where["whoWhatWhere"] == []
