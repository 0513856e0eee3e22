"""The columns an upload reads, by HXL hashtag: those of ``/exports/requests.csv`` and
``/exports/offers.csv``, so an export edited and uploaded again reads back. Columns an export
writes but a command does not take (committed, status, posted, …) are ignored.

A field is named as in the GraphQL input (``crisisId``, ``neededBy``), which is where a row's
error points.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from uuid import UUID

import hxl

from domain.codes import MemberState, Sector
from domain.errors import InvalidInput
from domain.offers import DeliveryMode
from services.cells import as_written
from services.imports.sheets import SheetRow

E = TypeVar("E", bound=enum.Enum)


@dataclass(frozen=True)
class Field:
    name: str
    tag: str  # a libhxl tag pattern: the hashtag with the attributes the column must carry
    parse: Callable[[str], Any]
    required: bool = True


def uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise ValueError("is not an id (a UUID)") from None


def number(value: str) -> Decimal:
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number (write 1200 or 12.5)") from None
    if not parsed.is_finite():
        raise ValueError(f"{value!r} is not a number (write 1200 or 12.5)")
    return parsed


def integer(value: str) -> int:
    parsed = number(value)
    if parsed != parsed.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number")
    return int(parsed)


def day(value: str) -> date:
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value).date()
    except ValueError:
        raise ValueError(f"{value!r} is not a date (write 2027-01-31)") from None


def text(value: str) -> str:
    return as_written(value)


def one_of(kind: type[E]) -> Callable[[str], E]:
    """An enum by its value (``PB-REC``) or its name (``PB_REC``), as the exports' filters take it."""

    def parse(value: str) -> E:
        for member in kind:
            if value in (member.value, member.name):
                return member
        known = ", ".join(str(m.value) for m in kind)
        raise ValueError(f"{value!r} is not one of {known}")

    return parse


def states(value: str) -> list[MemberState]:
    parse = one_of(MemberState)
    return [parse(v) for v in re.split(r"[\s,;]+", value) if v]


REQUEST_FIELDS = (
    Field("id", "#meta+id", uuid, required=False),  # a request on record: amended to the row's terms
    Field("crisisId", "#crisis+id", uuid),
    Field("memberState", "#country+code", one_of(MemberState)),
    Field("adminCode", "#loc+code", text),
    Field("sector", "#sector+cluster", one_of(Sector)),
    Field("item", "#item+code", text),
    Field("title", "#item+name", text),
    Field("quantity", "#indicator+requested+num", number),
    Field("unit", "#indicator+unit", text),
    Field("priority", "#priority", integer),
    Field("neededBy", "#date+needed", day),
)

OFFER_FIELDS = (
    Field("id", "#meta+id", uuid, required=False),  # an offer on record: offers are not amended
    Field("crisisId", "#crisis+id", uuid),
    Field("organisationId", "#org+id", uuid, required=False),  # must be the caller's, if given
    Field("sector", "#sector+cluster", one_of(Sector)),
    Field("item", "#item+code", text),
    Field("quantity", "#indicator+offered+num", number),
    Field("unit", "#indicator+unit", text),
    Field("availableFrom", "#date+start", day),
    Field("availableUntil", "#date+end", day),
    Field("serves", "#country+code+served", states),
    Field("deliveryMode", "#modality", one_of(DeliveryMode)),
    Field("standbyCapacity", "#capacity+type", text, required=False),
)


def check_columns(fields: Sequence[Field], tags: Sequence[str]) -> None:
    """Every required column is there (InvalidInput on ``file`` naming those that are not)."""
    columns = [hxl.model.Column.parse(t) for t in tags]
    missing = [
        f.tag for f in fields if f.required and not any(hxl.TagPattern.parse(f.tag).match(c) for c in columns)
    ]
    if missing:
        raise InvalidInput("file", f"the hashtag row lacks {', '.join(missing)}")


def values_of(fields: Sequence[Field], row: SheetRow) -> tuple[dict[str, Any], dict[str, str]]:
    """A row's values by field name, and its errors by field name (blank optional cells left out)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        cell = row.get(field.tag)
        if not cell:
            if field.required:
                errors[field.name] = "is blank"
            continue
        try:
            values[field.name] = field.parse(cell)
        except (ValueError, InvalidInput) as error:
            errors[field.name] = str(error).removeprefix(f"{field.name}: ")
    return values, errors
