"""A realistic, deterministic post-conflict scenario, written through Concord's own commands.

Three crises (Marawi recovery in the Philippines, displacement in Rakhine and Kachin with
returns from Bangladesh, the Thai-Cambodian border clashes), the eleven member states, some
forty organisations, thousands of requests, offers and matches, pledges and payments, the
Stability Fund, safe havens, movements, incidents and reconstruction projects. Every record goes
through the same commands the API runs, so every invariant holds; a command the domain refuses
(an offer used up meanwhile, say) is counted and skipped, as a user would be refused.
Content is seeded (the same seed gives the same scenario); ids are fresh UUIDs each time.
"""

# The lambdas handed to Demo.attempt run at once, inside it: late binding cannot bite (B023).
# ruff: noqa: B023
from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain import gazetteer
from domain.access import Role
from domain.codes import MemberState, Sector
from domain.errors import DomainError
from domain.funds import FundWindow
from domain.items import ITEMS
from domain.money import Conversion
from domain.movements import MovementKind, Place, VoluntarinessMethod
from domain.offers import DeliveryMode, Terms
from domain.organisations import OrganisationType
from domain.pledges import DestinationKind, Earmarking
from domain.project_parts import ProjectStatus, ResultTerms
from domain.requests import Need
from domain.security import IncidentKind, RiskLevel
from services.coordination import Command, Concord
from services.errors import Conflict
from services.identity.access import Principal

Progress = Callable[[int, int, str], None]

#: P-codes of the areas each crisis touches, as OCHA's COD gazetteers list them (domain.gazetteer):
#: admin-2 where the crisis is local (Philippine provinces, Myanmar's districts), else admin-1.
AREAS: dict[MemberState, list[str]] = {
    MemberState.PHL: ["PH19036", "PH10035", "PH10043", "PH19088"],
    MemberState.MMR: ["MMR012", "MMR012D005", "MMR012D001", "MMR001", "MMR001D001", "MMR017"],
    MemberState.THA: ["TH63", "TH32", "TH33", "TH34"],
    MemberState.KHM: ["KH22", "KH13", "KH01"],
}
#: A representative point of each of those areas (its main town, or just inland of a coastal one,
#: so that it lies on land in the dashboard map's 1:50m Natural Earth outlines too), what the
#: demo's safe havens are placed near: P-code -> (latitude, longitude, the town and the area).
PLACES: dict[str, tuple[float, float, str]] = {
    "PH19036": (8.0031, 124.2850, "Marawi, capital of Lanao del Sur (BARMM)"),
    "PH10035": (8.0350, 123.7922, "Tubod, capital of Lanao del Norte"),
    "PH10043": (8.4822, 124.6472, "Cagayan de Oro, Misamis Oriental"),
    "PH19088": (6.8647, 124.4417, "Shariff Aguak, Maguindanao del Sur (BARMM)"),
    "MMR012": (20.1810, 92.8783, "Sittwe, capital of Rakhine State"),
    "MMR012D005": (20.5930, 93.1900, "Mrauk-U, Mrauk-U District, Rakhine State"),
    "MMR012D001": (20.2050, 93.0450, "Pauktaw, Sittwe District, Rakhine State"),
    "MMR001": (25.3833, 97.3950, "Myitkyina, capital of Kachin State"),
    "MMR001D001": (25.3500, 97.4400, "Waingmaw, Myitkyina District, Kachin State"),
    "MMR017": (16.7792, 94.7325, "Pathein, capital of Ayeyarwady Region"),
    "TH63": (16.8798, 99.1257, "Tak, capital of Tak province"),
    "TH32": (14.8818, 103.4936, "Surin, capital of Surin province"),
    "TH33": (15.1186, 104.3220, "Si Sa Ket, capital of Si Sa Ket province"),
    "TH34": (15.2287, 104.8564, "Ubon Ratchathani, capital of its province"),
    "KH22": (14.1817, 103.5176, "Samraong, capital of Oddar Meanchey"),
    "KH13": (13.8131, 104.9806, "Tbeng Meanchey, capital of Preah Vihear"),
    "KH01": (13.5859, 102.9737, "Serei Saophoan, capital of Banteay Meanchey"),
}
_NEAR = 0.01  # degrees (about a kilometre): how far from its area's point a demo haven may lie
_RATES = {
    "USD": "1",
    "JPY": "0.0067",
    "EUR": "1.08",
    "AUD": "0.66",
    "KRW": "0.00073",
    "CNY": "0.14",
    "GBP": "1.27",
    "NZD": "0.61",
    "CAD": "0.73",
    "SGD": "0.74",
    "MYR": "0.21",
    "THB": "0.028",
    "IDR": "0.000063",
    "PHP": "0.0171",
}


@dataclass(frozen=True)
class Org:
    name: str
    kind: OrganisationType
    currency: str
    state: MemberState | None = None


ORGANISATIONS = [
    *(
        Org(f"Government of {s.label}", OrganisationType.MEMBER_STATE_GOVERNMENT, "USD", s)
        for s in MemberState
    ),
    Org("Government of Japan", OrganisationType.DIALOGUE_PARTNER, "JPY"),
    Org("Government of Australia", OrganisationType.DIALOGUE_PARTNER, "AUD"),
    Org("Government of the Republic of Korea", OrganisationType.DIALOGUE_PARTNER, "KRW"),
    Org("Government of China", OrganisationType.DIALOGUE_PARTNER, "CNY"),
    Org("European Union", OrganisationType.DIALOGUE_PARTNER, "EUR"),
    Org("Government of New Zealand", OrganisationType.DIALOGUE_PARTNER, "NZD"),
    Org("Government of Canada", OrganisationType.DIALOGUE_PARTNER, "CAD"),
    Org("United Kingdom", OrganisationType.DIALOGUE_PARTNER, "GBP"),
    Org("UNHCR", OrganisationType.UN_AGENCY, "USD"),
    Org("World Food Programme", OrganisationType.UN_AGENCY, "USD"),
    Org("UNICEF", OrganisationType.UN_AGENCY, "USD"),
    Org("International Organization for Migration", OrganisationType.UN_AGENCY, "USD"),
    Org("UNDP", OrganisationType.UN_AGENCY, "USD"),
    Org("World Health Organization", OrganisationType.UN_AGENCY, "USD"),
    Org("UNFPA", OrganisationType.UN_AGENCY, "USD"),
    Org("Asian Development Bank", OrganisationType.INTERNATIONAL_FINANCIAL_INSTITUTION, "USD"),
    Org("World Bank", OrganisationType.INTERNATIONAL_FINANCIAL_INSTITUTION, "USD"),
    Org("IFRC", OrganisationType.RED_CROSS_RED_CRESCENT, "USD"),
    Org("Philippine Red Cross", OrganisationType.RED_CROSS_RED_CRESCENT, "PHP"),
    Org("Thai Red Cross Society", OrganisationType.RED_CROSS_RED_CRESCENT, "THB"),
    Org("Myanmar Red Cross Society", OrganisationType.RED_CROSS_RED_CRESCENT, "USD"),
    Org("Cambodian Red Cross", OrganisationType.RED_CROSS_RED_CRESCENT, "USD"),
    Org("Save the Children", OrganisationType.NGO, "GBP"),
    Org("Oxfam", OrganisationType.NGO, "GBP"),
    Org("World Vision", OrganisationType.NGO, "USD"),
    Org("CARE International", OrganisationType.NGO, "USD"),
    Org("MERCY Malaysia", OrganisationType.NGO, "MYR"),
    Org("Dompet Dhuafa", OrganisationType.NGO, "IDR"),
    Org("Muhammadiyah Disaster Management Center", OrganisationType.NGO, "IDR"),
    Org("Singapore Red Cross", OrganisationType.RED_CROSS_RED_CRESCENT, "SGD"),
    Org("AHA Centre Logistics Partners", OrganisationType.PRIVATE, "USD"),
]


@dataclass(frozen=True)
class CrisisPlan:
    name: str
    states: tuple[MemberState, ...]
    started_days_ago: int
    share: float  # of the requests


CRISES = [
    CrisisPlan("Marawi conflict recovery", (MemberState.PHL,), 150, 0.4),
    CrisisPlan("Rakhine and Kachin displacement", (MemberState.MMR, MemberState.THA), 90, 0.4),
    CrisisPlan("Thai-Cambodian border clashes", (MemberState.THA, MemberState.KHM), 30, 0.2),
]


@dataclass
class Tally:
    """What the demo wrote, and how many commands the domain refused on the way."""

    written: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    refusals: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.written[what] = self.written.get(what, 0) + 1


class Demo:
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
        """A coordinate within ``_NEAR`` of an area's point, to four places (about 11 m)."""
        return Decimal(str(round(degrees + self.random.uniform(-_NEAR, _NEAR), 4)))

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

    def post_requests(self) -> Iterator[None]:
        items = [i for i in ITEMS.values() if not i.sector.value.startswith("PB_")]
        for _ in range(self.n(3000)):
            plan, crisis = self._crisis()
            state = self.random.choice(plan.states)
            listed = self.random.choice(items)
            quantity = Decimal(self.random.choice([5, 10, 20, 50, 100, 250, 500, 1000, 2500]))
            need = Need(
                sector=listed.sector,
                title=f"{listed.name} for {self.random.choice(_GROUPS)}",
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

    def shelter_and_move(self) -> Iterator[None]:
        havens: list[tuple[UUID, MemberState, UUID, int]] = []
        for plan, crisis in self.crises:
            for state in plan.states:
                for number, area in enumerate(AREAS[state][:3]):
                    capacity = self.random.choice([150, 300, 500, 800, 1200])
                    designated = self.attempt(
                        "safe havens",
                        lambda: self.concord.designate_safe_haven(
                            self.coordinator(state),
                            crisis,
                            state,
                            name=f"{_SITE_NAMES[number % len(_SITE_NAMES)]}, {_area_name(area)}",
                            admin_code=area,
                            latitude=self.near(PLACES[area][0]),
                            longitude=self.near(PLACES[area][1]),
                            capacity_day=capacity,
                            capacity_night=int(capacity * 0.8),
                            services=self.random.sample(
                                [Sector.SHL, Sector.WSH, Sector.HEA, Sector.FSC, Sector.PRO_CPN], 3
                            ),
                        ),
                    )
                    if designated is None:
                        continue
                    haven = designated.aggregate
                    admitted = int(haven.capacity * self.random.uniform(0.3, 0.8))
                    self.attempt(
                        "admissions",
                        lambda: self.concord.admit_to_safe_haven(self.coordinator(state), haven.id, admitted),
                    )
                    havens.append((haven.id, state, crisis, admitted))
                    self._assess(crisis, state, area)
                    yield
        for index in range(self.n(60)):
            haven_id, state, crisis, _ = havens[index % len(havens)]
            self._move(crisis, state, haven_id, index)
            yield

    def _assess(self, crisis: UUID, state: MemberState, area: str) -> None:
        self.attempt(
            "displacement assessments",
            lambda: self.concord.record_displacement_figures(
                self.coordinator(state),
                crisis,
                state,
                area,
                as_of=self.today - timedelta(days=self.random.randint(10, 40)),
                displaced=self.random.randint(2_000, 40_000),
                returned=self.random.randint(0, 3_000),
                resettled=self.random.randint(0, 800),
                source="IOM DTM baseline assessment, round 3",
            ),
        )

    def _move(self, crisis: UUID, state: MemberState, haven: UUID, index: int) -> None:
        coordinator = self.coordinator(state)
        people = self.random.randint(20, 120)
        group = {
            "female:0-4": people // 10,
            "female:5-17": people // 5,
            "female:18-59": people // 4,
            "male:5-17": people // 5,
            "male:18-59": people // 5,
            "male:60+": people // 20,
        }
        vulnerable = {"unaccompanied-or-separated-children": self.random.randint(0, 3)}
        if state is MemberState.MMR and index % 4 == 0:
            kind, origin, destination = (
                MovementKind.REFUGEE_REPATRIATION,
                Place("BGD"),
                Place("MMR", self.random.choice(AREAS[state])),
            )
        elif index % 3 == 0:
            kind, origin, destination = (
                MovementKind.RELOCATION,
                Place("", safe_haven_id=haven),
                Place("", safe_haven_id=haven),
            )
            destination = Place(state.value, self.random.choice(AREAS[state][3:] or AREAS[state]))
        else:
            kind, origin, destination = (
                MovementKind.IDP_RETURN,
                Place("", safe_haven_id=haven),
                Place(state.value, self.random.choice(AREAS[state])),
            )
        departure = self.today + timedelta(days=self.random.randint(0, 20))
        planned = self.attempt(
            "movements",
            lambda: self.concord.plan_movement(
                coordinator,
                crisis,
                kind,
                origin,
                destination,
                group=group,
                vulnerable=vulnerable,
                planned_departure=departure,
                planned_arrival=departure + timedelta(days=2),
            ),
        )
        if planned is None:
            return
        movement = planned.aggregate.id
        stage = self.random.random()
        if stage < 0.2:
            return
        method = self.random.choice(list(VoluntarinessMethod))
        confirmed_by = (
            "UNHCR protection team" if kind is MovementKind.REFUGEE_REPATRIATION else "IOM site team"
        )
        if (
            self.attempt(
                "voluntariness",
                lambda: self.concord.confirm_voluntariness(
                    coordinator, movement, confirmed_by=confirmed_by, method=method, confirmed_on=self.today
                ),
            )
            is None
        ):
            return
        if (
            stage < 0.4
            or self.attempt("approved", lambda: self.concord.approve_movement(coordinator, movement)) is None
        ):
            return
        if (
            stage < 0.6
            or self.attempt("started", lambda: self.concord.start_movement(coordinator, movement, self.today))
            is None
        ):
            return
        arrived = sum(group.values()) - self.random.randint(0, 3)
        self.attempt(
            "arrived", lambda: self.concord.record_arrival(coordinator, movement, arrived, self.today)
        )

    def report_incidents(self) -> Iterator[None]:
        kinds = list(IncidentKind)
        for index in range(self.n(24)):
            plan, crisis = self._crisis()
            state = self.random.choice(plan.states)
            severity = (
                RiskLevel.EXTREME
                if index % 8 == 0
                else self.random.choice(
                    [RiskLevel.LOW, RiskLevel.MODERATE, RiskLevel.SUBSTANTIAL, RiskLevel.HIGH]
                )
            )
            reported = self.attempt(
                "incidents",
                lambda: self.concord.report_incident(
                    self.coordinator(state),
                    state,
                    self.random.choice(AREAS[state]),
                    occurred_on=self.today - timedelta(days=self.random.randint(0, 25)),
                    kind=self.random.choice(kinds),
                    severity=severity,
                    description="Reported by the provincial relief coordination office",
                    affected_organisations=[self.organisations[self.random.choice(ORGANISATIONS[11:]).name]],
                    crisis_id=crisis,
                ),
            )
            if reported is not None and index % 3 == 1:
                incident = reported.aggregate.id
                self.attempt(
                    "closed incidents",
                    lambda: self.concord.close_incident(self.coordinator(state), incident, "area secured"),
                )
            yield

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
                    title=f"{_PROJECTS[sector]} ({self.random.choice(AREAS[state])})",
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
            rate = Decimal(_RATES.get(org.currency, "1"))
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

    def _crisis(self) -> tuple[CrisisPlan, UUID]:
        weights = [plan.share for plan, _ in self.crises]
        return self.random.choices(self.crises, weights=weights)[0]


_GROUPS = [
    "returnee families",
    "displaced households",
    "the evacuation centre",
    "host communities",
    "schools reopening",
    "the health post",
    "women-headed households",
    "children under five",
]
_SITE_NAMES = ["Evacuation centre", "Transit site", "Collective centre"]


def _area_name(code: str) -> str:
    listed = gazetteer.area(code)
    return listed.name if listed else code


_PROJECTS = {
    Sector.PB_CAP: "Training local disaster-risk officers",
    Sector.PB_INS: "Restoring the municipal civil registry",
    Sector.PB_EDX: "Teacher exchange and curriculum review",
    Sector.PB_REC: "Community reconciliation dialogues",
    Sector.ERY: "Rebuilding the public market and roads",
}


def is_empty(concord: Concord) -> bool:
    """Nothing recorded yet: the first start of a new installation."""
    return not concord.recorder.max_notification_id()
