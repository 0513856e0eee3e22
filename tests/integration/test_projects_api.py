"""Projects over GraphQL on SQLite and PostgreSQL: the lifecycle, who may do what, and the money
pledged and allocated to a project appearing as its funding."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain.access import Role
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving

REGISTER_ORG = """mutation($i: RegisterOrganisationInput!) {
  registerOrganisation(input: $i) { organisation { id } } }"""
REGISTER = """mutation($i: RegisterProjectInput!) { registerProject(input: $i) { position project {
  id status iatiStatus budget { usdAmount } milestones { id title dueDate achievedOn }
  results { id indicator hxlTag progress } funding { pledged gap } } } }"""
STATUS = """mutation($i: ChangeProjectStatusInput!) {
  changeProjectStatus(input: $i) { position project { status startedOn } } }"""
ACHIEVE = """mutation($i: RecordMilestoneInput!) {
  recordMilestone(input: $i) { position project { milestones { title achievedOn } } } }"""
MEASURE = """mutation($i: RecordResultInput!) {
  recordResult(input: $i) { position project { results { achieved progress } } } }"""
PLEDGE = """mutation($i: MakePledgeInput!) { makePledge(input: $i) { position pledge { id } } }"""
COMMIT = "mutation($i: CommitPledgeInput!) { commitPledge(input: $i) { position } }"
PAY = "mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { position } }"
OPEN_FUND = "mutation($i: OpenFundInput!) { openFund(input: $i) { fund { id } } }"
ALLOCATE = """mutation($i: AllocateFromFundInput!) { allocateFromFund(input: $i) { position
  allocation { id } } }"""
DISBURSE = "mutation($i: DisburseInput!) { disburse(input: $i) { position } }"
PROJECT = """query($id: ID!) { project(id: $id) { title status admin1 implementingOrganisations { name }
  funding { pledged committed paid allocated disbursed pledges gap } } }"""
LIST = """query($f: ProjectFilter) { projects(filter: $f) { totalCount edges { node { title } } } }"""


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


async def organisation(client: Client, name: str) -> str:
    data = await client.data(REGISTER_ORG, {"i": {"name": name, "type": "NGO"}})
    return str(data["registerOrganisation"]["organisation"]["id"])


def project_input(client: Client, implementer: str, **overrides: Any) -> dict[str, Any]:
    values = {
        "crisisId": client.crisis_id,
        "memberState": "PHL",
        "title": "Rebuild Marawi's grand market",
        "sector": "ERY",
        "adminCode": "PH153602",
        "implementingOrganisations": [implementer],
        "budget": "25000000",
        "currency": "PHP",
        "usdRate": "0.0171",
        "rateDate": "2026-11-28",
        "plannedStart": "2026-11-01",
        "plannedEnd": "2028-06-30",
        "milestones": [{"title": "Design approved", "dueDate": "2026-11-20"}],
        "results": [
            {"indicator": "Stalls rebuilt", "unit": "stall", "baseline": "0", "target": "400",
             "hxlTag": "#indicator+stalls"},
        ],
    }  # fmt: skip
    values.update(overrides)
    return values


async def register(client: Client, implementer: str, **overrides: Any) -> dict[str, Any]:
    state = overrides.get("memberState", "PHL")
    variables = {"i": project_input(client, implementer, **overrides)}
    data = await client.data(REGISTER, variables, as_=client.coordinator(state))
    return data["registerProject"]  # type: ignore[no-any-return]


def codes(response: Any) -> list[str]:
    return [e["extensions"]["code"] for e in response.json()["errors"]]


async def test_the_host_state_and_the_implementer_run_a_project_through_its_lifecycle(client: Client) -> None:
    builder = await organisation(client, "Marawi Builders")
    registered = await register(client, builder)
    project = registered["project"]
    phl, implementer = client.coordinator("PHL"), client.bearer(Role.DONOR, org=uuid.UUID(builder))
    [milestone], [result] = project["milestones"], project["results"]

    refused = await client.send(
        STATUS, {"i": {"id": project["id"], "status": "IMPLEMENTATION"}}, as_=implementer
    )
    started = await client.data(STATUS, {"i": {"id": project["id"], "status": "IMPLEMENTATION"}}, as_=phl)
    achieved = await client.data(
        ACHIEVE,
        {"i": {"projectId": project["id"], "milestoneId": milestone["id"], "achievedOn": "2026-11-18"}},
        as_=implementer,
    )
    measured = await client.data(
        MEASURE,
        {
            "i": {
                "projectId": project["id"],
                "resultId": result["id"],
                "achieved": "100",
                "measuredOn": "2026-11-27",
            }
        },
        as_=implementer,
    )
    future = await client.send(
        MEASURE,
        {
            "i": {
                "projectId": project["id"],
                "resultId": result["id"],
                "achieved": "1",
                "measuredOn": "2026-12-01",
            }
        },
        as_=phl,
    )
    closed = await client.send(STATUS, {"i": {"id": project["id"], "status": "CLOSED"}}, as_=phl)

    assert (project["status"], project["iatiStatus"], project["budget"]["usdAmount"]) == (
        "PIPELINE", "1", "427500.00"
    )  # fmt: skip
    assert codes(refused) == ["FORBIDDEN"]
    assert started["changeProjectStatus"]["project"] == {
        "status": "IMPLEMENTATION",
        "startedOn": "2026-11-28",
    }
    assert achieved["recordMilestone"]["project"]["milestones"] == [
        {"title": "Design approved", "achievedOn": "2026-11-18"}
    ]
    assert measured["recordResult"]["project"]["results"] == [{"achieved": "100", "progress": "0.2500"}]
    assert future.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "measuredOn"}
    assert codes(closed) == ["CONFLICT"]


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("host", True), ("secretariat", True), ("other state", False), ("donor", False), ("viewer", False)],
)
async def test_who_may_register_a_project(client: Client, who: str, allowed: bool) -> None:
    builder = await organisation(client, "Marawi Builders")
    auth = {
        "host": client.coordinator("PHL"),
        "secretariat": client.bearer(Role.SECRETARIAT),
        "other state": client.coordinator("THA"),
        "donor": client.bearer(Role.DONOR, org=uuid.UUID(builder)),
        "viewer": client.bearer(Role.VIEWER),
    }[who]

    response = await client.send(REGISTER, {"i": project_input(client, builder)}, as_=auth)

    assert ("errors" not in response.json()) is allowed
    if not allowed:
        assert codes(response) == ["FORBIDDEN"]


async def test_bad_input_is_refused_with_the_field_that_is_wrong(client: Client) -> None:
    builder = await organisation(client, "Marawi Builders")
    phl = client.coordinator("PHL")
    cases: dict[str, dict[str, Any] | None] = {
        "sector": {"sector": "FSC"},
        "implementingOrganisations": {"implementingOrganisations": [str(uuid.uuid4())]},
        "milestones.0.dueDate": {"milestones": [{"title": "Survey", "dueDate": "2026-01-01"}]},
        "budget": {"currency": "JPY", "budget": "10.5"},
        "area": None,
    }
    fields = {}
    for field, overrides in cases.items():
        if overrides is None:
            response = await client.send(LIST, {"f": {"area": "PH15%"}}, as_=phl)
        else:
            response = await client.send(
                REGISTER, {"i": project_input(client, builder, **overrides)}, as_=phl
            )
        fields[field] = response.json()["errors"][0]["extensions"]

    assert fields == {field: {"code": "BAD_USER_INPUT", "field": field} for field in cases}


async def test_pledges_and_allocations_to_a_project_are_its_funding(client: Client) -> None:
    builder = await organisation(client, "Marawi Builders")
    jica = await organisation(client, "JICA")
    donor = client.bearer(Role.DONOR, org=uuid.UUID(jica))
    project = (await register(client, builder))["project"]
    pledge = {
        "destinationKind": "PROJECT", "destinationId": project["id"], "amount": "30000000",
        "currency": "JPY", "usdRate": "0.0066", "rateDate": "2026-11-20", "earmarking": "EARMARKED",
    }  # fmt: skip

    pledged = await client.data(PLEDGE, {"i": pledge}, as_=donor)
    pledge_id = pledged["makePledge"]["pledge"]["id"]
    await client.data(COMMIT, {"i": {"id": pledge_id, "dueDate": "2027-01-31"}}, as_=donor)
    payment = {"id": pledge_id, "amount": "10000000", "usdRate": "0.0065", "rateDate": "2026-11-28",
               "paidOn": "2026-11-28"}  # fmt: skip
    await client.data(PAY, {"i": payment}, as_=donor)
    fund = (await client.data(OPEN_FUND, {"i": {"name": "ASEAN Stability Fund"}}))["openFund"]["fund"]["id"]
    to_fund = await client.data(
        PLEDGE, {"i": {**pledge, "destinationKind": "FUND", "destinationId": fund}}, as_=donor
    )
    fund_pledge = to_fund["makePledge"]["pledge"]["id"]
    await client.data(COMMIT, {"i": {"id": fund_pledge, "dueDate": "2027-01-31"}}, as_=donor)
    await client.data(PAY, {"i": {**payment, "id": fund_pledge}}, as_=donor)
    allocation = {
        "fundId": fund, "window": "STANDARD", "destinationKind": "PROJECT", "destinationId": project["id"],
        "usdAmount": "20000", "rationale": "market reopening brings back livelihoods",
    }  # fmt: skip
    allocated = await client.data(ALLOCATE, {"i": allocation})
    allocation_id = allocated["allocateFromFund"]["allocation"]["id"]
    disbursed = await client.data(
        DISBURSE, {"i": {"fundId": fund, "allocationId": allocation_id, "usdAmount": "5000"}}
    )
    nowhere = await client.send(PLEDGE, {"i": {**pledge, "destinationId": str(uuid.uuid4())}}, as_=donor)
    await client.data(
        STATUS,
        {"i": {"id": project["id"], "status": "SUSPENDED", "reason": "clashes"}},
        as_=client.coordinator(),
    )
    suspended = await client.send(PLEDGE, {"i": pledge}, as_=donor)
    not_allocated = await client.send(ALLOCATE, {"i": allocation})
    seen = await client.data(PROJECT, {"id": project["id"]}, after=disbursed["disburse"]["position"])

    assert codes(nowhere) == ["NOT_FOUND"]
    assert codes(suspended) == codes(not_allocated) == ["CONFLICT"]
    assert seen["project"]["implementingOrganisations"] == [{"name": "Marawi Builders"}]
    assert seen["project"]["funding"] == {
        "pledged": "198000", "committed": "198000", "paid": "65000", "allocated": "20000",
        "disbursed": "5000", "pledges": 1, "gap": "209500",
    }  # fmt: skip


async def test_projects_are_listed_by_crisis_state_area_and_status(client: Client) -> None:
    builder = await organisation(client, "Marawi Builders")
    await register(client, builder, title="Market", adminCode="PH153602")
    await register(client, builder, title="School", adminCode="PH0702", sector="PB_EDX")
    last = await register(client, builder, title="Bridge", memberState="THA", adminCode="TH15")
    await client.data("{ crises { id } }", after=last["position"])

    async def titles(**where: Any) -> list[str]:
        data = await client.data(LIST, {"f": where}, as_=client.bearer(Role.VIEWER))
        return [edge["node"]["title"] for edge in data["projects"]["edges"]]

    assert await titles() == ["Bridge", "School", "Market"]
    assert await titles(memberState=["PHL"], area="ph15") == ["Market"]
    assert await titles(crisis=[client.crisis_id], status=["PIPELINE"], sector=["PB_EDX"]) == ["School"]
    assert await titles(status=["IMPLEMENTATION"]) == []


async def test_a_budget_keeps_its_exact_exchange_rate(client: Client) -> None:
    builder = await organisation(client, "Hue Heritage Works")
    registered = await register(
        client, builder, memberState="VNM", adminCode="VN46", currency="VND", budget="1000000000",
        usdRate="0.0000394",
    )  # fmt: skip

    seen = await client.data(
        "query($id: ID!) { project(id: $id) { budget { amount currency usdRate usdAmount } } }",
        {"id": registered["project"]["id"]},
        after=registered["position"],
    )

    assert seen["project"]["budget"] == {
        "amount": "1000000000", "currency": "VND", "usdRate": "0.0000394", "usdAmount": "39400",
    }  # fmt: skip
