"""The HXL CSV helper: hashtags checked, values written as HXL expects, rows streamed in chunks."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import hxl
import pytest

from services.api.exports.hxl_csv import ROWS_PER_CHUNK, Column, cell, lines

COLUMNS: list[Column[int]] = [
    Column("Number", "#indicator+num", lambda n: n),
    Column("Half", "#value+usd", lambda n: Decimal(n) / 2),
    Column("Day", "#date", lambda n: date(2026, 1, 1 + n % 28)),
    Column("Odd", "#meta+odd", lambda n: n % 2 == 1),
    Column("Nothing", "#meta+none", lambda n: None),
]


def test_a_column_refuses_what_is_not_an_hxl_hashtag() -> None:
    with pytest.raises(ValueError, match="HXL hashtag"):
        Column("Sector", "sector", lambda r: r)
    with pytest.raises(ValueError, match="HXL hashtag"):
        Column("Sector", "#Sector+Cluster", lambda r: r)


async def test_lines_are_hxl_that_libhxl_reads() -> None:
    text = "".join([chunk async for chunk in lines(range(3), COLUMNS)])

    rows = list(hxl.data(io.BytesIO(text.encode()), hxl.InputOptions(encoding="utf-8")))

    assert text.splitlines()[:2] == [
        "Number,Half,Day,Odd,Nothing",
        "#indicator+num,#value+usd,#date,#meta+odd,#meta+none",
    ]
    assert [(r.get("#indicator+num"), r.get("#value+usd"), r.get("#meta+odd")) for r in rows] == [
        ("0", "0", "no"),
        ("1", "0.5", "yes"),
        ("2", "1", "no"),
    ]
    assert rows[1].get("#date") == "2026-01-02"
    assert rows[0].get("#meta+none") is None  # an empty cell


async def test_rows_are_written_out_before_the_source_is_exhausted() -> None:
    consumed = 0

    async def many() -> AsyncIterator[int]:
        nonlocal consumed
        for n in range(ROWS_PER_CHUNK * 5):
            consumed += 1
            yield n

    chunks = lines(many(), COLUMNS)
    first = await anext(chunks)
    consumed_at_first_chunk = consumed
    rest = [chunk async for chunk in chunks]

    assert consumed_at_first_chunk == ROWS_PER_CHUNK
    assert first.count("\r\n") == ROWS_PER_CHUNK + 2  # header and hashtag rows come first
    assert sum(chunk.count("\r\n") for chunk in rest) == ROWS_PER_CHUNK * 4


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("  =1+1", "'  =1+1"),
        ("Tarpaulins - 4x6 m", "Tarpaulins - 4x6 m"),
        ("", ""),
    ],
)
def test_text_a_spreadsheet_would_evaluate_is_made_inert(text: str, written: str) -> None:
    assert cell(text) == written


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Decimal("800.0"), "800"),
        (Decimal("12.5") + Decimal("787.5"), "800"),
        (Decimal("12.50"), "12.5"),
        (Decimal("1E+3"), "1000"),
        (Decimal("-2.5"), "-2.5"),
        (-3, "-3"),
        (540, "540"),
    ],
)
def test_numbers_are_written_one_way_and_negative_ones_stay_numbers(value: object, written: str) -> None:
    assert cell(value) == written
