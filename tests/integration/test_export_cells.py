"""Every CSV export writes text a caller typed as text (OWASP CSV injection), and numbers one way."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from domain.access import Role
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving
from tests.integration.test_exports import POST_OFFER, caught_up
from tests.integration.test_finance_api import COMMIT, OPEN_FUND, PAY, PLEDGE
from tests.integration.test_havens_api import designate
from tests.integration.test_movements_api import plan
from tests.integration.test_projects_api import organisation

#: Formulas as a spreadsheet would run them; the tab one arrives as ``=1+1`` (text is stripped).
FORMULAS = ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1")


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


async def requests(client: Client, text: str) -> str:
    await client.post(title=text)
    return "/exports/requests.csv"


async def who_what_where(client: Client, text: str) -> str:
    await client.post(title=text)
    return "/exports/3w.csv"


async def offers(client: Client, text: str) -> str:
    donor = client.bearer(Role.DONOR, org=uuid.UUID(await organisation(client, text)))
    offer = {
        "crisisId": client.crisis_id,
        "sector": "SHL",
        "item": "SHL-TARP",
        "quantity": "80",
        "unit": "piece",
        "availableFrom": "2026-11-20",
        "availableUntil": "2027-03-31",
        "serves": ["PHL"],
        "deliveryMode": "IN_KIND",
    }
    await client.data(POST_OFFER, {"i": offer}, as_=donor)
    return "/exports/offers.csv"


async def safe_havens(client: Client, text: str) -> str:
    await designate(client, name=text)
    return "/exports/safe-havens.csv"


async def flows(client: Client, text: str) -> str:
    donor = client.bearer(Role.DONOR, org=uuid.UUID(await organisation(client, "JICA")))
    fund = (await client.data(OPEN_FUND, {"i": {"name": text}}))["openFund"]["fund"]["id"]
    pledge = {
        "destinationKind": "FUND",
        "destinationId": fund,
        "amount": "1000000",
        "currency": "JPY",
        "usdRate": "0.0066",
        "rateDate": "2026-11-20",
        "earmarking": "SOFTLY_EARMARKED",
    }
    made = (await client.data(PLEDGE, {"i": pledge}, as_=donor))["makePledge"]["pledge"]
    await client.data(COMMIT, {"i": {"id": made["id"], "dueDate": "2027-01-31"}}, as_=donor)
    paid = {"id": made["id"], "amount": "1000000", "usdRate": "0.0066", "rateDate": "2026-11-28"}
    await client.data(PAY, {"i": {**paid, "paidOn": "2026-11-28"}}, as_=donor)
    return "/exports/flows.csv"


EXPORTS: dict[str, Callable[[Client, str], Awaitable[str]]] = {
    "requests": requests,
    "3w": who_what_where,
    "offers": offers,
    "safe-havens": safe_havens,
    "flows": flows,
}


def cells(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [cell for row in csv.reader(io.StringIO(response.text)) for cell in row]


@pytest.mark.parametrize("export", EXPORTS)
async def test_text_that_a_spreadsheet_would_evaluate_is_written_inert(client: Client, export: str) -> None:
    for formula in FORMULAS:
        path = await EXPORTS[export](client, formula)
    await caught_up(client)

    written = cells(await client.http.get(path, headers=client.bearer(Role.SECRETARIAT)))

    risky = [c for c in written if c.lstrip(" \t\r\n")[:1] in ("=", "+", "-", "@") or c[:1] in ("\t", "\r")]
    assert risky == []
    assert "'@SUM(1+1)" in written
    assert {'\'=HYPERLINK("http://x","y")', "'+cmd|' /C calc'!A0", "'-2+3", "'=1+1"} <= set(written)


async def test_a_movement_takes_no_formula_for_its_only_free_text_the_origin_area(client: Client) -> None:
    """The movements export has no text of a caller's own: a non-member's area must be a P-code."""
    values = {"country": "PHL", "adminCode": "PH153602"}
    for formula in FORMULAS:
        with pytest.raises(AssertionError, match="adminCode"):
            await plan(
                client, values, origin={"country": "BGD", "adminCode": formula}, kind="REFUGEE_REPATRIATION"
            )


async def test_quantities_are_written_in_one_number_format(client: Client) -> None:
    await client.post(quantity="12.5")
    await client.post(quantity="787.5")  # Decimal keeps the place: 12.5 + 787.5 is 800.0
    await client.post(sector="WSH", item="WSH-HYGIENE", quantity="540", unit="kit")
    await caught_up(client)
    viewer = client.bearer(Role.VIEWER)

    response = await client.http.get("/exports/coverage.csv", headers=viewer)

    rows = list(csv.DictReader(io.StringIO(response.text)))[1:]
    assert [(r["Sector"], r["Requested"], r["Gap"]) for r in rows] == [
        ("SHL", "800", "800"),
        ("WSH", "540", "540"),
    ]


@pytest.mark.parametrize("spelling", ["PRO-GBV", "PRO_GBV"])
async def test_the_sector_filter_takes_the_code_or_its_graphql_name(client: Client, spelling: str) -> None:
    await client.post(sector="PRO_GBV", item="PRO-DIGNITY", title="Dignity kits", unit="kit")
    await client.post()
    await caught_up(client)
    viewer = client.bearer(Role.VIEWER)

    for path in ("/exports/requests.csv", "/exports/3w.csv"):
        response = await client.http.get(path, params={"sector": spelling}, headers=viewer)
        rows = list(csv.DictReader(io.StringIO(response.text)))[1:]
        assert [r["Sector"] for r in rows] == ["PRO-GBV"], path
    unknown = await client.http.get("/exports/requests.csv", params={"sector": "PRO GBV"}, headers=viewer)
    assert unknown.status_code == 422
