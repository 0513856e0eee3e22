"""Small counts of people are never shown to viewers, nor recomputable from a total."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from projections.disclosure import THRESHOLD, suppress_small_counts


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
