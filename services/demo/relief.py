"""Requests, the offers that answer them, and matches moved along their stages."""

# The lambdas handed to attempt run at once, inside it: late binding cannot bite (B023).
# ruff: noqa: B023
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from domain.codes import MemberState
from domain.items import ITEMS
from domain.offers import DeliveryMode, Terms
from domain.organisations import OrganisationType
from domain.requests import Need
from services.coordination import Command
from services.demo.base import DemoBase
from services.demo.scenario import (
    AREAS,
    GROUPS,
    ORGANISATIONS,
)


class Relief(DemoBase):
    def post_requests(self) -> Iterator[None]:
        items = [i for i in ITEMS.values() if not i.sector.value.startswith("PB_")]
        for _ in range(self.n(3000)):
            plan, crisis = self._crisis()
            state = self.random.choice(plan.states)
            listed = self.random.choice(items)
            quantity = Decimal(self.random.choice([5, 10, 20, 50, 100, 250, 500, 1000, 2500]))
            need = Need(
                sector=listed.sector,
                title=f"{listed.name} for {self.random.choice(GROUPS)}",
                description="",
                quantity=quantity,
                unit=listed.unit,
                priority=self.random.choices([1, 2, 3, 4, 5], weights=[1, 2, 4, 3, 2])[0],
                needed_by=self.today + timedelta(days=self.random.randint(3, 75)),
                admin_code=self.random.choice(AREAS[state]),
                item=listed.code,
                transport_needed=self.random.random() < 0.3,
                escort_needed=self.random.random() < 0.1,
            )
            recorded = self.attempt(
                "requests", lambda: self.concord.post_request(self.coordinator(state), crisis, state, need)
            )
            if recorded is not None:
                self.requests.append((recorded.aggregate.id, state, need, crisis))
            yield

    def post_offers(self) -> Iterator[None]:
        donors = [o for o in ORGANISATIONS if o.kind is not OrganisationType.MEMBER_STATE_GOVERNMENT]
        for _ in range(self.n(1500)):
            _, _, need, crisis = self.random.choice(self.requests)
            plan = next(p for p, c in self.crises if c == crisis)
            if self.random.random() < 0.3:  # a member state offers, through its coordinators
                offering = self.random.choice([s for s in MemberState if s not in plan.states])
                command = self.coordinator(offering)
            else:
                command = self.donor(self.random.choice(donors).name)
            terms = Terms(
                sector=need.sector,
                item=need.item,
                quantity=need.quantity * self.random.choice([1, 2, 3, 5]),
                unit=need.unit,
                available_from=self.today - timedelta(days=self.random.randint(0, 10)),
                available_until=self.today + timedelta(days=self.random.randint(60, 200)),
                serves=frozenset(plan.states),
                delivery_mode=DeliveryMode.SERVICE
                if need.unit.startswith(("team", "person"))
                else DeliveryMode.IN_KIND,
            )
            recorded = self.attempt("offers", lambda: self.concord.post_offer(command, crisis, terms))
            if recorded is not None:
                self.offers.append((recorded.aggregate.id, command, terms))
            yield

    def match(self) -> Iterator[None]:
        by_item: dict[tuple[UUID, str], list[tuple[UUID, Command, Terms]]] = {}
        for offer in self.offers:
            crisis = self.concord.get_offer(offer[0]).crisis_id
            by_item.setdefault((crisis, offer[2].item), []).append(offer)
        requests = list(self.requests)
        self.random.shuffle(requests)
        made = 0
        for request_id, state, need, crisis in requests:
            if made >= self.n(2000):
                break
            candidates = by_item.get((crisis, need.item))
            if not candidates:
                continue
            offer_id, offering, _ = self.random.choice(candidates)
            quantity = need.quantity * Decimal(self.random.choice(["0.25", "0.5", "1"]))
            proposed = self.attempt(
                "matches",
                lambda: self.concord.propose_match(self.secretariat, request_id, offer_id, quantity),
            )
            made += 1
            if proposed is not None:
                self._advance(proposed.aggregate.id, state, offering, quantity)
            yield

    def _advance(self, match: UUID, state: MemberState, offering: Command, quantity: Decimal) -> None:
        """Some matches stay proposed, most move on; a few are declined."""
        stage = self.random.random()
        requesting = self.coordinator(state)
        if stage < 0.15:
            return
        if stage < 0.2:
            self.attempt(
                "declined", lambda: self.concord.decline_match(requesting, match, "a closer offer came")
            )
            return
        if (
            self.attempt("accepted", lambda: self.concord.accept_match(requesting, match)) is None
            or stage < 0.35
        ):
            return
        if (
            self.attempt("confirmed", lambda: self.concord.confirm_match(offering, match)) is None
            or stage < 0.5
        ):
            return
        if (
            self.attempt("dispatched", lambda: self.concord.dispatch_match(offering, match)) is None
            or stage < 0.7
        ):
            return
        received = (
            quantity if self.random.random() < 0.85 else (quantity * Decimal("0.9")).quantize(Decimal(1))
        )
        self.attempt("delivered", lambda: self.concord.record_delivery(requesting, match, received))
