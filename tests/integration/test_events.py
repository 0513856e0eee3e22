"""The event feed: stable positions, pages that chain, topic filters, only what the caller may see."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain.access import Role
from services.cli.credentials import OPERATOR
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving
from tests.integration.test_havens_api import ADMIT, designate


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


async def feed(client: Client, as_: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
    response = await client.http.get("/events", params=params, headers=as_ or client.bearer())
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_pages_chain_through_the_whole_log_without_gaps_or_repeats(client: Client) -> None:
    for priority in (1, 2, 3):
        await client.post(priority=priority)

    pages, after = [], 0
    while True:
        page = await feed(client, after=after, limit=2)
        pages.append(page)
        if not page["items"]:
            break
        after = page["next"]
    everything = await feed(client, limit=1000)

    chained = [item for page in pages for item in page["items"]]
    assert chained == everything["items"]
    assert [i["type"] for i in chained] == ["Crisis.Opened"] + ["AssistanceRequest.Posted"] * 3
    positions = [i["position"] for i in chained]
    assert positions == sorted(set(positions))
    assert [i["payload"]["priority"] for i in chained[1:]] == [1, 2, 3]
    assert pages[-1]["next"] == everything["next"] == everything["head"]


async def test_topics_filter_by_topic_short_name_or_aggregate(client: Client) -> None:
    await client.post()
    crisis = await feed(client, topics="domain.crises:Crisis.Opened")
    posted = await feed(client, topics="AssistanceRequest.Posted")
    both = await feed(client, topics=["Crisis", "AssistanceRequest.Posted"])
    comma = await feed(client, topics="Crisis,AssistanceRequest")
    nothing_yet = await feed(client, topics="Offer")

    assert [i["type"] for i in crisis["items"]] == ["Crisis.Opened"]
    assert [i["type"] for i in posted["items"]] == ["AssistanceRequest.Posted"]
    assert [i["type"] for i in both["items"]] == ["Crisis.Opened", "AssistanceRequest.Posted"]
    assert comma["items"] == both["items"]
    assert nothing_yet["items"] == []
    assert nothing_yet["next"] == nothing_yet["head"]  # nothing to re-read next time


async def test_credentials_and_receipts_never_appear(client: Client) -> None:
    runtime = client.http._transport.app.state.runtime  # type: ignore[attr-defined]
    await asyncio.to_thread(runtime.concord.issue_api_key, OPERATOR, name="feed", role=Role.VIEWER)
    await client.post(idempotencyKey="post-once")  # records a CommandReceipt beside the request

    page = await feed(client, limit=1000)
    for hidden in ("ServiceAccount", "CommandReceipt", "ServiceAccount.Issued"):
        refused = await client.http.get("/events", params={"topics": hidden}, headers=client.bearer())
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")

    assert {i["type"] for i in page["items"]} == {"Crisis.Opened", "AssistanceRequest.Posted"}
    assert page["head"] > page["items"][-1]["position"]  # the receipt came last, and is not shown


@pytest.mark.parametrize(
    ("who", "sees_location", "sees_small_count", "sees_actor"),
    [
        ("host", True, True, True),
        ("secretariat", True, True, True),
        ("other state", False, True, False),
        ("viewer", False, False, False),
    ],
)
async def test_safe_haven_events_as_each_caller_may_see_them(
    client: Client, who: str, sees_location: bool, sees_small_count: bool, sees_actor: bool
) -> None:
    haven = (await designate(client))["safeHaven"]["id"]
    host = client.coordinator("PHL")
    await client.data(ADMIT, {"i": {"id": haven, "people": 3}}, as_=host)
    auth = {
        "host": host,
        "secretariat": client.bearer(Role.SECRETARIAT),
        "other state": client.coordinator("THA"),
        "viewer": client.bearer(Role.VIEWER),
    }[who]

    designated, admitted = (await feed(client, as_=auth, topics="SafeHaven"))["items"]

    assert designated["aggregateId"] == admitted["aggregateId"] == haven
    assert (designated["version"], admitted["version"]) == (1, 2)
    assert designated["payload"]["admin1"] == "PH15"
    location = [designated["payload"][k] for k in ("admin_code", "latitude", "longitude")]
    assert location == (["PH153602", "8.0095", "124.2937"] if sees_location else [None, None, None])
    assert admitted["payload"]["people"] == (3 if sees_small_count else None)
    if sees_actor:
        assert admitted["actor"]["principal"] == "coordinator-PHL@test"
        assert admitted["actor"]["correlation_id"]
    else:
        assert admitted["actor"] == {"role": "coordinator"}


async def test_a_namesake_in_another_state_is_not_shown_the_actor(client: Client) -> None:
    await designate(client)
    namesake = client.bearer(Role.COORDINATOR, "THA", subject="coordinator-PHL@test")

    (designated,) = (await feed(client, as_=namesake, topics="SafeHaven.Designated"))["items"]
    (as_host,) = (await feed(client, as_=client.coordinator("PHL"), topics="SafeHaven.Designated"))["items"]

    assert designated["actor"] == {"role": "coordinator"}
    assert as_host["actor"]["principal"] == "coordinator-PHL@test"


async def test_bad_parameters_get_problem_details(client: Client) -> None:
    not_a_number = await client.http.get("/events?limit=many", headers=client.bearer())
    unknown = await client.http.get("/events?topics=Nonsense.Happened", headers=client.bearer())
    anonymous = await client.http.get("/events")
    capped = await client.http.get("/events?limit=1000000", headers=client.bearer())

    for response in (not_a_number, unknown):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert anonymous.status_code == 401
    assert capped.status_code == 200


@pytest.mark.parametrize("after", ["-1", "9223372036854775808", "18446744073709551616", "1e3", "many"])
async def test_an_after_that_is_no_log_position_is_a_bad_request(client: Client, after: str) -> None:
    response = await client.http.get("/events", params={"after": after}, headers=client.bearer())

    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "BAD_USER_INPUT"


async def test_the_last_position_there_can_be_is_an_empty_page(client: Client) -> None:
    last = 2**63 - 1

    page = await feed(client, after=last)

    assert page["items"] == []
    assert page["next"] == last
