"""A small data set for the dashboard test, posted through GraphQL as the people who would post it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.e2e.test_served import cli_token, graphql
from tests.factories import served_request_input

OPEN_CRISIS = "mutation($i: OpenCrisisInput!) { openCrisis(input: $i) { crisis { id } } }"
POST = "mutation($i: PostRequestInput!) { postRequest(input: $i) { position request { id } } }"
REGISTER = (
    "mutation($i: RegisterOrganisationInput!) { registerOrganisation(input: $i) { organisation { id } } }"
)
OPEN_FUND = "mutation($i: OpenFundInput!) { openFund(input: $i) { fund { id } } }"
PLEDGE = "mutation($i: MakePledgeInput!) { makePledge(input: $i) { pledge { id } } }"
COMMIT = "mutation($i: CommitPledgeInput!) { commitPledge(input: $i) { position } }"
PAY = "mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { position } }"
ALLOCATE = "mutation($i: AllocateFromFundInput!) { allocateFromFund(input: $i) { position } }"
DESIGNATE = "mutation($i: DesignateSafeHavenInput!) { designateSafeHaven(input: $i) { safeHaven { id } } }"
ADMIT = "mutation($i: PeopleInput!) { admitToSafeHaven(input: $i) { position } }"
FIGURES = (
    "mutation($i: RecordDisplacementFiguresInput!) { recordDisplacementFigures(input: $i) { position } }"
)
PAID_ON = ("2026-10-03", "2026-11-28")  # the two payments into the fund
REPORT = "mutation($i: ReportIncidentInput!) { reportIncident(input: $i) { position } }"


@dataclass
class Loaded:
    marawi: str  # a crisis in the Philippines: two needs, money, a safe haven, figures, an incident
    rakhine: str  # a crisis in Myanmar: one need


class Loader:
    def __init__(self, base: str, env: dict[str, str]) -> None:
        self.base = base
        self.env = env
        self.secretariat = cli_token(env, "--role", "secretariat")
        self.phl = cli_token(env, "--role", "coordinator", "--state", "PHL")
        self.mmr = cli_token(env, "--role", "coordinator", "--state", "MMR")

    def send(self, query: str, values: dict[str, Any], token: str) -> Any:
        return graphql(self.base, query, {"i": values}, token)

    def crisis(self, name: str, state: str) -> str:
        opened = self.send(
            OPEN_CRISIS,
            {"name": name, "affectedStates": [state], "startDate": "2026-11-01"},
            self.secretariat,
        )
        return str(opened["openCrisis"]["crisis"]["id"])

    def request(self, crisis: str, **values: Any) -> dict[str, Any]:
        token = self.mmr if values.get("memberState") == "MMR" else self.phl
        posted = self.send(POST, served_request_input(crisisId=crisis, **values), token)
        return posted["postRequest"]  # type: ignore[no-any-return]

    def load(self) -> Loaded:
        marawi = self.crisis("Marawi displacement", "PHL")
        rakhine = self.crisis("Rakhine returns", "MMR")
        roofing = self.request(marawi, priority=5, title="Tarpaulins for returnee families")
        self.request(
            marawi, sector="WSH", item="WSH-HYGIENE", unit="kit", quantity="1200", title="Hygiene kits"
        )
        self.request(
            rakhine, memberState="MMR", adminCode="MMR013", sector="HEA", item="HEA-IEHK", unit="kit",
            quantity="40", priority=5, title="Emergency health kits",
        )  # fmt: skip
        self.money(marawi, roofing["request"]["id"])
        haven = self.send(
            DESIGNATE,
            {
                "crisisId": marawi, "memberState": "PHL", "name": "Balo-i evacuation centre",
                "adminCode": "PH153602", "latitude": "8.0095", "longitude": "124.2937",
                "capacityDay": 500, "capacityNight": 300,
            },
            self.phl,
        )["designateSafeHaven"]["safeHaven"]["id"]  # fmt: skip
        self.send(ADMIT, {"id": haven, "people": 250}, self.phl)
        for as_of, displaced, returned in (("2026-11-20", 5000, 0), ("2026-11-27", 4200, 800)):
            self.send(
                FIGURES,
                {
                    "crisisId": marawi, "memberState": "PHL", "adminCode": "PH153601", "asOf": as_of,
                    "displaced": displaced, "returned": returned, "resettled": 0, "source": "IOM DTM",
                },
                self.phl,
            )  # fmt: skip
        self.send(
            REPORT,
            {
                "crisisId": marawi, "memberState": "PHL", "adminCode": "PH1536", "occurredOn": "2026-11-27",
                "kind": "ARMED_CLASHES", "severity": "HIGH", "description": "Clashes near the Pantar bridge",
            },
            self.phl,
        )  # fmt: skip
        return Loaded(marawi=marawi, rakhine=rakhine)

    def money(self, crisis: str, request: str) -> None:
        """JICA pays ¥1,000,000 into the Stability Fund, half on 3 October and half on 28 November,
        and pledges $250,000 to the crisis; the fund allocates $5,000 to the roofing request."""
        jica = self.send(REGISTER, {"name": "JICA", "type": "DIALOGUE_PARTNER"}, self.secretariat)
        organisation = jica["registerOrganisation"]["organisation"]["id"]
        donor = cli_token(self.env, "--role", "donor", "--org", organisation)
        fund = self.send(OPEN_FUND, {"name": "ASEAN Stability Fund"}, self.secretariat)["openFund"]["fund"][
            "id"
        ]
        to_fund = self.pledge(donor, "FUND", fund, "1000000", "JPY", "0.0066")
        self.send(COMMIT, {"id": to_fund, "dueDate": "2027-01-31"}, donor)
        for paid_on in PAID_ON:
            paid = {
                "id": to_fund,
                "amount": "500000",
                "usdRate": "0.0066",
                "rateDate": paid_on,
                "paidOn": paid_on,
            }
            self.send(PAY, paid, donor)
        to_crisis = self.pledge(donor, "CRISIS", crisis, "250000", "USD", "1")
        self.send(COMMIT, {"id": to_crisis, "dueDate": "2027-02-28"}, donor)
        self.send(
            ALLOCATE,
            {
                "fundId": fund, "window": "RESERVE", "destinationKind": "REQUEST", "destinationId": request,
                "usdAmount": "5000", "rationale": "roofing before the monsoon",
            },
            self.secretariat,
        )  # fmt: skip

    def pledge(self, donor: str, kind: str, destination: str, amount: str, currency: str, rate: str) -> str:
        values = {
            "destinationKind": kind, "destinationId": destination, "amount": amount, "currency": currency,
            "usdRate": rate, "rateDate": "2026-11-20", "earmarking": "SOFTLY_EARMARKED",
        }  # fmt: skip
        return str(self.send(PLEDGE, values, donor)["makePledge"]["pledge"]["id"])
