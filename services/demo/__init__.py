"""A realistic, deterministic post-conflict scenario, written through Concord's own commands.

Three crises (Marawi recovery in the Philippines, displacement in Rakhine and Kachin with
returns from Bangladesh, the Thai-Cambodian border clashes), the eleven member states, some
forty organisations, thousands of requests, offers and matches, pledges and payments, the
Stability Fund, safe havens, movements, incidents and reconstruction projects. Every record goes
through the same commands the API runs, so every invariant holds; a command the domain refuses
(an offer used up meanwhile, say) is counted and skipped, as a user would be refused.
Content is seeded (the same seed gives the same scenario); ids are fresh UUIDs each time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

from services.coordination import Concord
from services.demo.base import DemoBase
from services.demo.funding import Funding
from services.demo.relief import Relief
from services.demo.scenario import AREAS, CRISES, NEAR, ORGANISATIONS, PLACES, Progress, Tally
from services.demo.shelter import Shelter

__all__ = ["AREAS", "CRISES", "NEAR", "PLACES", "Demo", "DemoBase", "Tally", "is_empty"]


class Demo(Relief, Shelter, Funding):
    """The whole scenario, step by step; ``scale`` multiplies everything but the cast."""

    # The steps, each a generator of single commands so that progress can be shown.
    def steps(self) -> list[tuple[str, int, Callable[[], Iterator[None]]]]:
        return [
            ("organisations", len(ORGANISATIONS), self.register_organisations),
            ("crises", len(CRISES), self.open_crises),
            ("requests", self.n(3000), self.post_requests),
            ("offers", self.n(1500), self.post_offers),
            ("matches", self.n(2000), self.match),
            ("safe havens and movements", self.n(60) + 15, self.shelter_and_move),
            ("incidents", self.n(24), self.report_incidents),
            ("projects", self.n(18), self.register_projects),
            ("money", self.n(300), self.pledge_and_fund),
        ]

    def run(self, progress: Progress | None = None) -> Tally:
        plan = self.steps()
        total, done = sum(size for _, size, _ in plan), 0
        for label, size, step in plan:
            for index, _ in enumerate(step()):
                if progress and index < size:
                    progress(done + index + 1, total, label)
            done += size
        if progress:
            progress(total, total, "done")
        return self.tally

    def register_organisations(self) -> Iterator[None]:
        for org in ORGANISATIONS:
            recorded = self.concord.register_organisation(
                self.secretariat, org.name, org.kind, member_state=org.state
            )
            self.organisations[org.name] = recorded.aggregate.id
            self.tally.count("organisations")
            yield

    def open_crises(self) -> Iterator[None]:
        for plan in CRISES:
            start = self.today - timedelta(days=plan.started_days_ago)
            recorded = self.concord.open_crisis(self.secretariat, plan.name, list(plan.states), start)
            self.crises.append((plan, recorded.aggregate.id))
            self.tally.count("crises")
            yield


def is_empty(concord: Concord) -> bool:
    """Nothing recorded yet: the first start of a new installation."""
    return not concord.recorder.max_notification_id()
