"""The parts of a project: its IATI lifecycle, the milestones it plans, and its results with
indicators (HXL-taggable, so that a results table exports as HXL like the rest of Concord)."""

from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.errors import InvalidInput
from domain.requests import QUANTITY_MAX, QUANTITY_PLACES
from domain.text import check_characters, text

#: An HXL hashtag with attributes, e.g. #reached+children or #indicator+schools+rebuilt.
_HXL_TAG = re.compile(r"#[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*")


class ProjectStatus(enum.Enum):
    """IATI ActivityStatus: the code is what IATI XML carries."""

    PIPELINE = "pipeline"
    IMPLEMENTATION = "implementation"
    FINALISATION = "finalisation"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    SUSPENDED = "suspended"

    @property
    def iati_code(self) -> str:
        return str(list(ProjectStatus).index(self) + 1)


_P = ProjectStatus
#: The IATI lifecycle: forward only; a suspension resumes where it was (checked separately).
NEXT_STATUSES: dict[ProjectStatus, frozenset[ProjectStatus]] = {
    _P.PIPELINE: frozenset({_P.IMPLEMENTATION, _P.SUSPENDED, _P.CANCELLED}),
    _P.IMPLEMENTATION: frozenset({_P.FINALISATION, _P.SUSPENDED, _P.CANCELLED}),
    _P.FINALISATION: frozenset({_P.CLOSED}),
    _P.SUSPENDED: frozenset({_P.PIPELINE, _P.IMPLEMENTATION, _P.CANCELLED}),
    _P.CLOSED: frozenset(),
    _P.CANCELLED: frozenset(),
}
#: Money may be pledged or allocated to a project while it is planned or under way.
FUNDABLE = frozenset({_P.PIPELINE, _P.IMPLEMENTATION})
WORKING = frozenset({_P.IMPLEMENTATION, _P.FINALISATION})
ENDED = frozenset({_P.CLOSED, _P.CANCELLED})


@dataclass(frozen=True)
class Milestone:
    title: str
    due_date: date
    achieved_on: date | None = None
    note: str = ""

    def achieved(self, on: date, note: str) -> Milestone:
        return dataclasses.replace(self, achieved_on=on, note=note)

    def overdue(self, today: date) -> bool:
        return self.achieved_on is None and self.due_date < today


@dataclass(frozen=True)
class ResultTerms:
    """An indicator with its baseline and target; hxl_tag is how an export labels its column."""

    indicator: str
    unit: str
    baseline: Decimal
    target: Decimal
    hxl_tag: str = ""


@dataclass(frozen=True)
class Result:
    terms: ResultTerms
    achieved: Decimal | None = None
    measured_on: date | None = None

    def measured(self, achieved: Decimal, on: date) -> Result:
        return dataclasses.replace(self, achieved=achieved, measured_on=on)

    @property
    def progress(self) -> Decimal | None:
        """How far from baseline to target the indicator has moved (1 = target reached)."""
        return progress(self.terms.baseline, self.terms.target, self.achieved)


def progress(baseline: Decimal, target: Decimal, achieved: Decimal | None) -> Decimal | None:
    if achieved is None or target == baseline:
        return None
    return ((achieved - baseline) / (target - baseline)).quantize(Decimal("0.0001"))


def check_measure(value: Decimal, field: str) -> Decimal:
    """A count or measure: finite, not negative, at most four decimal places."""
    if not value.is_finite() or value < 0:
        raise InvalidInput(field, "must be a number, zero or more")
    if value >= QUANTITY_MAX:
        raise InvalidInput(field, "is too large")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > QUANTITY_PLACES:
        raise InvalidInput(field, f"has more than {QUANTITY_PLACES} decimal places")
    return value


def check_hxl_tag(tag: str) -> str:
    tag = check_characters("hxlTag", tag).strip().lower()
    if tag and not _HXL_TAG.fullmatch(tag):
        raise InvalidInput("hxlTag", f"{tag!r} is not an HXL hashtag (e.g. #reached+children)")
    if len(tag) > 100:
        raise InvalidInput("hxlTag", "must be at most 100 characters")
    return tag


def checked_terms(terms: ResultTerms) -> ResultTerms:
    """Baseline and target differ: an indicator that is not meant to move measures nothing."""
    baseline = check_measure(terms.baseline, "baseline")
    target = check_measure(terms.target, "target")
    if baseline == target:
        raise InvalidInput("target", "must differ from the baseline")
    return ResultTerms(
        indicator=text("indicator", terms.indicator, 200, required=True),
        unit=text("unit", terms.unit, 32, required=True),
        baseline=baseline,
        target=target,
        hxl_tag=check_hxl_tag(terms.hxl_tag),
    )
