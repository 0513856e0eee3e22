"""Area filters no finer than the caller may see, so that a filter cannot find what a field hides.

Without need-to-know a caller sees a member state's areas at admin-1 only (``PH15``); filtering by
a finer code (``PH153605``) would pick out the rows of an area it may not see, and rolled-up
figures would come back as that area's alone under the admin-1 label. Such a filter is refused
with BAD_USER_INPUT, naming the admin-1 code to ask for instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.havens import admin1, member_state_of
from services.api.problems import BadInput
from services.identity.access import Owner, Principal, may


def visible_areas(principal: Principal, exact_areas: str, areas: Sequence[str] | None) -> list[str]:
    """The area filter as P-codes, once each is known to be no finer than ``principal`` may see
    where ``exact_areas`` (a need-to-know entry of the policy) decides who sees exact areas."""
    codes = [area.strip().upper() for area in areas or []]
    for code in codes:
        state = member_state_of(code)
        if state is None or may(principal, exact_areas, Owner(member_state=state)):
            continue
        coarse = admin1(code, state)
        if len(code) > len(coarse):
            seen = f"the areas you may see in {state.label}"
            raise BadInput("area", f"{code} is finer than {seen}; use {coarse}")
    return codes
