"""Small counts of people are never shown to viewers, nor recomputable from a total."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.access import Role
from projections.disclosure import (
    THRESHOLD,
    Suppressed,
    disclose,
    disclose_count,
    is_small,
    suppress_small_counts,
)


def test_small_counts_are_hidden_and_a_complement_with_them() -> None:
    shown = suppress_small_counts({"PH15": 120, "PH16": 3, "PH17": 40})

    assert shown.cells == {"PH15": 120, "PH16": None, "PH17": None}
    assert shown.total == 163


def test_zero_and_large_counts_are_shown() -> None:
    shown = suppress_small_counts({"PH15": 0, "PH16": 5, "PH17": 9})

    assert shown.cells == {"PH15": 0, "PH16": 5, "PH17": 9}


def test_a_small_total_is_hidden_too() -> None:
    assert suppress_small_counts({"PH15": 2, "PH16": 1}).total is None


@given(st.dictionaries(st.sampled_from([f"A{i}" for i in range(8)]), st.integers(0, 60), min_size=1))
def test_no_small_cell_can_be_seen_or_recomputed(cells: dict[str, int]) -> None:
    shown = suppress_small_counts(cells)

    for key, count in cells.items():
        if 0 < count < THRESHOLD:
            assert shown.cells[key] is None
    hidden = [key for key, value in shown.cells.items() if value is None]
    if shown.total is not None and hidden:
        # With the total, the hidden cells' sum is known; one hidden cell alone would be exposed.
        assert len(hidden) >= 2 or cells[hidden[0]] == 0


GROUP_CELLS = [f"{sex}:{age}" for sex in ("female", "male") for age in ("0-4", "5-17", "18-59", "60+")]


@given(st.fixed_dictionaries({key: st.integers(0, 40) for key in GROUP_CELLS}))
def test_no_blank_of_a_row_can_be_derived_from_its_shown_cells_and_total(cells: dict[str, int]) -> None:
    shown = disclose(Role.VIEWER, cells)

    hidden = [key for key, value in shown.cells.items() if value is None]
    assert all(shown.cells[key] is None for key, count in cells.items() if is_small(count))
    assert all(key not in hidden for key, count in cells.items() if count == 0)  # so a blank is >= 1
    if shown.total is not None:
        assert shown.total == sum(cells.values())
        blank_sum = shown.total - sum(v for v in shown.cells.values() if v is not None)
        # Each blank lies in [1, blank_sum - (blanks - 1)]: at least two values unless pinned.
        assert not hidden or (len(hidden) >= 2 and blank_sum - len(hidden) >= 1)
    else:
        assert hidden
        assert not any(v for v in shown.cells.values())  # every non-zero cell is blank too


def test_those_who_work_with_the_data_see_every_count() -> None:
    for role in (Role.COORDINATOR, Role.DONOR, Role.SECRETARIAT):
        assert disclose(role, {"a": 3, "b": 40}) == Suppressed({"a": 3, "b": 40}, 43)
        assert disclose_count(role, 2) == 2
    assert disclose_count(Role.VIEWER, 2) is None
    assert disclose_count(Role.VIEWER, 0) == 0


def test_cells_of_one_each_get_a_complement_and_a_total_beside_no_shown_cell_is_blank() -> None:
    assert disclose(Role.VIEWER, {"a": 1, "b": 1, "c": 30}) == Suppressed(
        {"a": None, "b": None, "c": None}, None
    )
    ones = dict.fromkeys(GROUP_CELLS, 1)
    assert disclose(Role.VIEWER, ones).total is None
    assert disclose(Role.VIEWER, {"a": 1, "b": 5, "c": 30}) == Suppressed({"a": None, "b": None, "c": 30}, 36)
