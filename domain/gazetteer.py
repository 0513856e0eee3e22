"""The member states' admin areas by name and P-code, from OCHA's COD gazetteers (admin-1 and -2).

A coordinator names an area as people there do ("Lanao del Sur") and Concord records its P-code
(``PH19036``). The rows are OCHA's, vendored with their source in ``domain/data/README.md``; states
without a COD gazetteer there (Brunei Darussalam, Singapore) have no areas listed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from domain.codes import MemberState

DATA = "admin_areas.csv"


@dataclass(frozen=True)
class AdminArea:
    """One area as the gazetteer lists it; ``parent`` is the admin-1 P-code of an admin-2 area."""

    code: str
    name: str
    level: int
    parent: str | None
    valid_from: date
    version: str


@cache
def _areas() -> dict[MemberState, tuple[AdminArea, ...]]:
    """Read once, on first use: the domain does no I/O at import time."""
    text = resources.files("domain").joinpath("data", DATA).read_text(encoding="utf-8")
    listed: dict[MemberState, list[AdminArea]] = {state: [] for state in MemberState}
    for row in csv.DictReader(text.splitlines()):
        level = int(row["Admin Level"])
        listed[MemberState(row["Location"])].append(
            AdminArea(
                code=row["P-Code"],
                name=row["Name"],
                level=level,
                parent=row["Parent P-Code"] if level > 1 else None,
                valid_from=date.fromisoformat(row["Valid from date"]),
                version=row["Version"],
            )
        )
    return {state: tuple(areas) for state, areas in listed.items()}


@cache
def _by_code() -> dict[str, tuple[MemberState, AdminArea]]:
    return {area.code: (state, area) for state, areas in _areas().items() for area in areas}


def areas_of(state: MemberState) -> tuple[AdminArea, ...]:
    """The state's admin-1 and admin-2 areas in the gazetteer's order; empty without a gazetteer."""
    return _areas()[state]


def area(code: str) -> AdminArea | None:
    """The listed area of this P-code, or None (a finer level, an older code, or none at all)."""
    found = _by_code().get(code)
    return found[1] if found else None


def listed_in(state: MemberState, code: str) -> bool:
    """Whether ``code`` is one of ``state``'s listed areas."""
    found = _by_code().get(code)
    return found is not None and found[0] is state
