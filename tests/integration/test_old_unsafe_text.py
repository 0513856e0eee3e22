"""Events recorded before commands refused control characters still project and export.

Given an organisation, a request and a project whose texts carry NUL, vertical tab and other
characters PostgreSQL or XML refuse (recorded straight into the log, as before the check), the
read models take them with each such character shown as U+FFFD, and the IATI XML and the CSV
exports complete for everyone.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import httpx
import pytest
from lxml import etree

from domain.access import SYSTEM
from domain.organisations import Organisation
from domain.projects import Project
from domain.requests import AssistanceRequest
from services.api.app import create_app
from services.bootstrap import Runtime
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client
from tests.conftest import fixed_today

UNSAFE = "\x00\x01\x0b\ufffe"
SHOWN = "\ufffd" * len(UNSAFE)
CSV_EXPORTS = ["requests", "offers", "coverage", "safe-havens", "flows", "movements", "3w"]


@dataclass
class Served:
    client: Client
    runtime: Runtime


@pytest.fixture
async def served(settings: Settings, signer: DevSigner) -> AsyncIterator[Served]:
    app = create_app(settings, today=fixed_today)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://concord") as http:
            client = Client(http, signer)
            client.crisis_id = await client.open_crisis()
            yield Served(client, app.state.runtime)


async def record_old_events(served: Served) -> tuple[str, str, int]:
    """An organisation, a request and a project with unsafe text, recorded without the domain's
    check (as they were before it); their ids and the log position reached."""
    crisis = uuid.UUID(served.client.crisis_id)
    builders = Organisation._create(
        Organisation.Registered,
        id=uuid.uuid4(),
        actor=SYSTEM,
        name=f"Marawi{UNSAFE}Builders",
        organisation_type="ngo",
        hxl_name=f"Marawi{UNSAFE}Builders",
        member_state=None,
        iati_identifier=f"XM-DAC-{UNSAFE}",
    )
    request = AssistanceRequest._create(
        AssistanceRequest.Posted,
        id=uuid.uuid4(),
        actor=SYSTEM,
        crisis_id=crisis,
        member_state="PHL",
        sector="SHL",
        title=f"Tarpaulins{UNSAFE}",
        description=f"Roofing{UNSAFE}",
        quantity=Decimal(500),
        unit="piece",
        priority=4,
        needed_by=date(2027, 1, 15),
        admin_code="PH1536",
        item="SHL-TARP",
        transport_needed=False,
        escort_needed=False,
    )
    project = Project._create(
        Project.Registered,
        id=uuid.uuid4(),
        actor=SYSTEM,
        crisis_id=crisis,
        member_state="PHL",
        title=f"Rebuild the market{UNSAFE}",
        description=f"Stalls{UNSAFE}",
        sector="ERY",
        admin_code="PH153602",
        implementers=[str(builders.id)],
        budget=Decimal(25000000),
        currency="PHP",
        usd_rate=Decimal("0.0171"),
        rate_date=date(2026, 11, 28),
        usd_budget=Decimal(427500),
        planned_start=date(2026, 11, 1),
        planned_end=date(2028, 6, 30),
    )
    recordings = await asyncio.to_thread(served.runtime.concord.save, builders, request, project)
    return str(request.id), str(project.id), recordings[-1].notification.id


async def test_old_unsafe_text_is_projected_with_replacement_characters(served: Served) -> None:
    request, project, position = await record_old_events(served)
    client = served.client

    read = await client.data(
        """query($r: ID!, $p: ID!) { request(id: $r) { title }
        project(id: $p) { title description implementingOrganisations { name } } }""",
        {"r": request, "p": project},
        after=position,
    )
    ready = await client.http.get("/readyz")

    assert read["request"]["title"] == f"Tarpaulins{SHOWN}"
    assert read["project"]["title"] == f"Rebuild the market{SHOWN}"
    assert read["project"]["implementingOrganisations"] == [{"name": f"Marawi{SHOWN}Builders"}]
    assert ready.status_code == 200, ready.text


async def test_the_iati_and_csv_exports_complete_over_old_unsafe_text(served: Served) -> None:
    _, project, position = await record_old_events(served)
    client = served.client
    await client.data("{ crises { id } }", after=position)

    iati = await client.http.get("/exports/iati.xml", headers=client.bearer())
    csvs = {
        name: await client.http.get(f"/exports/{name}.csv", headers=client.bearer()) for name in CSV_EXPORTS
    }

    assert iati.status_code == 200
    document = etree.fromstring(iati.content)  # the whole document: its stream was not cut short
    [activity] = [
        a for a in document.iter("iati-activity") if a.findtext("iati-identifier").endswith(project)
    ]
    assert activity.findtext("title/narrative") == f"Rebuild the market{SHOWN}"
    assert f"Marawi{SHOWN}Builders" in [o.findtext("narrative") for o in activity.iter("participating-org")]
    assert {name: response.status_code for name, response in csvs.items()} == dict.fromkeys(CSV_EXPORTS, 200)
    requests_csv = io.StringIO(csvs["requests"].text).read()
    assert f"Tarpaulins{SHOWN}" in requests_csv


async def test_old_text_longer_than_its_column_is_projected_cut_to_it(served: Served) -> None:
    """PostgreSQL refuses text longer than a VARCHAR; a log holding it must not halt the read model."""
    overlong = "PH" + "1" * 20
    request = AssistanceRequest._create(
        AssistanceRequest.Posted,
        id=uuid.uuid4(),
        actor=SYSTEM,
        crisis_id=uuid.UUID(served.client.crisis_id),
        member_state="PHL",
        sector="SHL",
        title="Tarpaulins",
        description="",
        quantity=Decimal(500),
        unit="piece",
        priority=4,
        needed_by=date(2027, 1, 15),
        admin_code=overlong,
        item="SHL-TARP",
        transport_needed=False,
        escort_needed=False,
    )
    recordings = await asyncio.to_thread(served.runtime.concord.save, request)

    read = await served.client.data(
        "query($r: ID!) { request(id: $r) { adminCode } }",
        {"r": str(request.id)},
        after=recordings[-1].notification.id,
    )

    assert read["request"]["adminCode"] == overlong[:15] + "\u2026"
    assert (await served.client.http.get("/readyz")).status_code == 200
