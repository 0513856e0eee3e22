"""The IATI document: each pledge, payment, allocation and disbursement is its own transaction, on the
day its money moved; funds, projects and organisations go by their IATI identifiers; it validates
against the IATI 2.03 schema; and it is streamed, the same bytes as the whole tree pretty-printed,
written out in chunks while the activities are still being made."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from projections.finance import stability_fund as fund_queries
from projections.iati.queries import AllocationStages, Disbursement, Payment, PledgeStages
from projections.organisations import queries as organisation_queries
from projections.projects import queries as project_queries
from services.api.exports import iati
from services.api.exports.iati_activities import (
    REPORTING_ORG,
    Activity,
    Counterparts,
    Party,
    activity_identifier,
    fund_activity,
    project_activity,
    transaction,
)

IATI_SCHEMA = Path(__file__).parent.parent / "data" / "iati-2.03" / "iati-activities-schema.xsd"
GENERATED = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
DONOR, FUND, PROJECT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


JICA = organisation_queries.OrganisationRow(
    DONOR, "JICA <Japan>", "dialogue-partner", "JICA", None, "XM-DAC-701-8", False, GENERATED, GENERATED, 1
)
BUILDER = organisation_queries.OrganisationRow(
    uuid.uuid4(), "Marawi Builders", "ngo", "Marawi Builders", None, None, False, GENERATED, GENERATED, 2
)
FUND_ROW = fund_queries.FundRow(
    FUND, "ASEAN Stability Fund", None, Decimal(0), Decimal(0), Decimal(0), Decimal(0), GENERATED
)
PROJECT_ROW = project_queries.ProjectRow(
    PROJECT, uuid.uuid4(), "PHL", "Rebuild Marawi's grand market", "Stalls & roof\nbefore the rains", "ERY",
    "PH153602", str(BUILDER.id), Decimal(25_000_000), "PHP", Decimal("0.0171"), Decimal(427_500),
    date(2026, 11, 1), date(2028, 6, 30), "implementation", "", date(2026, 11, 2), None, GENERATED, 7,
    results=[
        project_queries.ResultRow(
            uuid.uuid4(), PROJECT, "Stalls rebuilt", "stall", "#indicator+stalls", Decimal(0), Decimal(400),
            Decimal(120), date(2026, 11, 27),
        )
    ],
)  # fmt: skip


def pledge(
    destination_kind: str, destination: uuid.UUID, *, committed_on: date | None = None, paid: Any = ()
) -> PledgeStages:
    payments = [Payment(uuid.uuid4(), on, Decimal(usd)) for on, usd in paid]
    return PledgeStages(
        uuid.uuid4(), DONOR, destination_kind, destination, Decimal(1000), date(2026, 11, 20), committed_on,
        payments,
    )  # fmt: skip


PLEDGED = pledge("fund", FUND)
PAID_TWICE = pledge(
    "fund", FUND, committed_on=date(2026, 11, 22), paid=[(date(2026, 10, 3), 600), (date(2026, 11, 25), 400)]
)
TO_PROJECT = pledge("project", PROJECT, committed_on=date(2026, 11, 21))
ALLOCATION = AllocationStages(
    uuid.uuid4(), FUND, "project", PROJECT, "PHL", Decimal(300), date(2026, 11, 26),
    [Disbursement(uuid.uuid4(), date(2026, 11, 27), Decimal(250))],
)  # fmt: skip
TO_REQUEST = AllocationStages(
    uuid.uuid4(), FUND, "request", uuid.uuid4(), "MMR", Decimal(50), date(2026, 11, 28)
)
COUNTERPARTS = Counterparts(
    organisations={DONOR: JICA, BUILDER.id: BUILDER}, funds={FUND: FUND_ROW}, projects={PROJECT: PROJECT_ROW}
)
UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def activities() -> list[Activity]:
    return [
        fund_activity(FUND_ROW, [PLEDGED, PAID_TWICE], [ALLOCATION, TO_REQUEST], COUNTERPARTS),
        project_activity(PROJECT_ROW, [TO_PROJECT], [ALLOCATION], COUNTERPARTS),
    ]


def document() -> etree._Element:
    return etree.fromstring(b"".join(iati.iati_document(activities(), generated_at=GENERATED)))


def money(activity: etree._Element) -> list[tuple[str | None, str | None, Decimal]]:
    """Each transaction's type, date and value."""
    return [
        (
            t.find("transaction-type").get("code"),  # type: ignore[union-attr]
            t.find("transaction-date").get("iso-date"),  # type: ignore[union-attr]
            Decimal(t.findtext("value") or ""),
        )
        for t in activity.iter("transaction")
    ]


def whole_tree(made: list[Activity]) -> bytes:
    """The document as one tree, serialised at once: what the export wrote before it streamed."""
    root = etree.Element(
        "iati-activities", version="2.03", attrib={"generated-datetime": GENERATED.isoformat()}
    )
    for activity in made:
        updated = activity.last_updated.isoformat(timespec="seconds")
        element = etree.SubElement(root, "iati-activity", attrib={"last-updated-datetime": updated})
        element.extend(activity.parts)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def test_the_streamed_document_is_the_whole_tree_pretty_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(iati, "CHUNK_BYTES", 256)

    chunks = list(iati.iati_document(activities(), generated_at=GENERATED))

    assert len(chunks) > 4
    assert b"".join(chunks) == whole_tree(activities())
    assert [t.get("code") for t in etree.fromstring(b"".join(chunks)).iter("transaction-type")] == [
        "13", "13", "11", "1", "1", "2", "3", "2",  # the fund: a pledge; one paid twice; allocations
        "13", "11", "11", "1",  # the project: a commitment, an allocation disbursed
    ]  # fmt: skip


def test_an_activity_is_written_out_before_all_its_parts_are_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(iati, "CHUNK_BYTES", 1024)
    made = 0

    def many() -> Iterator[etree._Element]:
        nonlocal made
        for _ in range(1000):
            made += 1
            yield transaction("13", "pledge-1", date(2026, 11, 20), Decimal(1000), provider=Party("JICA"))

    chunks = iati.iati_document([Activity(GENERATED, many())], generated_at=GENERATED)
    first = next(chunks)
    made_at_first_chunk = made
    rest = b"".join(chunks)

    assert made_at_first_chunk < 100
    assert len(etree.fromstring(first + rest)) == 1
    assert (first + rest).count(b"<transaction ") == 1000


def test_a_pledge_paid_twice_is_a_pledge_a_commitment_and_incoming_funds_per_payment_on_its_date() -> None:
    fund, _ = document().iter("iati-activity")

    assert money(fund)[1:5] == [
        ("13", "2026-11-20", Decimal(1000)),
        ("11", "2026-11-22", Decimal(1000)),
        ("1", "2026-10-03", Decimal(600)),
        ("1", "2026-11-25", Decimal(400)),
    ]
    assert [v.get("value-date") for v in fund.iter("value")][1:5] == [
        "2026-11-20", "2026-11-22", "2026-10-03", "2026-11-25",
    ]  # fmt: skip


def test_a_fund_commits_per_allocation_and_disburses_per_disbursement_which_the_project_receives() -> None:
    fund, project = document().iter("iati-activity")

    assert money(fund)[5:] == [
        ("2", "2026-11-26", Decimal(300)),
        ("3", "2026-11-27", Decimal(250)),
        ("2", "2026-11-28", Decimal(50)),
    ]
    assert money(project)[2:] == [("11", "2026-11-26", Decimal(300)), ("1", "2026-11-27", Decimal(250))]
    to_project = fund.find("transaction/receiver-org")
    assert to_project is not None
    assert to_project.get("receiver-activity-id") == activity_identifier(PROJECT)
    assert to_project.findtext("narrative") == "Marawi Builders"  # its lead implementer
    [*_, to_request] = fund.iter("receiver-org")
    assert (to_request.get("type"), to_request.findtext("narrative")) == ("10", "Government of Myanmar")
    from_fund = project.findall("transaction/provider-org")[-1]
    assert from_fund.get("provider-activity-id") == activity_identifier(FUND)
    assert (from_fund.get("ref"), from_fund.findtext("narrative")) == (REPORTING_ORG, "ASEAN Stability Fund")


def test_organisations_carry_their_iati_identifier_where_registered() -> None:
    fund, project = document().iter("iati-activity")

    assert {o.get("ref") for o in fund.iter("provider-org")} == {"XM-DAC-701-8"}
    assert {o.findtext("narrative") for o in fund.iter("provider-org")} == {"JICA <Japan>"}
    implementer = project.findall("participating-org")[-1]
    assert (implementer.get("ref"), implementer.findtext("narrative")) == (None, "Marawi Builders")


def test_nothing_is_named_by_a_bare_uuid() -> None:
    made = document()

    named = [v for element in made.iter() for v in element.attrib.values()] + [
        element.text for element in made.iter() if element.text and element.text.strip()
    ]
    refs = [
        v for element in made.iter() for k, v in element.attrib.items()
        if k in ("ref", "provider-activity-id", "receiver-activity-id")
    ]  # fmt: skip

    assert [v for v in named if UUID_PATTERN.fullmatch(v)] == []
    assert [v for v in refs if UUID_PATTERN.search(v) and not v.startswith(f"{REPORTING_ORG}-")] == []


def test_the_document_is_valid_iati_2_03() -> None:
    schema = etree.XMLSchema(etree.parse(str(IATI_SCHEMA)))

    assert schema.validate(document()), schema.error_log
