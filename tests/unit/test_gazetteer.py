"""The admin areas vendored from OCHA's Global P-Code List: every row is a member state's, an admin-2
area sits in a listed admin-1 area whose code is its own first level (as need-to-know coarsens it),
each code is accepted for its own state only, and the demo's areas are all listed."""

from __future__ import annotations

from collections import Counter

import pytest

from domain.codes import MemberState
from domain.errors import InvalidInput
from domain.gazetteer import area, areas_of, listed_in
from domain.havens import admin1, member_state_of
from domain.requests import check_admin_code
from services.demo import AREAS

ALL = [(state, listed) for state in MemberState for listed in areas_of(state)]


def test_nine_states_have_a_gazetteer_and_brunei_and_singapore_none() -> None:
    counted = Counter(state for state, _ in ALL)

    assert set(counted) == set(MemberState) - {MemberState.BRN, MemberState.SGP}
    assert counted[MemberState.PHL] == 17 + 88
    assert counted[MemberState.THA] == 77 + 928
    assert areas_of(MemberState.SGP) == ()


def test_every_admin2_area_lies_in_a_listed_admin1_area_its_code_coarsens_to() -> None:
    for state, listed in ALL:
        assert listed.level in {1, 2}, listed
        assert member_state_of(listed.code) is state, listed
        if listed.level == 2:
            parent = area(listed.parent or "")
            assert parent is not None, listed
            assert (parent.level, admin1(listed.code, state)) == (1, parent.code), listed
        else:
            assert admin1(listed.code, state) == listed.code, listed


def test_the_gazetteer_names_the_areas_as_ocha_does() -> None:
    named = {code: (found.name, found.parent) for code in ("PH19036", "MMR012D005") if (found := area(code))}

    assert named == {"PH19036": ("Lanao del Sur", "PH19"), "MMR012D005": ("Mrauk-U", "MMR012")}
    assert area("PH1536") is None  # ARMM's code before Bangsamoro: not in the current COD


@pytest.mark.parametrize("state", [s for s in MemberState if areas_of(s)])
def test_a_listed_code_is_a_p_code_of_its_own_state_only(state: MemberState) -> None:
    other = next(s for s in MemberState if s is not state)
    codes = [listed.code for listed in areas_of(state)]

    assert [check_admin_code(state, code.lower()) for code in codes] == codes
    for code in codes[:5]:
        assert not listed_in(other, code)
        with pytest.raises(InvalidInput):
            check_admin_code(other, code)


def test_myanmars_districts_are_p_codes_though_they_carry_a_letter() -> None:
    assert check_admin_code(MemberState.MMR, "MMR012D005") == "MMR012D005"
    with pytest.raises(InvalidInput) as refused:
        check_admin_code(MemberState.MMR, "MMR012X005")
    assert "expected MMR followed by digits, e.g. MMR001 for Kachin" in str(refused.value)


def test_every_area_of_the_demo_is_listed_in_its_states_gazetteer() -> None:
    unlisted = [code for state, codes in AREAS.items() for code in codes if not listed_in(state, code)]

    assert unlisted == []
