"""Reconstruction projects, pledges and payments, and the Stability Fund's allocations."""

# The lambdas handed to attempt run at once, inside it: late binding cannot bite (B023).
# ruff: noqa: B023
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from domain.codes import Sector
from domain.funds import FundWindow
from domain.money import Conversion
from domain.organisations import OrganisationType
from domain.pledges import DestinationKind, Earmarking
from domain.project_parts import ProjectStatus, ResultTerms
from services.demo.base import DemoBase
from services.demo.scenario import (
    AREAS,
    ORGANISATIONS,
    PROJECTS,
    RATES,
)


class Funding(DemoBase):
    def register_projects(self) -> Iterator[None]:
        sectors = [Sector.PB_CAP, Sector.PB_INS, Sector.PB_EDX, Sector.PB_REC, Sector.ERY]
        implementers = [
            o for o in ORGANISATIONS if o.kind in (OrganisationType.UN_AGENCY, OrganisationType.NGO)
        ]
        self.projects: list[UUID] = []
        for index in range(self.n(18)):
            plan, crisis = self._crisis()
            state = plan.states[0]
            sector = sectors[index % len(sectors)]
            start = self.today - timedelta(days=self.random.randint(0, 60))
            chosen = [self.organisations[o.name] for o in self.random.sample(implementers, 2)]
            registered = self.attempt(
                "projects",
                lambda: self.concord.register_project(
                    self.secretariat,
                    crisis,
                    state,
                    title=f"{PROJECTS[sector]} ({self.random.choice(AREAS[state])})",
                    sector=sector,
                    admin_code=self.random.choice(AREAS[state]),
                    implementers=chosen,
                    budget=Decimal(self.random.randint(2, 60)) * 50_000,
                    currency="USD",
                    conversion=Conversion(Decimal(1), self.today),
                    planned_start=start,
                    planned_end=start + timedelta(days=self.random.randint(180, 720)),
                    milestones=[
                        ("Inception report", start + timedelta(days=30)),
                        ("Mid-term review", start + timedelta(days=180)),
                    ],
                    results=[
                        ResultTerms(
                            "People reached",
                            "person",
                            Decimal(0),
                            Decimal(self.random.randint(5, 50) * 100),
                            "#reached",
                        )
                    ],
                ),
            )
            if registered is not None:
                project = registered.aggregate.id
                self.projects.append(project)
                if index % 4:
                    self.attempt(
                        "project status",
                        lambda: self.concord.change_project_status(
                            self.secretariat, project, ProjectStatus.IMPLEMENTATION
                        ),
                    )
            yield

    def pledge_and_fund(self) -> Iterator[None]:
        self.fund = self.concord.open_fund(self.secretariat, "ASEAN Stability Fund").aggregate.id
        donors = [o for o in ORGANISATIONS if o.kind is not OrganisationType.NGO]
        for index in range(self.n(300)):
            org = self.random.choice(donors)
            command = self.donor(org.name)
            kind, destination = self._destination(index)
            rate = Decimal(RATES.get(org.currency, "1"))
            usd = Decimal(self.random.randint(2, 400)) * 5_000
            amount = (usd / rate).quantize(Decimal(1))
            pledged = self.attempt(
                "pledges",
                lambda: self.concord.make_pledge(
                    command,
                    destination_kind=kind,
                    destination_id=destination,
                    amount=amount,
                    currency=org.currency,
                    conversion=Conversion(rate, self.today - timedelta(days=30)),
                    earmarking=Earmarking.UNEARMARKED
                    if kind is DestinationKind.FUND
                    else Earmarking.EARMARKED,
                ),
            )
            if pledged is not None and self.random.random() < 0.75:
                pledge = pledged.aggregate.id
                due = self.today + timedelta(days=self.random.randint(-20, 90))
                committed = self.attempt(
                    "commitments",
                    lambda: self.concord.commit_pledge(command, pledge, due, f"AGR-{index:04d}"),
                )
                if committed is not None and self.random.random() < 0.7:
                    paid = amount if self.random.random() < 0.6 else (amount / 2).quantize(Decimal(1))
                    self.attempt(
                        "payments",
                        lambda: self.concord.record_payment(
                            command,
                            pledge,
                            paid,
                            Conversion(rate, self.today),
                            self.today - timedelta(days=self.random.randint(0, 20)),
                        ),
                    )
            if index % 15 == 14:
                self._allocate()
            yield

    def _destination(self, index: int) -> tuple[DestinationKind, UUID]:
        assert self.fund is not None
        if index % 3 == 0 or not self.requests:
            return DestinationKind.FUND, self.fund
        if index % 5 == 1 and self.projects:
            return DestinationKind.PROJECT, self.random.choice(self.projects)
        if index % 7 == 2:
            return DestinationKind.CRISIS, self._crisis()[1]
        return DestinationKind.REQUEST, self.random.choice(self.requests)[0]

    def _allocate(self) -> None:
        assert self.fund is not None
        fund = self.concord.get_fund(self.fund)
        if fund.balance < 20_000:
            return
        usd = (fund.balance * Decimal("0.3")).quantize(Decimal(1))
        to_project = self.projects and self.random.random() < 0.4
        kind = DestinationKind.PROJECT if to_project else DestinationKind.REQUEST
        destination = (
            self.random.choice(self.projects) if to_project else self.random.choice(self.requests)[0]
        )
        allocated = self.attempt(
            "fund allocations",
            lambda: self.concord.allocate_from_fund(
                self.secretariat,
                fund.id,
                window=self.random.choice(list(FundWindow)),
                destination_kind=kind,
                destination_id=destination,
                usd_amount=usd,
                rationale="Gap analysis of the joint response plan",
            ),
        )
        if allocated is not None and self.random.random() < 0.6:
            allocation = self.concord.approved_allocation(allocated.aggregate).allocation_id
            self.attempt(
                "disbursements", lambda: self.concord.disburse(self.secretariat, fund.id, allocation, usd)
            )
