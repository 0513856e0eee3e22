"""Movements, incidents, displacement and the 3W over GraphQL, as each role sees them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain.access import Role
from services.api.dashboard import operations_dir
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving
from tests.integration.test_exports import read_hxl
from tests.integration.test_havens_api import designate
from tests.integration.test_projects_api import organisation
from tests.integration.test_projects_api import register as register_project

PLAN = """mutation($i: PlanMovementInput!) { planMovement(input: $i) { position movement {
  id status people member_state: memberState destinationAdmin1 } } }"""
STEP = """mutation($id: ID!) { approveMovement(input: {id: $id}) { position movement { status } } }"""
CONFIRM = """mutation($i: ConfirmVoluntarinessInput!) { confirmVoluntariness(input: $i) {
  position movement { status voluntariness { confirmedBy method confirmedOn } } } }"""
START = (
    """mutation($id: ID!) { startMovement(input: {id: $id}) { position movement { status departedOn } } }"""
)
ARRIVE = """mutation($i: RecordArrivalInput!) { recordArrival(input: $i) {
  position movement { status peopleArrived } } }"""
MOVEMENT = """query($id: ID!) { movement(id: $id) { status people peopleArrived risk destinationAdmin1
  destinationAdminCode originAdminCode group { sex ageGroup people } vulnerable { group people }
  destinationSafeHaven { name admin1 adminCode location { latitude } occupancy reserved available } } }"""
REPORT = (
    """mutation($i: ReportIncidentInput!) { reportIncident(input: $i) { position incident { id status } } }"""
)
INCIDENTS = "{ incidents { kind severity status admin1 adminCode description affectedOrganisations } }"
FIGURES = (
    """mutation($i: RecordDisplacementFiguresInput!) { recordDisplacementFigures(input: $i) { position } }"""
)
CLEAR = (
    """mutation($i: ClearForSecurityInput!) { clearForSecurity(input: $i) { position risk conditions } }"""
)
DISPLACEMENT = "{ displacement { country adminCode asOf displaced returned resettled } }"


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


async def plan(client: Client, destination: dict[str, Any], people: int = 120, **kw: Any) -> dict[str, Any]:
    values = {
        "crisisId": client.crisis_id,
        "kind": "IDP_RETURN",
        "origin": {"country": "PHL", "adminCode": "PH153601"},
        "destination": destination,
        "group": [
            {"sex": "FEMALE", "ageGroup": "AGE_0_4", "people": 20},
            {"sex": "FEMALE", "ageGroup": "AGE_18_59", "people": people // 2 - 20},
            {"sex": "MALE", "ageGroup": "AGE_18_59", "people": people - people // 2},
        ],
        "vulnerable": [{"group": "UNACCOMPANIED_OR_SEPARATED_CHILDREN", "people": 3}],
        "plannedDeparture": "2026-11-30",
        "plannedArrival": "2026-12-02",
        **kw,
    }
    data = await client.data(PLAN, {"i": values}, as_=client.coordinator("PHL"))
    return data["planMovement"]  # type: ignore[no-any-return]


async def confirm(client: Client, movement: str) -> dict[str, Any]:
    values = {
        "id": movement,
        "confirmedBy": "UNHCR Iligan",
        "method": "GO_AND_SEE_VISIT",
        "confirmedOn": "2026-11-27",
    }
    return await client.data(CONFIRM, {"i": values}, as_=client.coordinator("PHL"))  # type: ignore[no-any-return]


async def test_a_return_into_a_safe_haven_from_plan_to_arrival(client: Client) -> None:
    haven = (await designate(client, capacityDay=200, capacityNight=200))["safeHaven"]["id"]
    phl = client.coordinator("PHL")
    planned = await plan(client, {"safeHavenId": haven})
    movement = planned["movement"]["id"]

    unconfirmed = await client.send(STEP, {"id": movement}, as_=phl)
    confirmed = await confirm(client, movement)
    foreign = await client.send(STEP, {"id": movement}, as_=client.coordinator("THA"))
    secretariat = await client.send(STEP, {"id": movement}, as_=client.bearer(Role.SECRETARIAT))
    approved = await client.data(STEP, {"id": movement}, as_=phl)
    second = (await plan(client, {"safeHavenId": haven}, people=100))["movement"]["id"]
    await confirm(client, second)
    over = await client.send(STEP, {"id": second}, as_=phl)
    await client.data(START, {"id": movement}, as_=phl)
    arrived = await client.data(ARRIVE, {"i": {"id": movement, "peopleArrived": 118}}, as_=phl)
    seen = await client.data(MOVEMENT, {"id": movement}, as_=phl, after=arrived["recordArrival"]["position"])

    assert planned["movement"]["status"] == "PLANNED"
    assert unconfirmed.json()["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert confirmed["confirmVoluntariness"]["movement"]["voluntariness"]["method"] == "GO_AND_SEE_VISIT"
    assert foreign.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert secretariat.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert approved["approveMovement"]["movement"]["status"] == "APPROVED"
    assert over.json()["errors"][0]["extensions"]["code"] == "CONFLICT"  # 120 reserved of 200
    assert arrived["recordArrival"]["movement"] == {"status": "ARRIVED", "peopleArrived": 118}
    m = seen["movement"]
    assert (m["people"], m["peopleArrived"], m["risk"], m["destinationAdminCode"]) == (
        120,
        118,
        "MINIMAL",
        "PH153602",
    )
    assert m["destinationSafeHaven"]["occupancy"] == 118
    assert m["destinationSafeHaven"]["reserved"] == 0
    assert {"group": "UNACCOMPANIED_OR_SEPARATED_CHILDREN", "people": 3} in m["vulnerable"]
    assert {"sex": "FEMALE", "ageGroup": "AGE_0_4", "people": 20} in m["group"]


async def test_a_page_of_movements_names_each_ones_own_safe_havens(client: Client) -> None:
    """The movements page (StateMovements) reads a page's havens together: each movement still
    shows its own origin and destination haven, and none where it has none."""
    first = (await designate(client, name="Balo-i evacuation centre"))["safeHaven"]["id"]
    second = (await designate(client, name="Iligan sports complex", adminCode="PH153601"))["safeHaven"]["id"]
    phl = client.coordinator("PHL")
    places = [
        ({"safeHavenId": first}, {"safeHavenId": second}),
        ({"safeHavenId": second}, {"country": "PHL", "adminCode": "PH153602"}),
        ({"country": "PHL", "adminCode": "PH153601"}, {"safeHavenId": first}),
        ({"country": "PHL", "adminCode": "PH153601"}, {"country": "PHL", "adminCode": "PH153602"}),
    ]
    planned = [(await plan(client, destination, people=60, origin=origin)) for origin, destination in places]
    page = await client.data(
        (operations_dir() / "StateMovements.graphql").read_text(encoding="utf-8"),
        {"memberState": ["PHL"]},
        as_=phl,
        after=planned[-1]["position"],
    )

    names = {first: "Balo-i evacuation centre", second: "Iligan sports complex"}

    def shown(place: dict[str, Any]) -> dict[str, Any] | None:
        haven = place.get("safeHavenId")
        return {"id": haven, "name": names[haven]} if haven else None

    nodes = {edge["node"]["id"]: edge["node"] for edge in page["movementsConnection"]["edges"]}
    assert [
        (nodes[p["movement"]["id"]]["originSafeHaven"], nodes[p["movement"]["id"]]["destinationSafeHaven"])
        for p in planned
    ] == [(shown(origin), shown(destination)) for origin, destination in places]


@pytest.mark.parametrize("who", ["viewer", "donor", "other state"])
async def test_where_a_movement_shelters_is_need_to_know_also_when_nested(client: Client, who: str) -> None:
    haven = (await designate(client))["safeHaven"]["id"]
    planned = await plan(client, {"safeHavenId": haven})
    auth = {
        "viewer": client.bearer(Role.VIEWER),
        "donor": client.bearer(Role.DONOR, org=uuid.uuid4()),
        "other state": client.coordinator("THA"),
    }[who]

    seen = await client.data(MOVEMENT, {"id": planned["movement"]["id"]}, as_=auth, after=planned["position"])
    listed = await client.data(
        "{ movements { destinationAdmin1 destinationAdminCode originAdminCode } }", as_=auth
    )

    m = seen["movement"]
    assert (m["destinationAdmin1"], m["destinationAdminCode"], m["originAdminCode"]) == ("PH15", None, None)
    assert m["destinationSafeHaven"]["adminCode"] is None
    assert m["destinationSafeHaven"]["location"] is None
    assert listed["movements"] == [
        {"destinationAdmin1": "PH15", "destinationAdminCode": None, "originAdminCode": None}
    ]


async def test_an_incident_raises_the_risk_seen_on_requests_and_movements(client: Client) -> None:
    phl = client.coordinator("PHL")
    posted = await client.post(adminCode="PH153602")
    planned = await plan(client, {"country": "PHL", "adminCode": "PH153602"})
    incident = {
        "memberState": "PHL",
        "adminCode": "PH1536",
        "occurredOn": "2026-11-27",
        "kind": "ATTACK_ON_AID_WORKERS",
        "severity": "EXTREME",
        "description": "Convoy fired upon at the Pantar bridge",
    }
    reported = await client.data(
        REPORT, {"i": incident}, as_=client.bearer(Role.DONOR, org=await _org(client))
    )
    after = reported["reportIncident"]["position"]

    request = await client.data(
        "query($id: ID!) { request(id: $id) { risk } }", {"id": posted["request"]["id"]}, as_=phl, after=after
    )
    movement = await client.data(MOVEMENT, {"id": planned["movement"]["id"]}, as_=phl, after=after)
    risks = await client.data(
        '{ riskLevels(memberState: PHL, areas: ["PH15", "PH1538", "PH153602"]) { adminCode risk } }', as_=phl
    )
    viewer = await client.data(INCIDENTS, as_=client.bearer(Role.VIEWER), after=after)
    host = await client.data(INCIDENTS, as_=phl, after=after)

    assert request["request"]["risk"] == "EXTREME"
    assert movement["movement"]["risk"] == "EXTREME"
    assert [r["risk"] for r in risks["riskLevels"]] == ["EXTREME", "MINIMAL", "EXTREME"]
    assert viewer["incidents"][0]["description"] is None
    assert viewer["incidents"][0]["severity"] == "EXTREME"
    assert host["incidents"][0]["description"] == "Convoy fired upon at the Pantar bridge"


async def _org(client: Client) -> uuid.UUID:
    registered = await client.data(
        'mutation { registerOrganisation(input: {name: "Philippine Red Cross", type: NGO}) '
        "{ organisation { id } } }"
    )
    return uuid.UUID(registered["registerOrganisation"]["organisation"]["id"])


async def test_displacement_figures_follow_assessments_and_arrivals(client: Client) -> None:
    phl = client.coordinator("PHL")
    figures = {
        "crisisId": client.crisis_id,
        "memberState": "PHL",
        "adminCode": "PH153601",
        "asOf": "2026-11-20",
        "displaced": 5000,
        "returned": 0,
        "resettled": 0,
        "source": "IOM DTM baseline round 1",
    }
    await client.data(FIGURES, {"i": figures}, as_=phl)
    movement = (await plan(client, {"country": "PHL", "adminCode": "PH153602"}))["movement"]["id"]
    await confirm(client, movement)
    await client.data(STEP, {"id": movement}, as_=phl)
    await client.data(START, {"id": movement}, as_=phl)
    arrived = await client.data(ARRIVE, {"i": {"id": movement, "peopleArrived": 100}}, as_=phl)
    after = arrived["recordArrival"]["position"]

    exact = await client.data(DISPLACEMENT, as_=phl, after=after)
    rolled_up = await client.data(DISPLACEMENT, as_=client.bearer(Role.VIEWER), after=after)

    assert exact["displacement"] == [
        {
            "country": "PHL",
            "adminCode": "PH153601",
            "asOf": "2026-11-20",
            "displaced": 5000,
            "returned": 0,
            "resettled": 0,
        },
        {
            "country": "PHL",
            "adminCode": "PH153601",
            "asOf": "2026-11-28",
            "displaced": 4900,
            "returned": 0,
            "resettled": 0,
        },
        {
            "country": "PHL",
            "adminCode": "PH153602",
            "asOf": "2026-11-28",
            "displaced": 0,
            "returned": 100,
            "resettled": 0,
        },
    ]
    assert rolled_up["displacement"][-1] == {
        "country": "PHL",
        "adminCode": "PH15",
        "asOf": "2026-11-28",
        "displaced": 4900,
        "returned": 100,
        "resettled": 0,
    }


async def propose(client: Client) -> tuple[dict[str, Any], uuid.UUID, dict[str, Any]]:
    """A request of the Philippines and a match of 200 from the Philippine Red Cross's offer."""
    posted = await client.post()
    org = await _org(client)
    offer = await client.data(
        """mutation($i: PostOfferInput!) { postOffer(input: $i) { offer { id } } }""",
        {
            "i": {
                "crisisId": client.crisis_id,
                "sector": "SHL",
                "item": "SHL-TARP",
                "quantity": "300",
                "unit": "piece",
                "availableFrom": "2026-11-28",
                "availableUntil": "2027-01-31",
                "serves": ["PHL"],
                "deliveryMode": "IN_KIND",
            }
        },
        as_=client.bearer(Role.DONOR, org=org),
    )
    proposed = await client.data(
        "mutation($i: ProposeMatchInput!) { proposeMatch(input: $i) { position match { id } } }",
        {
            "i": {
                "requestId": posted["request"]["id"],
                "offerId": offer["postOffer"]["offer"]["id"],
                "quantity": "200",
            }
        },
    )
    return posted, org, proposed


async def test_a_delivery_into_an_area_at_extreme_risk_waits_for_a_clearance(client: Client) -> None:
    _, org, proposed = await propose(client)
    match = proposed["proposeMatch"]["match"]["id"]
    phl, red_cross = client.coordinator("PHL"), client.bearer(Role.DONOR, org=org)
    step = "mutation($id: ID!) { %s(input: {id: $id}) { position match { status } } }"
    await client.data(step % "acceptMatch", {"id": match}, as_=phl)
    await client.data(step % "confirmMatch", {"id": match}, as_=red_cross)
    incident = {
        "memberState": "PHL",
        "adminCode": "PH15",
        "occurredOn": "2026-11-28",
        "kind": "ARMED_CLASHES",
        "severity": "EXTREME",
        "description": "Fighting in Marawi city",
    }
    reported = await client.data(REPORT, {"i": incident}, as_=phl)

    risk = await client.data(
        "query($id: ID!) { match(id: $id) { risk } }",
        {"id": match},
        after=reported["reportIncident"]["position"],
    )
    refused = await client.send(step % "dispatchMatch", {"id": match}, as_=red_cross)
    donor_clears = await client.send(CLEAR, {"i": {"matchId": match, "conditions": "escort"}}, as_=red_cross)
    cleared = await client.data(
        CLEAR, {"i": {"matchId": match, "conditions": "AFP escort, daylight only"}}, as_=phl
    )
    dispatched = await client.data(step % "dispatchMatch", {"id": match}, as_=red_cross)

    assert risk["match"]["risk"] == "EXTREME"
    assert refused.json()["errors"][0]["extensions"]["code"] == "SECURITY_CLEARANCE_REQUIRED"
    assert donor_clears.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert cleared["clearForSecurity"]["risk"] == "EXTREME"
    assert dispatched["dispatchMatch"]["match"]["status"] == "DISPATCHED"


async def test_who_what_where_lists_requests_and_deliveries(client: Client) -> None:
    _, _, proposed = await propose(client)

    seen = await client.data(
        "{ whoWhatWhere(activity: [REQUEST, DELIVERY]) { activity organisationName actingState memberState "
        "adminCode sector quantity "
        "status } }",
        as_=client.bearer(Role.VIEWER),
        after=proposed["proposeMatch"]["position"],
    )

    assert seen["whoWhatWhere"] == [
        {
            "activity": "DELIVERY",
            "organisationName": "Philippine Red Cross",
            "actingState": None,
            "memberState": "PHL",
            "adminCode": "PH1536",
            "sector": "SHL",
            "quantity": "200",
            "status": "proposed",
        },
        {
            "activity": "REQUEST",
            "organisationName": None,
            "actingState": "PHL",
            "memberState": "PHL",
            "adminCode": "PH1536",
            "sector": "SHL",
            "quantity": "500",
            "status": "open",
        },
    ]


async def test_who_what_where_names_each_implementer_of_a_project(client: Client) -> None:
    builder = await organisation(client, "Marawi Builders")
    teachers = await organisation(client, "Mindanao Teachers' Network")
    registered = await register_project(client, builder, implementingOrganisations=[builder, teachers])

    seen = await client.data(
        "{ whoWhatWhere(activity: [PROJECT]) { activity organisationName memberState sector title unit } }",
        as_=client.bearer(Role.VIEWER),
        after=registered["position"],
    )

    assert sorted(a["organisationName"] for a in seen["whoWhatWhere"]) == [
        "Marawi Builders",
        "Mindanao Teachers' Network",
    ]
    assert {a["activity"] for a in seen["whoWhatWhere"]} == {"PROJECT"}
    assert {a["unit"] for a in seen["whoWhatWhere"]} == {"USD"}


@pytest.mark.parametrize(("who", "needs_to_know"), [("host", True), ("viewer", False)])
async def test_movements_and_the_3w_export_as_hxl(client: Client, who: str, needs_to_know: bool) -> None:
    await plan(client, {"country": "PHL", "adminCode": "PH153602"})
    posted = await client.post()
    await client.data("{ crises { id } }", after=posted["position"])
    auth = client.coordinator("PHL") if who == "host" else client.bearer(Role.VIEWER)

    movements = read_hxl(await client.http.get("/exports/movements.csv", headers=auth))
    three_w = read_hxl(await client.http.get("/exports/3w.csv", headers=auth))

    [row] = movements
    assert row.get("#adm1+code+destination") == "PH15"
    assert row.get("#affected+num") == "120"
    assert row.get("#affected+f+age0_4+num") == "20"
    assert row.get("#affected+m+age60_plus+num") == "0"  # zero is not a small count
    assert row.get("#loc+code+destination") == ("PH153602" if needs_to_know else None)
    assert row.get("#loc+code+origin") == ("PH153601" if needs_to_know else None)
    assert [(r.get("#activity+type"), r.get("#sector+cluster")) for r in three_w] == [("request", "SHL")]


@pytest.mark.parametrize(("who", "sees_small"), [("viewer", False), ("host", True), ("donor", True)])
async def test_viewers_never_see_counts_of_one_to_four_people(
    client: Client, who: str, sees_small: bool
) -> None:
    haven = (await designate(client))["safeHaven"]["id"]
    admitted = await client.data(
        """mutation($i: PeopleInput!) { admitToSafeHaven(input: $i) { position } }""",
        {"i": {"id": haven, "people": 3}},
        as_=client.coordinator("PHL"),
    )
    planned = await plan(client, {"country": "PHL", "adminCode": "PH153602"}, people=60)
    auth = {
        "viewer": client.bearer(Role.VIEWER),
        "host": client.coordinator("PHL"),
        "donor": client.bearer(Role.DONOR, org=uuid.uuid4()),
    }[who]
    after = max(admitted["admitToSafeHaven"]["position"], planned["position"])

    havens = await client.data(
        "{ safeHavens { occupancy reserved available capacity } }", as_=auth, after=after
    )
    movement = await client.data(MOVEMENT, {"id": planned["movement"]["id"]}, as_=auth)

    [seen] = havens["safeHavens"]
    group = {(g["sex"], g["ageGroup"]): g["people"] for g in movement["movement"]["group"]}
    vulnerable = movement["movement"]["vulnerable"]
    if sees_small:
        assert (seen["occupancy"], seen["available"]) == (3, 297)
        assert vulnerable == [{"group": "UNACCOMPANIED_OR_SEPARATED_CHILDREN", "people": 3}]
    else:
        assert (seen["occupancy"], seen["available"], seen["capacity"]) == (None, None, 300)
        assert vulnerable == [{"group": "UNACCOMPANIED_OR_SEPARATED_CHILDREN", "people": None}]
    assert seen["reserved"] == 0  # zero is not a small count
    assert movement["movement"]["people"] == 60
    assert group[("FEMALE", "AGE_0_4")] == 20
