"""The secretariat's allocation round: the matcher proposes matches across states in one command.

The API reads the open needs and offers from the read models and hands them in with the log
position they were read at; the round solves, then proposes each line through ``Match.propose``
against the aggregates as they stand, and saves the round with every match, offer and request
in one transaction. A line whose offer or request changed since the read is skipped, with why.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.allocation import NeedLine, OfferLine, Parameters, objective
from domain.errors import DomainError
from domain.greedy import greedy
from domain.matches import Match
from domain.offers import Offer
from domain.requests import AssistanceRequest
from domain.rounds import AllocationRound, Proposal, Skipped, parameters_of
from services.commands.core import Command, CommandCore, Recorded
from services.commands.crises import open_crisis_named
from services.commands.offers import find_offer
from services.commands.requests import find_request
from services.errors import NotFound
from services.matching.solver import solve


@dataclass(frozen=True)
class Snapshot:
    """Open needs and offers as the read models showed them at ``position``."""

    needs: list[NeedLine]
    offers: list[OfferLine]
    position: int


class AllocationRoundCommands(CommandCore):
    def run_allocation_round(
        self,
        command: Command,
        crisis_id: UUID | None,
        snapshot: Snapshot,
        parameters: Parameters | None = None,
    ) -> Recorded[AllocationRound]:
        """Solve over the snapshot and propose the result (secretariat only)."""
        scope = self._authorise(command, "mutation.runAllocationRound")
        weights = parameters or Parameters()

        def work() -> list[Aggregate]:
            if crisis_id is not None:
                open_crisis_named(self, crisis_id)
            today, actor = self.today(), command.actor(scope)
            solution = solve(snapshot.needs, snapshot.offers, today, weights)
            baseline = greedy(snapshot.needs, snapshot.offers, today, weights)
            requests: dict[UUID, AssistanceRequest] = {}
            offers: dict[UUID, Offer] = {}
            made: list[Match] = []
            proposals: list[Proposal] = []
            skipped: list[Skipped] = []
            for (request_id, offer_id), quantity in solution.allocation.lines.items():
                try:
                    request = requests.get(request_id) or find_request(self, request_id)
                    offer = offers.get(offer_id) or find_offer(self, offer_id)
                    match = Match.propose(request, offer, quantity, today=today, actor=actor)
                except (DomainError, NotFound) as refused:
                    skipped.append(Skipped(request_id, offer_id, quantity, str(refused)))
                    continue
                requests[request_id], offers[offer_id] = request, offer
                made.append(match)
                proposals.append(Proposal(match.id, request_id, offer_id, quantity))
            held = AllocationRound.record(
                crisis_id=crisis_id,
                ran_on=today,
                read_position=snapshot.position,
                parameters=weights.as_dict(),
                method=solution.method,
                needs=snapshot.needs,
                offers=snapshot.offers,
                objective=objective(snapshot.needs, solution.allocation, today, weights, solution.states),
                greedy_objective=objective(snapshot.needs, baseline, today, weights, solution.states),
                proposals=proposals,
                skipped=skipped,
                actor=actor,
            )
            return [held, *made, *offers.values(), *requests.values()]

        payload = {"crisis": str(crisis_id), "parameters": weights.as_dict()}
        return self._retrying(lambda: self._execute(command, "runAllocationRound", payload, work))

    def get_allocation_round(self, round_id: UUID) -> AllocationRound:
        return self.load(AllocationRound, round_id, "allocation round")

    def reproduces(self, held: AllocationRound) -> bool:
        """Whether solving the round's recorded inputs, on its day, with its parameters, finds
        exactly the lines it recorded (proposed or skipped): the audit of a round."""
        needs, offers = held.inputs()
        again = solve(needs, offers, held.ran_on, parameters_of(held.parameters))
        return dict(again.allocation.lines) == held.solution()
