"""The needs an offering party's offers could serve, read from its side of the matching desk."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import allocation
from domain.allocation import (
    NeedLine,
    NeedRanking,
    Offered,
    OfferLine,
    Parameters,
    Reach,
    _fits,
    best,
    need_weight,
    needs_served,
    score,
    violations,
)
from tests.unit.test_allocation import TODAY, need, offer, worlds


def test_each_need_appears_once_with_its_best_offer_and_the_most_pressing_first() -> None:
    urgent = need("PHL", 100, 5, request_id=UUID(int=1), needed_by=TODAY + timedelta(days=2))
    later = need("TLS", 100, 2, request_id=UUID(int=2))
    elsewhere = need("MMR", 100, 5, request_id=UUID(int=3))  # no offer serves Myanmar
    small = offer(10, ["PHL", "TLS"], offer_id=UUID(int=11))
    large = offer(90, ["PHL", "TLS"], offer_id=UUID(int=12))

    served = needs_served([later, elsewhere, urgent], [small, large], TODAY, Parameters(), 10)

    assert [s.need.request_id for s in served] == [urgent.request_id, later.request_id]
    assert all(s.offer == large for s in served)  # it covers more of each need
    assert {t.name for t in served[0].terms} == {"priority", "urgency", "coverage", "proximity", "timeliness"}
    assert served[0].score > served[1].score > 0
    assert served[0].excluded_by == ()


@settings(max_examples=50, deadline=None)
@given(worlds(max_needs=5, max_offers=4, max_quantity=300), st.integers(0, 6))
def test_a_needs_line_is_the_suggestion_the_matching_desk_ranks_first_for_it(
    world: tuple[list[NeedLine], list[OfferLine]], first: int
) -> None:
    needs, offers = world
    served = needs_served(needs, offers, TODAY, Parameters(), first)

    servable = [n for n in needs if any(not violations(n, o, TODAY) for o in offers)]
    assert len(served) == min(first, len({n.request_id for n in servable}))
    assert [s.score for s in served] == sorted((s.score for s in served), reverse=True)
    for line in served:
        assert line.excluded_by == ()
        assert line == best(line.need, offers, TODAY, Parameters(), 1)[0]


@settings(max_examples=100, deadline=None)
@given(worlds(max_needs=4, max_offers=4, max_quantity=300))
def test_the_quick_fit_check_is_exactly_no_rule_broken(world: tuple[list[NeedLine], list[OfferLine]]) -> None:
    needs, offers = world
    for n in needs:
        for o in offers:
            assert _fits(n, o, TODAY) == (not violations(n, o, TODAY))


@settings(max_examples=200, deadline=None)
@given(worlds(max_needs=5, max_offers=4, max_quantity=300), st.integers(-120, 120))
def test_no_pair_scores_above_what_the_needs_priority_and_date_reach(
    world: tuple[list[NeedLine], list[OfferLine]], shift: int
) -> None:
    needs, offers = world
    today = TODAY + timedelta(days=shift)
    reach = Reach.of(offers, today, Parameters())
    for n in needs:
        weight = need_weight(n, today, Parameters())
        for o in offers:
            assert score(n, o, today, weight) <= reach.at(n.priority, n.needed_by)


@settings(max_examples=200, deadline=None)
@given(
    worlds(max_needs=1, max_offers=4),
    st.integers(-120, 120),
    st.integers(1, 5),
    st.floats(0.5, 400.0),
    st.lists(st.integers(-400, 400), min_size=1, max_size=20),
)
def test_no_need_due_after_the_last_day_reaches_the_floor(
    world: tuple[list[NeedLine], list[OfferLine]], shift: int, priority: int, floor: float, days: list[int]
) -> None:
    _, offers = world
    today = TODAY + timedelta(days=shift)
    reach = Reach.of(offers, today, Parameters())
    last = reach.last_day(priority, floor)
    if last is not None:
        assert reach.at(priority, last) >= floor
    for day in (today + timedelta(days=d) for d in days):
        if last is None or day > last:
            assert reach.at(priority, day) < floor


def test_the_last_day_ends_each_stretch_where_the_reach_falls_below_the_floor() -> None:
    reach = Reach.of([offer(10, ["PHL"])], TODAY, Parameters())  # available from TODAY, home unknown
    ahead = reach.at(5, TODAY + timedelta(days=60))
    assert reach.last_day(5, ahead) == TODAY + timedelta(days=60)  # falls every day from there
    assert reach.last_day(5, reach.at(5, TODAY - timedelta(days=100))) == TODAY - timedelta(
        days=90
    )  # the cap
    assert reach.last_day(5, 5 * 0.6 + 5 * 0.25 * 0.5) == date.max  # no need ever scores less
    assert reach.last_day(1, 1000.0) is None


@settings(max_examples=100, deadline=None)
@given(worlds(max_needs=6, max_offers=4, max_quantity=300), st.integers(0, 7), st.integers(1, 5))
def test_needs_ranked_in_parts_rank_as_all_at_once(
    world: tuple[list[NeedLine], list[OfferLine]], first: int, parts: int
) -> None:
    needs, offers = world
    ranking = NeedRanking(offers, TODAY, Parameters(), first)
    for k in range(parts):
        ranking.add(needs[k::parts])
    floor = ranking.floor()

    served = needs_served(needs, offers, TODAY, Parameters(), first)
    assert ranking.result() == served
    if floor is not None and first > 0:
        assert len(served) == first
        assert floor == served[-1].score


@settings(max_examples=200, deadline=None)
@given(worlds(max_needs=6, max_offers=4, max_quantity=300), st.integers(0, 7))
def test_needs_skipped_before_their_lines_are_made_rank_as_every_need_given(
    world: tuple[list[NeedLine], list[OfferLine]], first: int
) -> None:
    """As ``projections.matching.served`` reads: the needs most promising first, each asked of
    ``skips`` before its line would be made, and only those not skipped given."""
    needs, offers = world
    ranking = NeedRanking(Offered.of(offers, TODAY, Parameters()), TODAY, Parameters(), first)
    for each in sorted(needs, key=lambda n: -ranking.reach.at(n.priority, n.needed_by)):
        most = ranking.reach.at(each.priority, each.needed_by)
        if not ranking.skips(each.request_id, most):
            ranking.add_reaching(each, most)
    assert ranking.result() == needs_served(needs, offers, TODAY, Parameters(), first)


def test_a_need_given_before_is_never_skipped_and_one_below_the_floor_is() -> None:
    ranking = NeedRanking([offer(10, ["PHL"])], TODAY, Parameters(), 1)
    urgent = need("PHL", 5, priority=5)
    ranking.add([urgent])
    floor = ranking.floor()
    assert floor is not None
    assert ranking.skips(UUID(int=999), floor - 0.001)
    assert not ranking.skips(UUID(int=999), floor)  # a tie may still win
    assert not ranking.skips(urgent.request_id, 0.0)  # its first score may linger among the best


def test_the_reach_remembers_its_answers_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocation, "_KNOWN_REACHES", 16)
    reach = Reach.of([offer(10, ["PHL"])], TODAY, Parameters())
    fresh = Reach.of([offer(10, ["PHL"])], TODAY, Parameters())
    for days in range(-60, 60):
        day = TODAY + timedelta(days=days)
        assert reach.at(3, day) == reach.at(3, day) == fresh._at(3, day)
        assert len(reach._known) <= 16
    assert reach == fresh  # what it remembers is no part of what it is
