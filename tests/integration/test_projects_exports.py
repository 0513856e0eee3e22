"""Projects in the exports: FTS flows know the receiving state and sector of a project, and each
project is an IATI 2.03 activity (status, dates, implementers, money in, results) that validates."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import hxl
import pytest
from lxml import etree

from domain.access import Role
from projections import querying
from services.api.exports import iati
from services.api.exports.iati_activities import REPORTING_ORG
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving
from tests.integration.test_projects_api import (
    ALLOCATE,
    COMMIT,
    DISBURSE,
    OPEN_FUND,
    PAY,
    PLEDGE,
    STATUS,
    organisation,
    register,
)

IATI_SCHEMA = Path(__file__).parent.parent / "data" / "iati-2.03" / "iati-activities-schema.xsd"


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


async def funded_project(client: Client) -> tuple[str, int]:
    """A running project with a partly paid pledge, and an allocation from the fund partly disbursed."""
    donor_org = await organisation(client, "JICA")
    donor = client.bearer(Role.DONOR, org=uuid.UUID(donor_org))
    project = (await register(client, await organisation(client, "Marawi Builders")))["project"]
    await client.data(
        STATUS, {"i": {"id": project["id"], "status": "IMPLEMENTATION"}}, as_=client.coordinator()
    )
    fund = (await client.data(OPEN_FUND, {"i": {"name": "ASEAN Stability Fund"}}))["openFund"]["fund"]["id"]
    for kind, destination in (("PROJECT", project["id"]), ("FUND", fund)):
        pledge = {
            "destinationKind": kind, "destinationId": destination, "amount": "30000000", "currency": "JPY",
            "usdRate": "0.0066", "rateDate": "2026-11-20", "earmarking": "EARMARKED",
        }  # fmt: skip
        pledged = (await client.data(PLEDGE, {"i": pledge}, as_=donor))["makePledge"]["pledge"]["id"]
        await client.data(COMMIT, {"i": {"id": pledged, "dueDate": "2027-01-31"}}, as_=donor)
        payment = {"id": pledged, "amount": "10000000", "usdRate": "0.0065", "rateDate": "2026-11-28",
                   "paidOn": "2026-11-28"}  # fmt: skip
        await client.data(PAY, {"i": payment}, as_=donor)
    allocation = {
        "fundId": fund, "window": "RESERVE", "destinationKind": "PROJECT", "destinationId": project["id"],
        "usdAmount": "20000", "rationale": "the market roof before the rains",
    }  # fmt: skip
    allocated = await client.data(ALLOCATE, {"i": allocation})
    allocation_id = allocated["allocateFromFund"]["allocation"]["id"]
    disbursed = await client.data(
        DISBURSE, {"i": {"fundId": fund, "allocationId": allocation_id, "usdAmount": "5000"}}
    )
    return project["id"], int(disbursed["disburse"]["position"])


async def test_each_project_is_a_valid_iati_activity_with_its_money_in(client: Client) -> None:
    project, position = await funded_project(client)
    await client.data("{ funds { id } }", after=position)

    response = await client.http.get("/exports/iati.xml", headers=client.bearer())

    assert response.status_code == 200
    document = etree.fromstring(response.content)
    schema = etree.XMLSchema(etree.parse(str(IATI_SCHEMA)))
    assert schema.validate(document), schema.error_log
    [activity] = [
        a for a in document.iter("iati-activity") if a.findtext("iati-identifier").endswith(project)
    ]
    assert activity.find("activity-status").get("code") == "2"
    assert activity.find("recipient-country").get("code") == "PH"
    assert activity.find("sector").get("code") == "ERY"
    assert [o.findtext("narrative") for o in activity.iter("participating-org")] == [
        "Government of Philippines",
        "Marawi Builders",
    ]
    money_in = sorted(
        (t.find("transaction-type").get("code"), Decimal(t.findtext("value")))
        for t in activity.iter("transaction")
    )
    assert money_in == [
        ("1", Decimal(5000)),  # the fund's disbursement
        ("1", Decimal(65000)),  # the pledge's payment
        ("11", Decimal(20000)),  # the fund's allocation
        ("11", Decimal(198000)),  # the pledge, committed
        ("13", Decimal(198000)),  # the pledge, made
    ]
    assert activity.find("result/indicator/period/target").get("value") == "400"


async def test_flows_to_a_project_carry_its_state_sector_and_crisis(client: Client) -> None:
    project, position = await funded_project(client)

    data = await client.data(
        "{ flows { destinationId sourceKind memberState sector crisisId } }", after=position
    )
    csv = await client.http.get("/exports/flows.csv", headers=client.bearer())

    to_project = [f for f in data["flows"] if f["destinationId"] == project]
    assert sorted(f["sourceKind"] for f in to_project) == ["fund", "organisation"]
    assert {(f["memberState"], f["sector"], f["crisisId"]) for f in to_project} == {
        ("PHL", "ERY", client.crisis_id)
    }
    rows = list(hxl.data(io.BytesIO(csv.content), hxl.InputOptions(encoding="utf-8")))
    assert {r.get("#org+destination") for r in rows if r.get("#meta+destination+id") == project} == {
        "Rebuild Marawi's grand market"
    }


async def test_every_pledge_is_in_the_activity_it_went_to_whatever_the_number_of_batches(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    implementer = await organisation(client, "Marawi Builders")
    projects = [
        (await register(client, implementer, title=f"Rebuild Marawi, block {n}"))["project"]["id"]
        for n in range(3)
    ]
    fund = (await client.data(OPEN_FUND, {"i": {"name": "ASEAN Stability Fund"}}))["openFund"]["fund"]["id"]
    expected: dict[tuple[str, str], list[str]] = {}  # where it went, from whom: IATI transaction types
    position = 0
    for n in range(4):
        name = f"Donor {n}"
        donor = client.bearer(Role.DONOR, org=uuid.UUID(await organisation(client, name)))
        for kind, destination in (("FUND", fund), ("PROJECT", projects[n % 3])):
            pledge = {
                "destinationKind": kind, "destinationId": destination, "amount": "1000", "currency": "USD",
                "usdRate": "1", "rateDate": "2026-11-20", "earmarking": "EARMARKED",
            }  # fmt: skip
            pledged = (await client.data(PLEDGE, {"i": pledge}, as_=donor))["makePledge"]
            pledge_id, position, codes = pledged["pledge"]["id"], pledged["position"], ["13"]
            if n % 2:
                await client.data(COMMIT, {"i": {"id": pledge_id, "dueDate": "2027-01-31"}}, as_=donor)
                codes.append("11")
            if n == 3:
                payment = {"id": pledge_id, "amount": "400", "usdRate": "1", "rateDate": "2026-11-28",
                           "paidOn": "2026-11-28"}  # fmt: skip
                position = (await client.data(PAY, {"i": payment}, as_=donor))["recordPayment"]["position"]
                codes.append("1")
            expected[(destination, name)] = codes
    await client.data("{ funds { id } }", after=position)
    monkeypatch.setattr(querying, "IDS_PER_QUERY", 2)
    monkeypatch.setattr(iati, "CHUNK_BYTES", 512)

    response = await client.http.get("/exports/iati.xml", headers=client.bearer())

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    document = etree.fromstring(response.content)
    schema = etree.XMLSchema(etree.parse(str(IATI_SCHEMA)))
    assert schema.validate(document), schema.error_log
    activities = {
        a.findtext("iati-identifier").removeprefix(f"{REPORTING_ORG}-"): a
        for a in document.iter("iati-activity")
    }
    assert sorted(activities) == sorted([fund, *projects])
    found: dict[tuple[str, str], list[str]] = {}
    for went_to, activity in activities.items():
        for t in activity.iter("transaction"):
            key = (went_to, t.findtext("provider-org/narrative"))
            found.setdefault(key, []).append(t.find("transaction-type").get("code"))
    assert found == expected
