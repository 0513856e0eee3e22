"""An allocation round: what the secretariat's optimiser saw, weighed, found and proposed.

The record is complete enough to re-run and audit the round: the log position and open
quantity of every need and offer it read, its parameters, the objective values of the solver
and of the greedy baseline, and the matches it proposed (each then follows the normal
accept / confirm lifecycle: nothing is allocated without the parties' consent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.allocation import NeedLine, Objective, OfferLine


@dataclass(frozen=True)
class Proposal:
    match_id: UUID
    request_id: UUID
    offer_id: UUID
    quantity: Decimal


@dataclass(frozen=True)
class Skipped:
    """A line of the solution that could not be proposed: the request or offer changed since."""

    request_id: UUID
    offer_id: UUID
    quantity: Decimal
    reason: str


def _objective(value: Objective) -> dict[str, Any]:
    return {
        "min_state_coverage": value.min_state_coverage,
        "weighted_coverage": value.weighted_coverage,
        "state_coverage": dict(value.state_coverage),
    }


class AllocationRound(Aggregate):
    class Completed(Aggregate.Created):
        actor: Actor
        crisis_id: UUID | None  # None: every open crisis
        ran_on: date
        read_position: int
        parameters: dict[str, str]
        method: str
        needs: list[list[str]]  # request id, log position, open quantity
        offers: list[list[str]]  # offer id, log position, remaining quantity
        objective: dict[str, Any]
        greedy_objective: dict[str, Any]
        proposals: list[list[str]]  # match id, request id, offer id, quantity
        skipped: list[list[str]]  # request id, offer id, quantity, reason

    def __init__(
        self,
        actor: Actor,
        crisis_id: UUID | None,
        ran_on: date,
        read_position: int,
        parameters: dict[str, str],
        method: str,
        needs: list[list[str]],
        offers: list[list[str]],
        objective: dict[str, Any],
        greedy_objective: dict[str, Any],
        proposals: list[list[str]],
        skipped: list[list[str]],
    ) -> None:
        self.ran_by = actor
        self.crisis_id = crisis_id
        self.ran_on = ran_on
        self.read_position = read_position
        self.parameters = parameters
        self.method = method
        self.needs = needs
        self.offers = offers
        self.objective = objective
        self.greedy_objective = greedy_objective
        self.proposals = [Proposal(UUID(m), UUID(r), UUID(o), Decimal(q)) for m, r, o, q in proposals]
        self.skipped = [Skipped(UUID(r), UUID(o), Decimal(q), why) for r, o, q, why in skipped]

    @classmethod
    def record(
        cls,
        *,
        crisis_id: UUID | None,
        ran_on: date,
        read_position: int,
        parameters: dict[str, str],
        method: str,
        needs: list[NeedLine],
        offers: list[OfferLine],
        objective: Objective,
        greedy_objective: Objective,
        proposals: list[Proposal],
        skipped: list[Skipped],
        actor: Actor,
    ) -> AllocationRound:
        return cls._create(
            cls.Completed,
            id=uuid4(),
            actor=actor,
            crisis_id=crisis_id,
            ran_on=ran_on,
            read_position=read_position,
            parameters=parameters,
            method=method,
            needs=[[str(n.request_id), str(n.position), str(n.open_quantity)] for n in needs],
            offers=[[str(o.offer_id), str(o.position), str(o.remaining)] for o in offers],
            objective=_objective(objective),
            greedy_objective=_objective(greedy_objective),
            proposals=[
                [str(p.match_id), str(p.request_id), str(p.offer_id), str(p.quantity)] for p in proposals
            ],
            skipped=[[str(s.request_id), str(s.offer_id), str(s.quantity), s.reason] for s in skipped],
        )
