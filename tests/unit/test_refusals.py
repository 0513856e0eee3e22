"""Refusal reasons: every business-rule refusal names a stable reason, and the API guide lists each once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domain.errors import DomainError, InvalidInput, InvalidTransition, Refusal
from domain.havens import OverCapacity
from services.api.app import create_app
from services.api.problems import public
from services.errors import Conflict, Retry
from services.idempotency import CommandInFlight
from services.settings import Settings
from tests.unit.test_havens import ACTOR, haven

API_GUIDE = Path(__file__).parents[2] / "docs" / "api.md"


def guide_reasons() -> dict[str, str]:
    """The API guide's table of refusal reasons: reason -> code."""
    text = API_GUIDE.read_text()
    table = text.split("**Refusal reasons.**", 1)[1].split("\n\n", 2)[1]
    rows = re.findall(r"^\| `([A-Z_]+)` \| `([A-Z_]+)` \|", table, flags=re.MULTILINE)
    return dict(rows) if len(dict(rows)) == len(rows) else {}


def _subclasses(kind: type[DomainError]) -> list[type[DomainError]]:
    return [kind, *(s for c in kind.__subclasses__() for s in _subclasses(c))]


def test_the_api_guide_lists_every_reason_the_code_defines_once() -> None:
    listed = guide_reasons()

    assert set(listed) == {r.value for r in Refusal} | {r.value for r in Retry}
    for kind in _subclasses(InvalidTransition):  # each kind's own reason: its code as listed
        assert kind.refusal is not None
        assert listed[kind.refusal.value] == public(kind("refused")).code, kind


def test_over_capacity_is_a_conflict_with_its_own_reason_not_a_lost_race() -> None:
    shelter = haven(100, None)
    shelter.admit(100, actor=ACTOR)
    with pytest.raises(OverCapacity) as refused:
        shelter.admit(1, actor=ACTOR)

    full, lost = public(refused.value), public(Conflict("kept changing"))

    assert (full.code, full.details["reason"]) == ("CONFLICT", "OVER_CAPACITY")
    assert (lost.code, lost.details["reason"]) == ("CONFLICT", "CONCURRENT_UPDATE")
    assert public(CommandInFlight("running")).details["reason"] == "COMMAND_IN_FLIGHT"


def test_a_refusal_by_value_keeps_its_field_and_names_its_reason() -> None:
    over = public(InvalidInput("amount", "would exceed the pledge", refusal=Refusal.OVER_PAYMENT))
    malformed = public(InvalidInput("amount", "not a number"))

    assert over.details == {"field": "amount", "reason": "OVER_PAYMENT"}
    assert malformed.details == {"field": "amount"}


def test_a_rest_problem_carries_the_reason(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))

    @app.get("/refuse")
    def refuse() -> None:
        raise OverCapacity("Balo-i evacuation centre has room for 0, not 1")

    answer = TestClient(app, raise_server_exceptions=False).get("/refuse")

    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert (answer.json()["code"], answer.json()["reason"]) == ("CONFLICT", "OVER_CAPACITY")
