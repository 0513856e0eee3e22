"""An allocation round: what the secretariat's optimiser saw, weighed, found and proposed.

The record is complete enough to re-run and audit the round: every need and offer as it read
them (with the log position each was read at), its parameters, the objective values of the solver
and of the greedy baseline, and the matches it proposed (each then follows the normal
accept / confirm lifecycle: nothing is allocated without the parties' consent).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.allocation import NeedLine, Objective, OfferLine, Parameters


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


def _need_row(n: NeedLine) -> list[str]:
    return [
        str(n.request_id), str(n.crisis_id), n.member_state, n.item, n.unit, str(n.open_quantity),
        str(n.priority), n.needed_by.isoformat(), ";".join(sorted(n.declined)), str(n.position),
    ]  # fmt: skip


def _need_of(row: list[str]) -> NeedLine:
    request_id, crisis_id, state, item, unit, open_, priority, needed_by, declined, position = row
    return NeedLine(
        UUID(request_id), UUID(crisis_id), state, item, unit, Decimal(open_), int(priority),
        date.fromisoformat(needed_by), frozenset(declined.split(";")) - {""}, int(position),
    )  # fmt: skip


def _offer_row(o: OfferLine) -> list[str]:
    return [
        str(o.offer_id), str(o.crisis_id), o.party, o.home_state or "", o.item, o.unit, str(o.remaining),
        o.available_from.isoformat(), o.available_until.isoformat(), ";".join(sorted(o.serves)),
        "standby" if o.standby else "", str(o.position),
    ]  # fmt: skip


def _offer_of(row: list[str]) -> OfferLine:
    offer_id, crisis_id, party, home, item, unit, remaining, start, until, serves, standby, position = row
    return OfferLine(
        UUID(offer_id), UUID(crisis_id), party, home or None, item, unit, Decimal(remaining),
        date.fromisoformat(start), date.fromisoformat(until), frozenset(serves.split(";")) - {""},
        standby == "standby", int(position),
    )  # fmt: skip


#: What a round recorded before a parameter existed behaved as: re-solving it must do the same.
_BEFORE_RECORDED: dict[str, Any] = {"preference_stage": False}


def _typed(kind: object, value: str) -> Any:
    if kind == "bool":
        return value == "True"
    return int(value) if kind == "int" else float(value)


def parameters_of(recorded: dict[str, str]) -> Parameters:
    """The parameters a round recorded, with their types back."""
    kinds = {f.name: f.type for f in fields(Parameters)}
    typed = {k: _typed(kinds[k], v) for k, v in recorded.items()}
    return Parameters(**{**_BEFORE_RECORDED, **typed})


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
        needs: list[list[str]]  # every field of each NeedLine read (see _need_row)
        offers: list[list[str]]  # every field of each OfferLine read (see _offer_row)
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
            needs=[_need_row(n) for n in needs],
            offers=[_offer_row(o) for o in offers],
            objective=_objective(objective),
            greedy_objective=_objective(greedy_objective),
            proposals=[
                [str(p.match_id), str(p.request_id), str(p.offer_id), str(p.quantity)] for p in proposals
            ],
            skipped=[[str(s.request_id), str(s.offer_id), str(s.quantity), s.reason] for s in skipped],
        )

    def inputs(self) -> tuple[list[NeedLine], list[OfferLine]]:
        """The needs and offers exactly as the round read them: re-solving them re-runs the round."""
        return [_need_of(row) for row in self.needs], [_offer_of(row) for row in self.offers]

    def solution(self) -> dict[tuple[UUID, UUID], Decimal]:
        """What the solver found: every line proposed, and every line skipped."""
        lines = {(p.request_id, p.offer_id): p.quantity for p in self.proposals}
        lines.update({(s.request_id, s.offer_id): s.quantity for s in self.skipped})
        return lines
