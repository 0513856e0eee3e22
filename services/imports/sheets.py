"""An uploaded spreadsheet as HXL rows: CSV or XLSX in, libhxl finds the hashtag row and columns.

XLSX is read with openpyxl (libhxl's own Excel reader rests on an unmaintained fork of xlrd); its
cells are written as the CSV exports write them, so a file saved from a spreadsheet program reads
the same as the CSV it came from.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import hxl
import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from domain.errors import InvalidInput

#: The first bytes of a ZIP archive, which an XLSX file is.
_ZIP = b"PK\x03\x04"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class SheetRow:
    """A row of data: its line in the file (1 is the first line) and libhxl's view of it."""

    line: int
    row: Any  # hxl.model.Row: libhxl is untyped

    def get(self, pattern: str) -> str:
        value = self.row.get(pattern)
        return "" if value is None else str(value).strip()

    @property
    def blank(self) -> bool:
        return not any(str(v).strip() for v in self.row.values if v is not None)


def read_sheet(content: bytes) -> tuple[list[str], list[SheetRow]]:
    """The columns' hashtags (with attributes) and the rows that hold something; InvalidInput
    (field ``file``) for a file that is neither, or has no HXL hashtag row."""
    source: Any = _xlsx_rows(content) if content.startswith(_ZIP) else _csv_rows(content)
    try:
        dataset = hxl.data(source, hxl.InputOptions(allow_local=False))
        columns = [c.get_display_tag(sort_attributes=False) for c in dataset.columns]
        rows = [SheetRow(r.source_row_number + 1, r) for r in dataset]
    except hxl.HXLException:
        raise InvalidInput(
            "file", "no HXL hashtag row (such as #crisis+id under the header) in the first 25 rows"
        ) from None
    return columns, [r for r in rows if not r.blank]


def _csv_rows(content: bytes) -> Any:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("file", "not a CSV file in UTF-8, nor an XLSX workbook") from None
    return hxl.input.make_input(io.BytesIO(text.encode()), hxl.InputOptions(encoding="utf-8"))


def _xlsx_rows(content: bytes) -> list[list[str]]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise InvalidInput("file", "not a readable XLSX workbook") from None
    try:
        sheet = book.worksheets[0]
        return [[_cell(v) for v in row] for row in _rows(sheet)]
    finally:
        book.close()


def _rows(sheet: Any) -> Iterator[tuple[Any, ...]]:
    yield from sheet.iter_rows(values_only=True)


def _cell(value: object) -> str:
    """A cell as the CSV exports write it: ISO dates, numbers in one plain form."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        exact = Decimal(str(value))
        return str(int(exact)) if exact == exact.to_integral_value() else format(exact.normalize(), "f")
    return str(value)
