"""Places: a safe haven lies in its member state, and the demo's havens in the areas they name."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest

from domain.codes import MemberState
from domain.errors import InvalidInput
from domain.geography import BOUNDS, CAPITALS, great_circle_km
from domain.havens import SafeHaven
from services.coordination import Concord
from services.demo import AREAS, PLACES, Demo
from tests.conftest import fixed_today
from tests.unit.test_havens import ACTOR

WITHIN_KM = 60


def test_every_member_state_has_a_box_that_holds_its_capital() -> None:
    assert set(BOUNDS) == {s.value for s in MemberState}
    assert all(BOUNDS[state].holds(*CAPITALS[state]) for state in BOUNDS)


@pytest.mark.parametrize(("latitude", "longitude"), [("5.5", "96.9"), ("13.7563", "100.5018")])
def test_a_haven_outside_its_member_state_is_refused(latitude: str, longitude: str) -> None:
    """5.5 N, 96.9 E is the Indian Ocean west of Sumatra; the other point is Bangkok."""
    with pytest.raises(InvalidInput) as refused:
        SafeHaven.designate(
            uuid4(), MemberState.PHL, name="Centre", admin_code="PH153617",
            latitude=Decimal(latitude), longitude=Decimal(longitude), capacity_day=10, actor=ACTOR,
        )  # fmt: skip
    assert refused.value.field == "location"


def test_every_demo_area_has_a_point_in_its_state() -> None:
    for state, codes in AREAS.items():
        for code in codes:
            latitude, longitude, _ = PLACES[code]
            assert BOUNDS[state.value].holds(latitude, longitude), code


def test_the_demos_havens_lie_in_the_areas_they_name() -> None:
    concord = Concord({"PERSISTENCE_MODULE": "eventsourcing.popo"}, today=fixed_today)
    demo = Demo(concord, seed=5, scale=0.02)
    for step in (demo.register_organisations, demo.open_crises, demo.shelter_and_move):
        for _ in step():
            pass
    designated = [
        event
        for notification in concord.recorder.select_notifications(start=1, limit=100_000)
        if isinstance(event := concord.mapper.to_domain_event(notification), SafeHaven.Designated)
    ]
    concord.close()

    assert designated
    for haven in designated:
        place = (float(haven.latitude), float(haven.longitude))
        assert BOUNDS[haven.member_state].holds(*place), haven.name
        assert great_circle_km(place, PLACES[haven.admin_code][:2]) < WITHIN_KM, haven.name
