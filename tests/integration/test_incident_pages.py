"""Security incidents a page at a time (``incidentsConnection``): newest report first, the pages put
together the whole list of the unpaged field for every filter, the count of them all on each page,
and each field authorised as on the list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain.access import Role
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving

REPORT = "mutation($i: ReportIncidentInput!) { reportIncident(input: $i) { position incident { id } } }"
CLOSE = "mutation($i: CloseIncidentInput!) { closeIncident(input: $i) { position } }"
FIELDS = "id memberState adminCode status description"
EVERY = f"""query($state: [MemberState!], $status: [IncidentStatus!], $area: [String!]) {{
  incidents(memberState: $state, status: $status, area: $area) {{ {FIELDS} }}
}}"""
PAGE = f"""query($state: [MemberState!], $status: [IncidentStatus!], $area: [String!], $first: Int,
    $after: String) {{
  incidentsConnection(memberState: $state, status: $status, area: $area, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {FIELDS} }} }}
  }}
}}"""
REPORTED = [  # in the order reported
    ("PHL", "PH1536", "Convoy stopped at the Pantar bridge"),
    ("KHM", "KH12", "Warehouse looted"),
    ("PHL", "PH153602", "Threat against the clinic's staff"),
    ("PHL", "PH19036", "Road mined near the school"),
    ("KHM", "KH1201", "Checkpoint turned the trucks back"),
]


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


async def report_all(client: Client) -> tuple[list[str], int]:
    """The incidents above, the third closed: their ids in the order reported, and the last position."""
    ids, position = [], 0
    for state, area, description in REPORTED:
        values = {
            "memberState": state, "adminCode": area, "occurredOn": "2026-11-27", "kind": "THREAT",
            "severity": "HIGH", "description": description,
        }  # fmt: skip
        reported = (await client.data(REPORT, {"i": values}, as_=client.coordinator(state)))["reportIncident"]
        ids.append(reported["incident"]["id"])
    closed = await client.data(
        CLOSE, {"i": {"id": ids[2], "reason": "The threat was withdrawn"}}, as_=client.coordinator("PHL")
    )
    position = closed["closeIncident"]["position"]
    return ids, position


@pytest.mark.parametrize(
    "where",
    [
        {},
        {"state": ["PHL"]},
        {"status": ["OPEN"]},
        {"state": ["KHM"], "status": ["OPEN"]},
        {"area": ["PH15"]},
    ],
    ids=["all", "PHL", "open", "KHM-open", "PH15"],
)
async def test_pages_of_incidents_put_together_are_the_list_newest_first(
    client: Client, where: dict[str, Any]
) -> None:
    ids, position = await report_all(client)
    secretariat = client.bearer(Role.SECRETARIAT)
    every = (await client.data(EVERY, where, as_=secretariat, after=position))["incidents"]
    paged, totals = await client.every_page(PAGE, "incidentsConnection", where, first=2, as_=secretariat)

    assert every, "each filter matches some incident"
    assert (paged, totals) == (every, {len(every)})
    newest_first = [i for i in reversed(ids) if i in {n["id"] for n in every}]
    assert [n["id"] for n in paged] == newest_first


async def test_a_page_authorises_each_field_as_the_list_does(client: Client) -> None:
    _, position = await report_all(client)
    viewer = client.bearer(Role.VIEWER)
    page = await client.data(PAGE, {"state": ["PHL"], "first": 10}, as_=viewer, after=position)
    host = await client.data(PAGE, {"state": ["PHL"], "first": 10}, as_=client.coordinator("PHL"))

    seen = [edge["node"] for edge in page["incidentsConnection"]["edges"]]
    told = [edge["node"] for edge in host["incidentsConnection"]["edges"]]
    assert [n["description"] for n in seen] == [None, None, None]
    assert [n["description"] for n in told] == [d for s, _, d in reversed(REPORTED) if s == "PHL"]


async def test_a_bad_page_is_refused_with_its_field_named(client: Client) -> None:
    _, position = await report_all(client)
    secretariat = client.bearer(Role.SECRETARIAT)
    empty = await client.data(PAGE, {"first": 0}, as_=secretariat, after=position)
    too_many = (await client.send(PAGE, {"first": 101}, as_=secretariat)).json()
    not_a_cursor = (await client.send(PAGE, {"after": "bm90IGEgY3Vyc29y"}, as_=secretariat)).json()

    assert empty["incidentsConnection"]["edges"] == []
    assert empty["incidentsConnection"]["totalCount"] == len(REPORTED)
    assert empty["incidentsConnection"]["pageInfo"]["hasNextPage"] is True
    for refused, field in ((too_many, "first"), (not_a_cursor, "after")):
        error = refused["errors"][0]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)
