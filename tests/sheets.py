"""Uploads for the import tests: HXL-tagged sheets with the export's own columns, as CSV or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import openpyxl

from services.api.exports.hxl import REQUEST_COLUMNS


def request_row(crisis: object, n: int = 0, **overrides: object) -> dict[str, object]:
    """A request as the export writes it, by column header; ``n`` varies its title."""
    return {
        "Crisis": crisis,
        "Member state": "PHL",
        "Admin area": "PH1536",
        "Sector": "SHL",
        "Item": "SHL-TARP",
        "Title": f"Tarpaulins for returnee families, lot {n}",
        "Requested": 100 + n,
        "Unit": "piece",
        "Priority": 3,
        "Needed by": "2027-01-15",
        **overrides,
    }


def offer_row(crisis: object, n: int = 0, **overrides: object) -> dict[str, object]:
    """An offer as the export writes it, by column header; ``n`` varies its quantity."""
    return {
        "Crisis": crisis,
        "Sector": "SHL",
        "Item": "SHL-TARP",
        "Quantity": 400 + n,
        "Unit": "piece",
        "Available from": "2026-12-01",
        "Available until": "2027-03-01",
        "Serves": "PHL THA",
        "Delivery mode": "in-kind",
        **overrides,
    }


def sheet(
    rows: Sequence[Mapping[str, object]], headers: Sequence[tuple[str, str]] | None = None
) -> list[list[Any]]:
    """The header row, the HXL hashtag row, then the rows (blank where a row names no value)."""
    columns = headers or [(c.header, c.tag) for c in REQUEST_COLUMNS]
    return [[h for h, _ in columns], [t for _, t in columns]] + [
        ["" if row.get(h) is None else row[h] for h, _ in columns] for row in rows
    ]


def as_csv(cells: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(cells)
    return out.getvalue().encode()


def as_xlsx(cells: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in cells:
        book.active.append([str(v) if isinstance(v, UUID) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
