"""HXL-tagged CSV, streamed: a header row, the HXL hashtag row under it, then one line per row.

Generic over the rows: an export names its columns (header, HXL 1.1 hashtag with attributes,
and how to read the value from a row) and hands over an async iterator of rows; nothing is
collected in memory beyond one chunk of lines.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from fastapi.responses import StreamingResponse

from services.cells import inert

R = TypeVar("R")
#: A hashtag and its attributes, as HXL 1.1 writes them: ``#adm1+code``, ``#value+usd``.
HASHTAG = re.compile(r"^#[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*$")
#: Lines written out together: one chunk, not one write per row, and never the whole set.
ROWS_PER_CHUNK = 200
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
CSV_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "HXL-tagged CSV: a header row, then the HXL hashtag row",
        "content": {"text/csv": {}},
    }
}


@dataclass(frozen=True)
class Column(Generic[R]):
    header: str
    tag: str
    value: Callable[[R], object]

    def __post_init__(self) -> None:
        if not HASHTAG.match(self.tag):
            raise ValueError(f"{self.tag!r} is not an HXL hashtag with attributes")


def cell(value: object) -> str:
    """How a value is written: ISO dates, enum values, numbers in one plain form (800, 12.5, never
    800.0 or 1E+3), empty for unknown (None), and text that a spreadsheet would run as a formula
    made inert."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, int | Decimal | float):
        return number(Decimal(str(value)))
    return inert(str(value))


def number(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


async def lines(rows: AsyncIterable[R] | Iterable[R], columns: Sequence[Column[R]]) -> AsyncIterator[str]:
    """The CSV text, in chunks of at most ``ROWS_PER_CHUNK`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(c.header for c in columns)
    writer.writerow(c.tag for c in columns)
    pending = 0
    async for row in _aiter(rows):
        writer.writerow(cell(c.value(row)) for c in columns)
        pending += 1
        if pending == ROWS_PER_CHUNK:
            yield _drain(buffer)
            pending = 0
    yield _drain(buffer)


def csv_response(
    rows: AsyncIterable[R] | Iterable[R], columns: Sequence[Column[R]], filename: str
) -> StreamingResponse:
    return StreamingResponse(
        lines(rows, columns),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


async def _aiter(rows: AsyncIterable[R] | Iterable[R]) -> AsyncIterator[R]:
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            yield row
    else:
        for row in rows:
            yield row
