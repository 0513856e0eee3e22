"""Test data: a valid request need and GraphQL input, each overridable field by field."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.codes import Sector
from domain.requests import Need


def a_need(**overrides: Any) -> Need:
    need = Need(
        sector=Sector.SHL,
        title="Tarpaulins for returnee families",
        description="Roofing for 500 households returning to Marawi",
        quantity=Decimal(500),
        unit="piece",
        priority=4,
        needed_by=date(2027, 1, 15),
        admin_code="PH1536",
        item="SHL-TARP",
    )
    return dataclasses.replace(need, **overrides)


def post_request_input(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "memberState": "PHL",
        "sector": "SHL",
        "title": "Tarpaulins for returnee families",
        "description": "Roofing for 500 households returning to Marawi",
        "quantity": "500",
        "unit": "piece",
        "priority": 4,
        "neededBy": "2027-01-15",
        "adminCode": "PH1536",
        "item": "SHL-TARP",
    }
    values.update(overrides)
    return values


def served_request_input(**overrides: Any) -> dict[str, Any]:
    """``post_request_input`` for a served Concord, which reads the real clock: needed 90 days from
    today, where the fixed date above would one day be refused as in the past."""
    needed_by = datetime.now(UTC).date() + timedelta(days=90)
    return post_request_input(**{"neededBy": needed_by.isoformat(), **overrides})
