"""Test data: a valid request need and GraphQL input, each overridable field by field."""

from __future__ import annotations

import dataclasses
from datetime import date
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
