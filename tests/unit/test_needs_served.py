"""The needs an offering party's offers could serve, read from its side of the matching desk."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.allocation import NeedLine, OfferLine, Parameters, _fits, best, needs_served, violations
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
