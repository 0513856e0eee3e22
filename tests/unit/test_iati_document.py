"""The IATI document is streamed: the same bytes as the whole tree pretty-printed, written out in
chunks while the activities are still being made."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from projections import project_queries, queries
from services.api import exports
from services.api.iati import Activity, fund_activity, project_activity, transaction

GENERATED = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
DONOR, FUND, PROJECT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def flow(
    source_kind: str, source: uuid.UUID, destination_kind: str, destination: uuid.UUID, **changes: Any
) -> queries.FlowRow:
    pledged = queries.FlowRow(
        uuid.uuid4(), source_kind, source, destination_kind, destination, "pledge", Decimal(1000), "USD",
        Decimal(1000), Decimal(0), None, False, date(2026, 11, 20), None, None, None,
    )  # fmt: skip
    return dataclasses.replace(pledged, **changes)


FUND_ROW = queries.FundRow(
    FUND, "ASEAN Stability Fund", None, Decimal(0), Decimal(0), Decimal(0), Decimal(0), GENERATED
)
PROJECT_ROW = project_queries.ProjectRow(
    PROJECT, uuid.uuid4(), "PHL", "Rebuild Marawi's grand market", "Stalls & roof\nbefore the rains", "ERY",
    "PH153602", str(DONOR), Decimal(25_000_000), "PHP", Decimal("0.0171"), Decimal(427_500),
    date(2026, 11, 1), date(2028, 6, 30), "implementation", "", date(2026, 11, 2), None, GENERATED, 7,
    results=[
        project_queries.ResultRow(
            uuid.uuid4(), PROJECT, "Stalls rebuilt", "stall", "#indicator+stalls", Decimal(0), Decimal(400),
            Decimal(120), date(2026, 11, 27),
        )
    ],
)  # fmt: skip
FLOWS = [
    flow("organisation", DONOR, "fund", FUND),
    flow("organisation", DONOR, "fund", FUND, status="commitment", usd_paid=Decimal(600)),
    flow("organisation", DONOR, "project", PROJECT, status="commitment"),
    flow("fund", FUND, "project", PROJECT, status="commitment", usd_paid=Decimal(250)),
]
NAMES = {DONOR: "JICA <Japan>", FUND: "ASEAN Stability Fund"}


def activities() -> list[Activity]:
    to_fund = [f for f in FLOWS if FUND in (f.source_id, f.destination_id)]
    to_project = [f for f in FLOWS if f.destination_id == PROJECT]
    return [fund_activity(FUND_ROW, to_fund, NAMES), project_activity(PROJECT_ROW, to_project, NAMES)]


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
    monkeypatch.setattr(exports, "CHUNK_BYTES", 256)

    chunks = list(exports.iati_document(activities(), generated_at=GENERATED))

    assert len(chunks) > 4
    assert b"".join(chunks) == whole_tree(activities())
    assert [t.get("code") for t in etree.fromstring(b"".join(chunks)).iter("transaction-type")] == [
        "13", "1", "2", "3",  # the fund: a pledge, a paid commitment, an allocation disbursed
        "11", "11", "1",  # the project: a commitment, an allocation disbursed
    ]  # fmt: skip


def test_an_activity_is_written_out_before_all_its_parts_are_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "CHUNK_BYTES", 1024)
    made = 0
    pledge = FLOWS[0]

    def many() -> Iterator[etree._Element]:
        nonlocal made
        for _ in range(1000):
            made += 1
            yield transaction("13", pledge, pledge.usd_amount, provider="JICA")

    chunks = exports.iati_document([Activity(GENERATED, many())], generated_at=GENERATED)
    first = next(chunks)
    made_at_first_chunk = made
    rest = b"".join(chunks)

    assert made_at_first_chunk < 100
    assert len(etree.fromstring(first + rest)) == 1
    assert (first + rest).count(b"<transaction ") == 1000
