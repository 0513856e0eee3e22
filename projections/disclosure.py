"""Disclosure control for what viewers see: small counts of people are suppressed (IASC, OCHA).

A count from 1 to ``threshold - 1`` is never shown to a viewer. Where a total is shown beside
the cells, one suppressed cell alone could be recomputed from it, so a second cell (the
smallest shown one) is suppressed as well: complementary suppression.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
THRESHOLD = 5


@dataclass(frozen=True)
class Suppressed(Generic[K]):
    """Cells as a viewer may see them (None where suppressed) and the total, if it may be shown."""

    cells: dict[K, int | None]
    total: int | None


def is_small(count: int, threshold: int = THRESHOLD) -> bool:
    return 0 < count < threshold


def suppress_small_counts(
    cells: Mapping[K, int], *, threshold: int = THRESHOLD, with_total: bool = True
) -> Suppressed[K]:
    hidden = {key for key, count in cells.items() if is_small(count, threshold)}
    total = sum(cells.values())
    if with_total and len(hidden) == 1:
        shown = sorted(
            (count, str(key), key) for key, count in cells.items() if key not in hidden and count > 0
        )
        if shown:
            hidden.add(shown[0][2])
    shown_total = total if with_total and not is_small(total, threshold) else None
    return Suppressed({key: None if key in hidden else count for key, count in cells.items()}, shown_total)
