"""What every step of the demo shares: the parties who act, the scale, and the count of refusals."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.access import Role
from domain.codes import MemberState
from domain.errors import DomainError
from domain.offers import Terms
from domain.requests import Need
from services.coordination import Command, Concord
from services.demo.scenario import NEAR, CrisisPlan, Tally
from services.errors import Conflict
from services.identity.access import Principal


class DemoBase:
    """The parties, the scale and the refusals: what every step of the scenario shares."""

    def __init__(self, concord: Concord, *, seed: int = 2026, scale: float = 1.0) -> None:
        self.concord = concord
        self.random = random.Random(seed)  # noqa: S311 - a scenario, not a secret
        self.scale = scale
        self.today = concord.today()
        self.tally = Tally()
        self.secretariat = Command(Principal("demo-officer@asean.org", Role.SECRETARIAT), "demo")
        self.organisations: dict[str, UUID] = {}
        self.crises: list[tuple[CrisisPlan, UUID]] = []
        self.requests: list[tuple[UUID, MemberState, Need, UUID]] = []
        self.offers: list[tuple[UUID, Command, Terms]] = []
        self.fund: UUID | None = None
        self.projects: list[UUID] = []

    # The parties.
    def coordinator(self, state: MemberState) -> Command:
        principal = Principal(f"coordinator@{state.value.lower()}.demo", Role.COORDINATOR, state)
        return Command(principal, "demo")

    def donor(self, name: str) -> Command:
        principal = Principal(
            f"donor@{name.lower().replace(' ', '-')}", Role.DONOR, organisation_id=self.organisations[name]
        )
        return Command(principal, "demo")

    def n(self, base: int) -> int:
        return max(1, round(base * self.scale))

    def near(self, degrees: float) -> Decimal:
        """A coordinate within ``NEAR`` of an area's point, to four places (about 11 m)."""
        return Decimal(str(round(degrees + self.random.uniform(-NEAR, NEAR), 4)))

    def attempt(self, what: str, call: Callable[[], Any]) -> Any:
        try:
            result = call()
        except (DomainError, Conflict) as error:
            self.tally.refused += 1
            reason = f"{what}: {type(error).__name__}"
            self.tally.refusals[reason] = self.tally.refusals.get(reason, 0) + 1
            return None
        self.tally.count(what)
        return result

    def _crisis(self) -> tuple[CrisisPlan, UUID]:
        weights = [plan.share for plan, _ in self.crises]
        return self.random.choices(self.crises, weights=weights)[0]
