"""Each object's history and the object as it stood at a moment, over GraphQL on SQLite and
PostgreSQL: for crises, offers, matches, pledges, the fund, movements and projects alike. Whoever
may read the object reads its changes; who made them is for the object's own state or organisation
and the secretariat; a caller without credentials is refused; before the object existed there is
nothing to show (NOT_FOUND)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from domain.access import Role
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving
from tests.integration.test_assistance_api import POST_OFFER
from tests.integration.test_movements_api import confirm, plan
from tests.integration.test_projects_api import register as register_project

REGISTER = (
    "mutation($i: RegisterOrganisationInput!) { registerOrganisation(input: $i) { organisation { id } } }"
)
OPEN_CRISIS = "mutation($i: OpenCrisisInput!) { openCrisis(input: $i) { crisis { id } } }"
PHASE = "mutation($i: ChangeCrisisPhaseInput!) { changeCrisisPhase(input: $i) { position } }"
WITHDRAW = "mutation($i: WithdrawOfferInput!) { withdrawOffer(input: $i) { position } }"
PROPOSE = "mutation($i: ProposeMatchInput!) { proposeMatch(input: $i) { match { id } } }"
ACCEPT = "mutation($i: AcceptMatchInput!) { acceptMatch(input: $i) { position } }"
OPEN_FUND = "mutation($i: OpenFundInput!) { openFund(input: $i) { fund { id } } }"
PLEDGE = "mutation($i: MakePledgeInput!) { makePledge(input: $i) { pledge { id } } }"
COMMIT = "mutation($i: CommitPledgeInput!) { commitPledge(input: $i) { position } }"
PAY = "mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { position } }"
STATUS = "mutation($i: ChangeProjectStatusInput!) { changeProjectStatus(input: $i) { position } }"
ACHIEVE = "mutation($i: RecordMilestoneInput!) { recordMilestone(input: $i) { position } }"
HISTORY = """query($id: ID!, $first: Int! = 100, $after: String) {{ {field}(id: $id) {{
  history(first: $first, after: $after) {{ totalCount pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{ at version event actor {{ principal role }} changes {{ field before after }} }} }}
  }} }} }}"""
AS_OF = "query($id: ID!, $asOf: DateTime) {{ {field}(id: $id, asOf: $asOf) {{ id {shown} }} }}"


@dataclass(frozen=True)
class Story:
    """An object after two commands: what its history and its past should show, and to whom."""

    field: str  # the query of one such object
    id: str
    position: int  # of the last command
    owner: dict[str, str]  # its own state or organisation: sees who made each change
    stranger: dict[str, str]  # may read it, but not who changed it
    events: list[str]
    changed: tuple[str, str | None, str | None]  # a field the last event changed: before, after
    shown: str  # a field of the object, as it stood after the first event and as it stands now
    then: Any
    now: Any


@dataclass
class World:
    client: Client
    donor: dict[str, str]
    donor_org: str
    other_donor: dict[str, str]


@pytest.fixture
async def world(settings: Settings, signer: DevSigner) -> AsyncIterator[World]:
    async for client in serving(settings, signer):
        organisations = []
        for name in ("Japan Platform", "Mercy Relief"):
            data = await client.data(REGISTER, {"i": {"name": name, "type": "NGO"}})
            organisations.append(data["registerOrganisation"]["organisation"]["id"])
        donor, other = (client.bearer(Role.DONOR, org=uuid.UUID(o)) for o in organisations)
        yield World(client, donor, organisations[0], other)


async def crisis(w: World) -> Story:
    c = w.client
    values = {"name": "Typhoon Odette", "affectedStates": ["PHL"], "startDate": "2026-12-01"}
    crisis_id = (await c.data(OPEN_CRISIS, {"i": values}))["openCrisis"]["crisis"]["id"]
    changed = await c.data(PHASE, {"i": {"id": crisis_id, "phase": "RECOVERY"}})
    position = changed["changeCrisisPhase"]["position"]
    return Story(
        "crisis", crisis_id, position, c.bearer(), c.coordinator("PHL"), ["Opened", "PhaseChanged"],
        ("phase", "active-response", "recovery"), "phase", "ACTIVE_RESPONSE", "RECOVERY",
    )  # fmt: skip


async def _offer(w: World) -> str:
    values = {
        "crisisId": w.client.crisis_id, "sector": "SHL", "item": "SHL-TARP", "quantity": "80",
        "unit": "piece", "availableFrom": "2026-11-20", "availableUntil": "2027-03-31",
        "serves": ["PHL"], "deliveryMode": "IN_KIND",
    }  # fmt: skip
    return str((await w.client.data(POST_OFFER, {"i": values}, as_=w.donor))["postOffer"]["offer"]["id"])


async def offer(w: World) -> Story:
    offer_id = await _offer(w)
    withdrawn = await w.client.data(
        WITHDRAW, {"i": {"id": offer_id, "reason": "stock sent to Leyte"}}, as_=w.donor
    )
    return Story(
        "offer", offer_id, withdrawn["withdrawOffer"]["position"], w.donor, w.other_donor,
        ["Posted", "Withdrawn"], ("withdrawn", "false", "true"), "withdrawn", False, True,
    )  # fmt: skip


async def match(w: World) -> Story:
    c, phl = w.client, w.client.coordinator("PHL")
    request_id = (await c.post(quantity="100"))["request"]["id"]
    proposal = {"requestId": request_id, "offerId": await _offer(w), "quantity": "50"}
    match_id = (await c.data(PROPOSE, {"i": proposal}, as_=phl))["proposeMatch"]["match"]["id"]
    accepted = await c.data(ACCEPT, {"i": {"id": match_id}}, as_=phl)
    return Story(
        "match", match_id, accepted["acceptMatch"]["position"], phl, c.coordinator("THA"),
        ["Proposed", "Accepted"], ("status", "proposed", "accepted"), "status", "PROPOSED", "ACCEPTED",
    )  # fmt: skip


async def _fund(w: World) -> str:
    data = await w.client.data(OPEN_FUND, {"i": {"name": "ASEAN Stability Fund"}})
    return str(data["openFund"]["fund"]["id"])


async def _pledge(w: World, fund_id: str) -> str:
    values = {
        "destinationKind": "FUND", "destinationId": fund_id, "amount": "1000000", "currency": "JPY",
        "usdRate": "0.0066", "rateDate": "2026-11-20", "earmarking": "SOFTLY_EARMARKED",
    }  # fmt: skip
    return str((await w.client.data(PLEDGE, {"i": values}, as_=w.donor))["makePledge"]["pledge"]["id"])


async def pledge(w: World) -> Story:
    pledge_id = await _pledge(w, await _fund(w))
    committed = await w.client.data(COMMIT, {"i": {"id": pledge_id, "dueDate": "2027-01-31"}}, as_=w.donor)
    return Story(
        "pledge", pledge_id, committed["commitPledge"]["position"], w.donor, w.other_donor,
        ["Made", "Committed"], ("dueDate", None, "2027-01-31"), "status", "PLEDGED", "COMMITTED",
    )  # fmt: skip


async def fund(w: World) -> Story:
    fund_id = await _fund(w)
    pledge_id = await _pledge(w, fund_id)
    await w.client.data(COMMIT, {"i": {"id": pledge_id, "dueDate": "2027-01-31"}}, as_=w.donor)
    payment = {"id": pledge_id, "amount": "1000000", "usdRate": "0.0066", "rateDate": "2026-11-28",
               "paidOn": "2026-11-28"}  # fmt: skip
    paid = await w.client.data(PAY, {"i": payment}, as_=w.donor)
    return Story(
        "fund", fund_id, paid["recordPayment"]["position"], w.client.bearer(), w.donor,
        ["Opened", "ContributionReceived"], ("received", "0", "6600.00"), "received", "0", "6600.00",
    )  # fmt: skip


async def movement(w: World) -> Story:
    c = w.client
    movement_id = (await plan(c, {"country": "PHL", "adminCode": "PH153602"}))["movement"]["id"]
    confirmed = await confirm(c, movement_id)
    return Story(
        "movement", movement_id, confirmed["confirmVoluntariness"]["position"], c.coordinator("PHL"),
        c.coordinator("THA"), ["Planned", "VoluntarinessConfirmed"],
        ("voluntariness.confirmedBy", None, "UNHCR Iligan"), "status", "PLANNED", "VOLUNTARINESS_CONFIRMED",
    )  # fmt: skip


async def project(w: World) -> Story:
    c = w.client
    registered = (await register_project(c, w.donor_org))["project"]
    started = {"id": registered["id"], "status": "IMPLEMENTATION"}
    await c.data(STATUS, {"i": started}, as_=c.coordinator("PHL"))
    milestone = {"projectId": registered["id"], "milestoneId": registered["milestones"][0]["id"],
                 "achievedOn": "2026-11-21"}  # fmt: skip
    achieved = await c.data(ACHIEVE, {"i": milestone}, as_=c.coordinator("PHL"))
    return Story(
        "project", registered["id"], achieved["recordMilestone"]["position"], w.donor, c.coordinator("THA"),
        ["Registered", "MilestonePlanned", "ResultDefined", "StatusChanged", "MilestoneAchieved"],
        ("milestones[Design approved].achievedOn", None, "2026-11-21"),
        "milestones { achievedOn }", [], [{"achievedOn": "2026-11-21"}],
    )  # fmt: skip


STORIES: list[Callable[[World], Awaitable[Story]]] = [crisis, offer, match, pledge, fund, movement, project]


def _nodes(data: Any, field: str) -> list[dict[str, Any]]:
    return [edge["node"] for edge in data[field]["history"]["edges"]]


def _code(response: Any) -> tuple[str | None, str | None]:
    [error] = response.json()["errors"]
    return error["extensions"].get("code"), error["extensions"].get("field")


@pytest.mark.parametrize("story", STORIES, ids=lambda s: s.__name__)
async def test_history_says_what_changed_to_all_and_who_to_its_owners(
    world: World, story: Callable[[World], Awaitable[Story]]
) -> None:
    s = await story(world)
    c, query = world.client, HISTORY.format(field=s.field)

    owner = await c.data(query, {"id": s.id}, as_=s.owner, after=s.position)
    stranger = await c.data(query, {"id": s.id}, as_=s.stranger)
    secretariat = await c.data(query, {"id": s.id}, as_=c.bearer())
    first = await c.data(query, {"id": s.id, "first": 1}, as_=s.stranger)
    cursor = first[s.field]["history"]["pageInfo"]["endCursor"]
    rest = await c.data(query, {"id": s.id, "after": cursor}, as_=s.stranger)
    anonymous = await c.send(query, {"id": s.id}, as_={})

    seen = _nodes(owner, s.field)
    field, before, after = s.changed
    assert [n["event"] for n in seen] == s.events
    assert owner[s.field]["history"]["totalCount"] == len(s.events)
    assert {"field": field, "before": before, "after": after} in seen[-1]["changes"]
    assert all(n["actor"] is not None for n in seen + _nodes(secretariat, s.field))
    hidden = _nodes(stranger, s.field)
    assert [n["event"] for n in hidden] == s.events
    assert {"field": field, "before": before, "after": after} in hidden[-1]["changes"]
    assert [n["actor"] for n in hidden] == [None] * len(s.events)
    assert first[s.field]["history"]["pageInfo"]["hasNextPage"] is True
    assert _nodes(first, s.field) + _nodes(rest, s.field) == hidden
    assert rest[s.field]["history"]["pageInfo"]["hasNextPage"] is False
    assert anonymous.status_code == 401
    assert _code(anonymous) == ("UNAUTHENTICATED", None)


@pytest.mark.parametrize("story", STORIES, ids=lambda s: s.__name__)
async def test_as_of_shows_the_object_as_it_stood_and_nothing_before_it_existed(
    world: World, story: Callable[[World], Awaitable[Story]]
) -> None:
    s = await story(world)
    c, query = world.client, AS_OF.format(field=s.field, shown=s.shown)
    history = await c.data(HISTORY.format(field=s.field), {"id": s.id}, as_=s.stranger, after=s.position)
    first_at = _nodes(history, s.field)[0]["at"]
    key = s.shown.split(" ")[0]

    then = await c.data(query, {"id": s.id, "asOf": first_at}, as_=s.stranger)
    now = await c.data(query, {"id": s.id, "asOf": "2100-01-01T00:00:00Z"}, as_=s.stranger)
    before = await c.send(query, {"id": s.id, "asOf": "2020-01-01T00:00:00Z"}, as_=s.stranger)
    unzoned = await c.send(query, {"id": s.id, "asOf": "2026-11-28T09:00:00"}, as_=s.stranger)
    anonymous = await c.send(query, {"id": s.id, "asOf": first_at}, as_={})

    assert then[s.field] == {"id": s.id, key: s.then}
    assert now[s.field] == {"id": s.id, key: s.now}
    assert _code(before) == ("NOT_FOUND", None)
    assert _code(unzoned) == ("BAD_USER_INPUT", "asOf")
    assert anonymous.status_code == 401


MOVEMENT_AS_OF = """query($id: ID!, $asOf: DateTime) { movement(id: $id, asOf: $asOf) {
  status originAdminCode destinationAdminCode vulnerable { group people } } }"""


@pytest.mark.parametrize(("who", "needs_to_know"), [("host", True), ("viewer", False), ("donor", False)])
async def test_a_movements_past_withholds_its_places_and_small_counts_as_the_movement_does(
    world: World, who: str, needs_to_know: bool
) -> None:
    s = await movement(world)
    c = world.client
    auth = {"host": c.coordinator("PHL"), "viewer": c.bearer(Role.VIEWER), "donor": world.donor}[who]

    history = await c.data(HISTORY.format(field="movement"), {"id": s.id}, as_=auth, after=s.position)
    planned_at = _nodes(history, "movement")[0]["at"]
    then = (await c.data(MOVEMENT_AS_OF, {"id": s.id, "asOf": planned_at}, as_=auth))["movement"]

    planned = {change["field"]: change["after"] for change in _nodes(history, "movement")[0]["changes"]}
    places = {"originAdminCode", "destinationAdminCode"}
    child = "vulnerable[unaccompanied-or-separated-children]"
    assert then["status"] == "PLANNED"
    assert (places <= planned.keys()) is needs_to_know
    assert not places & planned.keys() or needs_to_know
    assert (then["destinationAdminCode"] == "PH153602") is needs_to_know
    assert planned["people"] == "120"
    assert planned.get(child) == ("3" if who != "viewer" else None)  # a small count: not for viewers
    assert then["vulnerable"] == [
        {"group": "UNACCOMPANIED_OR_SEPARATED_CHILDREN", "people": 3 if who != "viewer" else None}
    ]
