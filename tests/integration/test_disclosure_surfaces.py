"""GraphQL, the CSV exports and the event feed blank the same counts of a movement for a viewer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain.access import Role
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving
from tests.integration.test_events import feed
from tests.integration.test_exports import caught_up, read_hxl
from tests.integration.test_havens_api import designate
from tests.integration.test_movements_api import MOVEMENT, STEP, confirm, plan

#: HXL age attribute of each GraphQL age group.
AGES = {"AGE_0_4": "0-4", "AGE_5_17": "5-17", "AGE_18_59": "18-59", "AGE_60_PLUS": "60+"}


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


def group(**people: int) -> list[dict[str, Any]]:
    """``female_0_4=3`` → the GraphQL group input."""
    cells = []
    for name, count in people.items():
        sex, *age = name.split("_")
        cells.append({"sex": sex.upper(), "ageGroup": "AGE_" + "_".join(age).upper(), "people": count})
    return cells


def hxl_tag(sex: str, age: str) -> str:
    return f"#affected+{sex[0].lower()}+age{age.replace('-', '_').replace('+', '_plus')}+num"


@pytest.mark.parametrize(
    "cells",
    [
        {"female_0_4": 3, "female_18_59": 40, "male_18_59": 30},  # one small cell: a second blank
        {"female_0_4": 1, "male_0_4": 1, "female_18_59": 40},  # two ones: their sum pins them
        {"female_0_4": 2, "male_0_4": 2, "female_60_plus": 2},  # all small: the total too
        {"female_0_4": 20, "male_18_59": 30},  # nothing small: all shown
    ],
)
async def test_graphql_the_movements_export_and_the_feed_blank_the_same_cells(
    client: Client, cells: dict[str, int]
) -> None:
    planned = await plan(
        client, {"country": "PHL", "adminCode": "PH153602"}, group=group(**cells), vulnerable=[]
    )
    movement = planned["movement"]["id"]
    await caught_up(client)
    viewer = client.bearer(Role.VIEWER)

    graphql = (await client.data(MOVEMENT, {"id": movement}, as_=viewer))["movement"]
    [csv] = read_hxl(await client.http.get("/exports/movements.csv", headers=viewer))
    [event] = (await feed(client, as_=viewer, topics="Movement.Planned"))["items"]

    from_graphql = {(g["sex"].lower(), AGES[g["ageGroup"]]): g["people"] for g in graphql["group"]}
    from_csv = {key: _number(csv.get(hxl_tag(*key))) for key in from_graphql}
    from_feed = {tuple(key.split(":")): n for key, n in event["payload"]["group"].items()}
    assert from_graphql == from_csv == from_feed
    assert graphql["people"] == _number(csv.get("#affected+num", index=0) or None)
    blanks = [key for key, n in from_graphql.items() if n is None]
    shown = sum(n for n in from_graphql.values() if n is not None)
    assert not blanks or graphql["people"] is None or len(blanks) >= 2
    if graphql["people"] is not None and blanks:
        assert graphql["people"] - shown > len(blanks)  # blanks are >= 1 each: none pinned at 1


async def test_the_safe_havens_export_blanks_available_room_that_gives_small_reserved_room_away(
    client: Client,
) -> None:
    haven = (await designate(client))["safeHaven"]["id"]
    phl = client.coordinator("PHL")
    planned = await plan(client, {"safeHavenId": haven}, group=group(female_18_59=3), vulnerable=[])
    await confirm(client, planned["movement"]["id"])
    await client.data(STEP, {"id": planned["movement"]["id"]}, as_=phl)
    await caught_up(client)
    viewer = client.bearer(Role.VIEWER)

    [row] = read_hxl(await client.http.get("/exports/safe-havens.csv", headers=viewer))
    seen = await client.data("{ safeHavens { reserved available } }", as_=viewer)

    # Capacity 300 less occupancy 0 and available 297 would be the 3 reserved.
    assert row.get("#capacity+night+num") == "300"
    assert row.get("#affected+sheltered+num") == "0"
    assert row.get("#capacity+available+num") is None
    assert seen["safeHavens"] == [{"reserved": None, "available": None}]


def _number(text: str | None) -> int | None:
    return None if text is None else int(text)
