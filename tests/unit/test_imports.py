"""Uploads of requests and offers on the in-memory event store: reading CSV and XLSX by their HXL
hashtags, each row's errors, the preview's dry run and the commit's idempotency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.access import Role
from domain.codes import MemberState
from domain.errors import InvalidInput
from domain.organisations import OrganisationType
from services.api.exports.hxl import offer_columns
from services.coordination import Command, Concord
from services.identity.access import Principal
from services.imports.columns import REQUEST_FIELDS, values_of
from services.imports.service import Kind, RowStatus, import_file, row_key
from services.imports.sheets import read_sheet
from tests.conftest import fixed_today
from tests.sheets import as_csv, as_xlsx, request_row, sheet

PHL = Principal("maria@dswd.gov.ph", Role.COORDINATOR, MemberState.PHL)
SECRETARIAT = Command(Principal("officer@asean.org", Role.SECRETARIAT))


@pytest.fixture
def concord() -> Iterator[Concord]:
    app = Concord({"PERSISTENCE_MODULE": "eventsourcing.popo"}, today=fixed_today)
    yield app
    app.close()


@pytest.fixture
def crisis(concord: Concord) -> UUID:
    opened = concord.open_crisis(SECRETARIAT, "Marawi displacement", [MemberState.PHL], date(2026, 11, 1))
    return opened.aggregate.id


@pytest.mark.parametrize("write", [as_csv, as_xlsx], ids=["csv", "xlsx"])
def test_a_sheet_is_read_by_its_hashtags_whatever_the_columns_order(write: object) -> None:
    cells = sheet([request_row("c-1", Requested=12.5, **{"Needed by": dt.date(2027, 1, 15)})])
    reordered = [list(reversed(r)) for r in cells]  # type: ignore[attr-defined]

    tags, rows = read_sheet(write(reordered))  # type: ignore[operator]

    assert "#indicator+requested+num" in tags
    assert [r.line for r in rows] == [3]
    assert rows[0].get("#indicator+requested+num") == "12.5"
    assert rows[0].get("#date+needed") == "2027-01-15"
    assert rows[0].get("#crisis+id") == "c-1"


def test_a_file_without_a_hashtag_row_or_that_is_no_sheet_is_refused_at_the_file() -> None:
    for content in (b"Crisis,Item\nc-1,SHL-TARP\n", b"PK\x03\x04not a workbook", b"\xff\xfe\x00bad"):
        with pytest.raises(InvalidInput) as refused:
            read_sheet(content)
        assert refused.value.field == "file"


def test_each_bad_cell_is_an_error_of_its_row_at_its_field() -> None:
    cells = sheet([request_row("c-1", Requested="a dozen", Priority="high", **{"Needed by": "soon"})])
    _tags, [row] = read_sheet(as_csv(cells))

    _values, errors = values_of(REQUEST_FIELDS, row)

    assert set(errors) == {"crisisId", "quantity", "priority", "neededBy"}
    assert "not a number" in errors["quantity"]


def test_text_made_inert_by_an_export_reads_back_as_it_was() -> None:
    cells = sheet([request_row(uuid4(), Title="'=SUM(A1) tarpaulins")])
    _tags, [row] = read_sheet(as_csv(cells))

    values, _errors = values_of(REQUEST_FIELDS, row)

    assert values["title"] == "=SUM(A1) tarpaulins"


def test_the_preview_posts_nothing_and_names_each_rows_refusal(concord: Concord, crisis: UUID) -> None:
    rows = [
        request_row(crisis, 1),
        request_row(crisis, 2, Item="NOT-AN-ITEM"),
        request_row(crisis, 3, **{"Admin area": "TH1001"}),
        request_row(crisis, 4, **{"Member state": "THA", "Admin area": "TH1001"}),
    ]
    head = concord.recorder.max_notification_id()

    report = import_file(concord, PHL, Kind.REQUESTS, as_csv(sheet(rows)), commit=False)

    assert concord.recorder.max_notification_id() == head
    assert [r.status for r in report.rows] == [RowStatus.POST] + [RowStatus.ERROR] * 3
    assert [r.errors[0].field for r in report.rows[1:]] == ["item", "adminCode", None]
    assert "a coordinator acts for its own state only" in report.rows[3].errors[0].message


def test_a_commit_posts_the_good_rows_and_the_same_file_again_posts_none(
    concord: Concord, crisis: UUID
) -> None:
    content = as_xlsx(sheet([request_row(crisis, n) for n in range(3)] + [request_row(crisis, 9, Unit="")]))

    first = import_file(concord, PHL, Kind.REQUESTS, content, commit=True)
    head = concord.recorder.max_notification_id()
    preview = import_file(concord, PHL, Kind.REQUESTS, content, commit=False)
    again = import_file(concord, PHL, Kind.REQUESTS, content, commit=True)

    assert first.summary()["posted"] == 3
    assert first.summary()["error"] == 1
    assert first.position == head
    assert preview.summary()["already-posted"] == 3
    assert again.summary()["already-posted"] == 3
    assert concord.recorder.max_notification_id() == head
    assert [r.id for r in again.rows[:3]] == [r.id for r in first.rows[:3]]


def test_a_rows_key_is_the_files_digest_and_its_line() -> None:
    assert row_key("abc", 3) == row_key("abc", 3)
    assert len({row_key("abc", 3), row_key("abc", 4), row_key("abd", 3)}) == 3


def test_a_row_with_a_requests_id_amends_it_or_leaves_it_as_it_is(concord: Concord, crisis: UUID) -> None:
    posted = import_file(concord, PHL, Kind.REQUESTS, as_csv(sheet([request_row(crisis, 1)])), commit=True)
    request_id = posted.rows[0].id
    unchanged = request_row(crisis, 1, Request=request_id)
    edited = request_row(crisis, 2, Request=request_id, Requested=250)

    same = import_file(concord, PHL, Kind.REQUESTS, as_csv(sheet([unchanged])), commit=True)
    amended = import_file(concord, PHL, Kind.REQUESTS, as_csv(sheet([edited])), commit=True)

    assert same.rows[0].status is RowStatus.UNCHANGED
    assert amended.rows[0].status is RowStatus.AMENDED
    assert concord.get_request(request_id).need.quantity == Decimal(250)  # type: ignore[arg-type]


def test_offers_are_posted_for_the_callers_organisation(concord: Concord, crisis: UUID) -> None:
    organisation = concord.register_organisation(SECRETARIAT, "Philippine Red Cross", OrganisationType.NGO)
    donor = Principal("ops@redcross.ph", Role.DONOR, organisation_id=organisation.aggregate.id)
    headers = [(c.header, c.tag) for c in offer_columns(fixed_today())]
    offer = {
        "Crisis": crisis,
        "Sector": "SHL",
        "Item": "SHL-TARP",
        "Quantity": 400,
        "Unit": "piece",
        "Available from": "2026-12-01",
        "Available until": "2027-03-01",
        "Serves": "PHL THA",
        "Delivery mode": "in-kind",
    }
    other = {**offer, "Organisation id": uuid4()}

    report = import_file(concord, donor, Kind.OFFERS, as_csv(sheet([offer, other], headers)), commit=True)

    assert [r.status for r in report.rows] == [RowStatus.POSTED, RowStatus.ERROR]
    stored = concord.get_offer(report.rows[0].id)  # type: ignore[arg-type]
    assert stored.terms.serves == {MemberState.PHL, MemberState.THA}
    assert report.rows[1].errors[0].field == "organisationId"
