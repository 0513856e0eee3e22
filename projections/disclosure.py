"""Disclosure control for counts of people: what each caller may see (IASC data responsibility).

The rule, stated once: a viewer never sees a count of 1 to ``THRESHOLD - 1`` people, nor one
that can be worked out from what is shown. Where cells add up to a total that is shown (a
movement's sex-and-age cells and its people), every blank shares its row with another blank,
the next smallest cells, so that no blank is the total less the shown cells; and the total is
blank whenever no non-zero cell beside it is shown (else all-small cells could be pinned by it).
Zeros are shown. Every surface (GraphQL, each CSV export, the event feed) calls ``disclose``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.access import Role

K = TypeVar("K", bound=Hashable)
THRESHOLD = 5


@dataclass(frozen=True)
class Suppressed(Generic[K]):
    """Cells as a caller may see them (None where blank) and their total (None where blank)."""

    cells: dict[K, int | None]
    total: int | None


def is_small(count: int, threshold: int = THRESHOLD) -> bool:
    return 0 < count < threshold


def withholds_small_counts(role: Role) -> bool:
    """Whom the threshold applies to: viewers (the public side); the others work with the data."""
    return role is Role.VIEWER


def disclose(role: Role, cells: Mapping[K, int], *, with_total: bool = True) -> Suppressed[K]:
    """What ``role`` may see of one row of counts: its cells and, ``with_total``, their sum.

    Without a total the cells are independent (vulnerable groups overlap): each small one is blank.
    """
    if not withholds_small_counts(role):
        return Suppressed(dict(cells), sum(cells.values()) if with_total else None)
    return suppress_small_counts(cells, with_total=with_total)


def disclose_count(role: Role, count: int | None) -> int | None:
    """One count that is no cell of a row (a haven's occupancy, an area's displaced)."""
    if count is None:
        return None
    return disclose(role, {"count": count}, with_total=False).cells["count"]


def suppress_small_counts(
    cells: Mapping[K, int], *, threshold: int = THRESHOLD, with_total: bool = True
) -> Suppressed[K]:
    hidden = {key for key, count in cells.items() if is_small(count, threshold)}
    total = sum(cells.values())
    if not with_total:
        return Suppressed({key: None if key in hidden else count for key, count in cells.items()}, None)
    shown = sorted((count, str(key), key) for key, count in cells.items() if key not in hidden and count > 0)
    # A lone blank is the total less the shown cells; blanks of one each are pinned by their sum.
    while hidden and shown and (len(hidden) == 1 or sum(cells[k] for k in hidden) == len(hidden)):
        hidden.add(shown.pop(0)[2])
    shown_total = total if shown or not hidden else None
    return Suppressed({key: None if key in hidden else count for key, count in cells.items()}, shown_total)
