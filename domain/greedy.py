"""The baseline a round is measured against: highest priority first, as coordinators match by hand."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from uuid import UUID

from domain.allocation import (
    Allocation,
    NeedLine,
    OfferLine,
    Parameters,
    need_weight,
    quantum,
    units,
    violations,
)
from domain.geography import proximity
from domain.items import SUBSTITUTES


def candidate_pairs(
    needs: Sequence[NeedLine], offers: Sequence[OfferLine], today: date
) -> list[tuple[int, int]]:
    """Every (need index, offer index) that breaks no rule, found through an index by item and state."""
    by_item_state: dict[tuple[str, str], list[int]] = defaultdict(list)
    for j, offer in enumerate(offers):
        for state in offer.serves:
            by_item_state[offer.item, state].append(j)
    pairs: list[tuple[int, int]] = []
    for i, need in enumerate(needs):
        items = sorted({need.item} | SUBSTITUTES.get(need.item, frozenset()))
        for item in items:
            pairs.extend(
                (i, j)
                for j in by_item_state.get((item, need.member_state), ())
                if not violations(need, offers[j], today)
            )
    return sorted(pairs)


def greedy(
    needs: Sequence[NeedLine],
    offers: Sequence[OfferLine],
    today: date,
    parameters: Parameters,
    pairs: Sequence[tuple[int, int]] | None = None,
) -> Allocation:
    """Needs by priority, then urgency, then needed-by; each takes what it can from the nearest
    compatible offers first. Whole allocation steps only, like the solver."""
    if pairs is None:
        pairs = candidate_pairs(needs, offers, today)
    candidates: dict[int, list[int]] = defaultdict(list)
    for i, j in pairs:
        candidates[i].append(j)
    left = [units(o.remaining, o.unit) for o in offers]
    order = sorted(
        candidates,
        key=lambda i: (
            -needs[i].priority,
            -need_weight(needs[i], today, parameters).urgency,
            needs[i].needed_by,
            str(needs[i].request_id),
        ),
    )
    lines: dict[tuple[UUID, UUID], Decimal] = {}
    for i in order:
        need = needs[i]
        wanted = units(need.open_quantity, need.unit)
        nearest = sorted(
            candidates[i],
            key=lambda j: (-proximity(offers[j].home_state, need.member_state)[0], str(offers[j].offer_id)),
        )
        for j in nearest:
            if wanted == 0:
                break
            take = min(wanted, left[j])
            if take > 0:
                left[j] -= take
                wanted -= take
                lines[need.request_id, offers[j].offer_id] = take * quantum(need.unit)
    return Allocation(lines)
