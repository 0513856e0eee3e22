"""Movements: voluntariness before approval, a haven's room never over-promised, replay equals live."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from uuid import uuid4

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.displacement import StockChange, stock_changes
from domain.errors import DomainError, InvalidInput, InvalidTransition
from domain.havens import OverCapacity, SafeHaven
from domain.movements import Movement, MovementKind, MovementStatus, Place, VoluntarinessMethod
from tests.conftest import TODAY
from tests.unit.test_havens import ACTOR, haven

LATER = TODAY + timedelta(days=7)


def movement(
    people: int = 100,
    *,
    into: SafeHaven | None = None,
    kind: MovementKind = MovementKind.IDP_RETURN,
    origin: Place | None = None,
    vulnerable: dict[str, int] | None = None,
) -> Movement:
    return Movement.plan(
        uuid4(),
        kind,
        origin or Place("PHL", "PH1536"),
        Place("PHL", "PH1538") if into is None else Place("", safe_haven_id=into.id),
        group={"female:18-59": people // 2, "male:18-59": people - people // 2},
        vulnerable=vulnerable or {},
        planned_departure=TODAY,
        planned_arrival=LATER,
        destination_haven=into,
        today=TODAY,
        actor=ACTOR,
    )


def confirmed(m: Movement) -> Movement:
    m.confirm_voluntariness(
        "UNHCR protection team", VoluntarinessMethod.GO_AND_SEE_VISIT, TODAY, today=TODAY, actor=ACTOR
    )
    return m


def test_a_movement_cannot_be_approved_without_a_voluntariness_record() -> None:
    m = movement()

    with pytest.raises(InvalidTransition):
        m.approve(None, actor=ACTOR)
    confirmed(m).approve(None, actor=ACTOR)

    assert m.status is MovementStatus.APPROVED
    assert m.voluntariness is not None
    assert m.voluntariness[1] is VoluntarinessMethod.GO_AND_SEE_VISIT


def test_approval_into_a_haven_counts_room_already_reserved() -> None:
    shelter = haven(300, 300)
    shelter.admit(100, actor=ACTOR)
    first, second = confirmed(movement(150, into=shelter)), confirmed(movement(60, into=shelter))

    first.approve(shelter, actor=ACTOR)
    with pytest.raises(OverCapacity):
        second.approve(shelter, actor=ACTOR)
    with pytest.raises(OverCapacity):
        shelter.admit(51, actor=ACTOR)  # reserved room is not free for walk-ins either

    assert (shelter.occupancy, shelter.reserved, shelter.available) == (100, 150, 50)


def test_arrival_shelters_the_people_who_came_and_frees_the_rest_of_the_reservation() -> None:
    shelter = haven(300, 300)
    m = confirmed(movement(150, into=shelter))
    m.approve(shelter, actor=ACTOR)
    m.start(None, None, TODAY, actor=ACTOR)

    m.record_arrival(140, LATER, "ten stayed behind with relatives", shelter, actor=ACTOR)

    assert (m.status, m.people_arrived) == (MovementStatus.ARRIVED, 140)
    assert (shelter.occupancy, shelter.reserved, shelter.available) == (140, 0, 160)


def test_postponing_or_cancelling_frees_reserved_room_and_approval_lapses() -> None:
    shelter = haven(300, 300)
    m = confirmed(movement(200, into=shelter))
    m.approve(shelter, actor=ACTOR)

    m.postpone(LATER, LATER + timedelta(days=3), "road washed out", shelter, today=TODAY, actor=ACTOR)
    assert (m.status, shelter.reserved) == (MovementStatus.POSTPONED, 0)
    with pytest.raises(InvalidTransition):
        m.start(None, None, LATER, actor=ACTOR)
    m.approve(shelter, actor=ACTOR)
    m.cancel("the group chose to stay", shelter, actor=ACTOR)

    assert (m.status, shelter.reserved) == (MovementStatus.CANCELLED, 0)


def test_leaving_a_haven_frees_its_places_when_the_group_sets_out() -> None:
    origin = haven(300, 300)
    origin.admit(120, actor=ACTOR)
    m = Movement.plan(
        uuid4(), MovementKind.IDP_RETURN, Place("", safe_haven_id=origin.id), Place("PHL", "PH1538"),
        group={"female:0-4": 20, "female:18-59": 50, "male:18-59": 50}, vulnerable={},
        planned_departure=TODAY, planned_arrival=LATER, origin_haven=origin, today=TODAY, actor=ACTOR,
    )  # fmt: skip
    confirmed(m).approve(None, actor=ACTOR)

    m.start(None, origin, TODAY, actor=ACTOR)

    assert (origin.occupancy, m.origin.admin_code) == (0, "PH1536")


@pytest.mark.parametrize(
    ("kind", "origin", "field"),
    [
        (MovementKind.REFUGEE_REPATRIATION, Place("PHL", "PH15"), "kind"),  # does not cross a border
        (MovementKind.IDP_RETURN, Place("MYS", "MY12"), "kind"),  # IDPs stay in their country
        (MovementKind.IDP_RETURN, Place("PH", "PH15"), "origin"),  # not ISO 3166 alpha-3
        (MovementKind.IDP_RETURN, Place("PHL", "TH15"), "adminCode"),
    ],
)
def test_a_movement_that_cannot_be_right_is_refused(kind: MovementKind, origin: Place, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        movement(kind=kind, origin=origin)
    assert refused.value.field == field


def test_vulnerable_counts_fit_inside_the_group() -> None:
    with pytest.raises(InvalidInput, match="unaccompanied"):
        movement(10, vulnerable={"unaccompanied-or-separated-children": 1})  # the group has no children
    with pytest.raises(InvalidInput):
        movement(10, vulnerable={"persons-with-disabilities": 11})


def test_a_refugee_repatriation_from_outside_asean_is_planned_with_its_origin_country() -> None:
    m = movement(kind=MovementKind.REFUGEE_REPATRIATION, origin=Place("bgd"))

    assert (m.origin.country, m.origin.member_state, m.receiving_state.value) == ("BGD", None, "PHL")


def test_an_origin_outside_asean_takes_a_p_code_and_nothing_else() -> None:
    m = movement(kind=MovementKind.REFUGEE_REPATRIATION, origin=Place("BGD", "bd2022"))
    assert m.origin.admin_code == "BD2022"
    for code in ("BD" + "2" * 20, "Cox's Bazar", "2022"):
        with pytest.raises(InvalidInput) as refused:
            movement(kind=MovementKind.REFUGEE_REPATRIATION, origin=Place("BGD", code))
        assert refused.value.field == "adminCode"


def test_arrivals_change_the_stocks_in_dtm_terms() -> None:
    origin, destination = Place("PHL", "PH1536"), Place("PHL", "PH1538")

    assert stock_changes(MovementKind.IDP_RETURN, origin, destination, 40) == [
        StockChange("PHL", "PH1536", displaced=-40),
        StockChange("PHL", "PH1538", returned=40),
    ]
    assert stock_changes(MovementKind.RELOCATION, origin, destination, 5)[1] == StockChange(
        "PHL", "PH1538", displaced=5
    )
    assert stock_changes(MovementKind.REFUGEE_REPATRIATION, Place("BGD"), destination, 9) == [
        StockChange("PHL", "PH1538", returned=9)
    ]


class HavenArrivals(RuleBasedStateMachine):
    """Movements into one haven, and walk-ins: no order of approvals and arrivals overfills it."""

    def __init__(self) -> None:
        super().__init__()
        self.haven = haven(400, 250)
        self.movements: list[Movement] = []
        self.events: dict[object, list[object]] = {}

    def _try(self, step: object) -> None:
        with contextlib.suppress(DomainError):
            step()  # type: ignore[operator]

    @rule(people=st.integers(1, 200), confirm=st.booleans())
    def plan(self, people: int, confirm: bool) -> None:
        m = movement(people, into=self.haven)
        self.movements.append(confirmed(m) if confirm else m)

    @precondition(lambda self: self.movements)
    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        m = self.movements[data.draw(st.integers(0, len(self.movements) - 1))]
        action = data.draw(st.sampled_from(["approve", "start", "arrive", "postpone", "cancel", "confirm"]))
        arrived = data.draw(st.integers(0, m.people + 20))
        steps = {
            "approve": lambda: m.approve(self.haven, actor=ACTOR),
            "start": lambda: m.start(None, None, TODAY, actor=ACTOR),
            "arrive": lambda: m.record_arrival(arrived, LATER, "", self.haven, actor=ACTOR),
            "postpone": lambda: m.postpone(LATER, LATER, "rain", self.haven, today=TODAY, actor=ACTOR),
            "cancel": lambda: m.cancel("", self.haven, actor=ACTOR),
            "confirm": lambda: confirmed(m),
        }
        self._try(steps[action])

    @rule(people=st.integers(1, 100), admit=st.booleans())
    def walk_in_or_leave(self, people: int, admit: bool) -> None:
        if admit:
            self._try(lambda: self.haven.admit(people, actor=ACTOR))
        else:
            self._try(lambda: self.haven.record_departure(people, actor=ACTOR))

    @invariant()
    def occupancy_and_reservations_stay_within_capacity(self) -> None:
        h = self.haven
        assert h.occupancy >= 0
        assert h.occupancy + h.reserved <= h.capacity
        held = {str(m.id): m.people for m in self.movements if m.status in _HOLDING}
        assert h.reservations == held

    @invariant()
    def the_events_replay_to_the_live_state(self) -> None:
        for aggregate in [self.haven, *self.movements]:
            log = self.events.setdefault(aggregate.id, [])
            log.extend(aggregate.collect_events())
            replayed = None
            for event in log:
                replayed = event.mutate(replayed)  # type: ignore[attr-defined]
            assert replayed is not None
            assert replayed.__dict__ == aggregate.__dict__


_HOLDING = (MovementStatus.APPROVED, MovementStatus.IN_TRANSIT)

TestHavenArrivals = HavenArrivals.TestCase
TestHavenArrivals.settings = hypothesis_settings(max_examples=40, stateful_step_count=30, deadline=None)


def test_dates_run_forward() -> None:
    with pytest.raises(InvalidInput, match="plannedDeparture"):
        Movement.plan(
            uuid4(), MovementKind.IDP_RETURN, Place("PHL", "PH15"), Place("PHL", "PH16"),
            group={"male:60+": 1}, vulnerable={}, planned_departure=TODAY - timedelta(days=1),
            planned_arrival=TODAY, today=TODAY, actor=ACTOR,
        )  # fmt: skip
