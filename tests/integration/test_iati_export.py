"""The IATI export over HTTP, on SQLite and PostgreSQL: a pledge made, committed and paid twice is a
pledge, a commitment and incoming funds per payment on its payment date; an allocation an outgoing
commitment and a disbursement a disbursement; the donor goes by its IATI organisation identifier.
And the fund's ledger gives each entry the date its money moved, which the dashboard plots."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from domain.access import Role
from domain.funds import StabilityFund
from domain.money import Conversion
from domain.pledges import DestinationKind, Earmarking, Pledge
from projections.finance.stability_fund import fund_ledger_page
from services.bootstrap import start, tracked_projections
from services.coordination import Concord
from services.identity.tokens import DevSigner
from services.infrastructure.storage import storage_for
from services.migrate import migrate
from services.settings import Settings
from tests.api import Client, serving
from tests.conftest import fixed_today
from tests.integration.test_finance_api import ALLOCATE, COMMIT, DISBURSE, OPEN_FUND, PLEDGE, REGISTER
from tests.snapshot_scenarios import ACTOR

IATI_SCHEMA = Path(__file__).parent.parent / "data" / "iati-2.03" / "iati-activities-schema.xsd"
PAY = "mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { position } }"
LEDGER = (
    "query($id: ID!) { fund(id: $id) { ledger(first: 10) { edges { node { kind valueDate usdAmount } } } } }"
)


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


async def paid_twice_allocated_and_disbursed(client: Client) -> tuple[str, int]:
    """JICA (XM-DAC-701-8) pledges ¥1,000,000 to the fund, commits, pays ¥600,000 on 3 October and
    ¥400,000 on 25 November; the fund allocates $5,000 to a request and disburses $2,000 of it."""
    request = (await client.post())["request"]["id"]
    registered = await client.data(
        REGISTER, {"i": {"name": "JICA", "type": "DIALOGUE_PARTNER", "iatiIdentifier": "XM-DAC-701-8"}}
    )
    donor = client.bearer(Role.DONOR, org=uuid.UUID(registered["registerOrganisation"]["organisation"]["id"]))
    fund = (await client.data(OPEN_FUND, {"i": {"name": "ASEAN Stability Fund"}}))["openFund"]["fund"]["id"]
    pledge = {
        "destinationKind": "FUND", "destinationId": fund, "amount": "1000000", "currency": "JPY",
        "usdRate": "0.0066", "rateDate": "2026-09-20", "earmarking": "SOFTLY_EARMARKED",
    }  # fmt: skip
    pledged = (await client.data(PLEDGE, {"i": pledge}, as_=donor))["makePledge"]["pledge"]["id"]
    await client.data(COMMIT, {"i": {"id": pledged, "dueDate": "2027-01-31"}}, as_=donor)
    for yen, on in (("600000", "2026-10-03"), ("400000", "2026-11-25")):
        payment = {"id": pledged, "amount": yen, "usdRate": "0.0066", "rateDate": on, "paidOn": on}
        await client.data(PAY, {"i": payment}, as_=donor)
    allocation = {
        "fundId": fund, "window": "RESERVE", "destinationKind": "REQUEST", "destinationId": request,
        "usdAmount": "5000", "rationale": "roofing before the monsoon",
    }  # fmt: skip
    allocated = (await client.data(ALLOCATE, {"i": allocation}))["allocateFromFund"]
    disbursement = {"fundId": fund, "allocationId": allocated["allocation"]["id"], "usdAmount": "2000"}
    await client.data(DISBURSE, {"i": disbursement})
    return fund, int(allocated["position"]) + 1


async def test_each_stage_payment_and_disbursement_is_a_transaction_on_its_own_date(client: Client) -> None:
    fund, position = await paid_twice_allocated_and_disbursed(client)
    await client.data("{ funds { id } }", after=position)
    today = datetime.now(UTC).date().isoformat()

    response = await client.http.get("/exports/iati.xml", headers=client.bearer())

    assert response.status_code == 200
    document = etree.fromstring(response.content)
    schema = etree.XMLSchema(etree.parse(str(IATI_SCHEMA)))
    assert schema.validate(document), schema.error_log
    [activity] = [a for a in document.iter("iati-activity") if a.findtext("iati-identifier").endswith(fund)]
    transactions = [
        (
            t.find("transaction-type").get("code"),
            t.find("transaction-date").get("iso-date"),
            t.find("value").get("value-date"),
            Decimal(t.findtext("value")),
        )
        for t in activity.iter("transaction")
    ]
    assert transactions == [
        ("13", today, today, Decimal(6600)),
        ("11", today, today, Decimal(6600)),
        ("1", "2026-10-03", "2026-10-03", Decimal(3960)),
        ("1", "2026-11-25", "2026-11-25", Decimal(2640)),
        ("2", today, today, Decimal(5000)),
        ("3", today, today, Decimal(2000)),
    ]
    providers = {(p.get("ref"), p.findtext("narrative")) for p in activity.iter("provider-org")}
    assert providers == {("XM-DAC-701-8", "JICA")}
    receivers = {(r.get("type"), r.findtext("narrative")) for r in activity.iter("receiver-org")}
    assert receivers == {("10", "Government of Philippines")}


async def test_the_ledger_dates_a_contribution_by_its_payment(client: Client) -> None:
    fund, position = await paid_twice_allocated_and_disbursed(client)
    today = datetime.now(UTC).date().isoformat()

    data = await client.data(LEDGER, {"id": fund}, after=position)

    entries = [edge["node"] for edge in data["fund"]["ledger"]["edges"]]
    assert [(e["kind"], e["valueDate"]) for e in entries] == [
        ("CONTRIBUTION", "2026-10-03"),
        ("CONTRIBUTION", "2026-11-25"),
        ("ALLOCATION", today),
        ("DISBURSEMENT", today),
    ]


async def test_an_iati_identifier_that_is_not_one_is_refused(client: Client) -> None:
    response = await client.send(REGISTER, {"i": {"name": "JICA", "type": "NGO", "iatiIdentifier": "JICA 1"}})

    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "iatiIdentifier"}


def test_the_migration_replays_the_finance_projection_so_old_entries_get_their_value_dates(
    tmp_path: Path,
) -> None:
    """Ledger entries projected before revision 0013 have no value date: it empties the finance read
    models and forgets the projection's position, so that the next start projects them again."""
    settings = Settings(data_dir=tmp_path / "var", projection_poll_interval=0.2, consistency_timeout=30)
    storage = storage_for(settings)
    migrate(storage, "0012")
    app = Concord(storage.event_store_env, today=fixed_today)
    try:
        fund = StabilityFund.open("ASEAN Stability Fund", actor=ACTOR)
        pledge = Pledge.make(
            organisation_id=uuid.uuid4(), destination_kind=DestinationKind.FUND, destination_id=fund.id,
            amount=Decimal(1000), currency="USD", conversion=Conversion(Decimal(1), date(2026, 9, 1)),
            earmarking=Earmarking.UNEARMARKED, actor=ACTOR,
        )  # fmt: skip
        pledge.commit(date(2027, 1, 31), "AGR-1", actor=ACTOR)
        paid = pledge.record_payment(
            Decimal(1000), Conversion(Decimal(1), date(2026, 10, 3)), date(2026, 10, 3), actor=ACTOR
        )
        fund.receive(pledge.id, paid, Decimal(1000), actor=ACTOR)
        app.save(pledge, fund)
    finally:
        app.close()
    assert storage.sqlite_path is not None
    with sqlite3.connect(storage.sqlite_path) as conn:  # as the finance projection left it at 0012
        conn.execute(
            "INSERT INTO fund_ledger VALUES (?, 2, ?, 'contribution', '1000', '1000', '0', '0', '1000', 2)",
            (fund.id.hex, datetime.now(UTC).isoformat()),
        )
        conn.execute(
            "INSERT INTO projection_tracking VALUES ('finance', 999999, ?)", (datetime.now(UTC).isoformat(),)
        )

    migrate(storage)
    with sqlite3.connect(storage.sqlite_path) as conn:
        left = conn.execute("SELECT count(*) FROM fund_ledger").fetchone()
        tracked = conn.execute("SELECT count(*) FROM projection_tracking WHERE projection = 'finance'")
        assert (left[0], tracked.fetchone()[0]) == (0, 0)

    assert asyncio.run(_value_dates(settings, fund.id)) == [("contribution", date(2026, 10, 3))]


async def _value_dates(settings: Settings, fund_id: uuid.UUID) -> list[tuple[str, date]]:
    runtime = await start(settings, run_projections=False)
    try:
        for runner in tracked_projections(runtime):
            await runner.catch_up()
        rows, _, _ = await fund_ledger_page(runtime.read_engine, fund_id, first=10, after=None)
        return [(row.kind, row.value_date) for row in rows]
    finally:
        await runtime.close()
