"""The named read operations of the dashboard and the workbench, each with the variables and the
role of the page that runs it (services/api/static/dashboard.js and services/web/*.js)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

OPERATIONS_DIR = Path(__file__).resolve().parent.parent / "graphql" / "operations"


@dataclass(frozen=True)
class Facts:
    """Ids of the demo's records that the pages would be showing."""

    crisis: str
    state: str
    organisation: str  # a donor's organisation
    fund: str
    request: str
    item: str
    admin_code: str
    sector: str
    offers: list[str]
    pledge: str
    project: str


Variables = Callable[[Facts], dict[str, Any]]


@dataclass(frozen=True)
class Operation:
    label: str  # the operation's name, with what tells two uses of it apart
    name: str
    role: str  # secretariat | coordinator | donor
    variables: Variables
    page: str

    def text(self) -> str:
        return (OPERATIONS_DIR / f"{self.name}.graphql").read_text()


def _op(label: str, role: str, page: str, variables: Variables = lambda _: {}) -> Operation:
    return Operation(label, label.split(" ", maxsplit=1)[0], role, variables, page)


OPERATIONS = [
    # The dashboard (services/api/static/dashboard.js), as the secretariat sees it, one crisis chosen.
    _op("Crises", "secretariat", "dashboard", lambda _: {"includeClosed": True}),
    _op("Organisations", "secretariat", "dashboard", lambda _: {"first": 100}),
    _op("StabilityFundBalance", "secretariat", "dashboard", lambda f: {"id": f.fund, "first": 100}),
    _op(
        "Coverage", "secretariat", "dashboard", lambda f: {"crisis": f.crisis, "groupBy": ["STATE", "SECTOR"]}
    ),
    _op("Coverage (all crises, by state)", "secretariat", "dashboard", lambda _: {"groupBy": ["STATE"]}),
    _op("OldestUnmetNeeds", "secretariat", "dashboard", lambda f: {"crisis": [f.crisis], "first": 10}),
    _op("SafeHavens", "secretariat", "dashboard", lambda f: {"crisis": [f.crisis]}),
    _op("SecurityIncidents", "secretariat", "dashboard", lambda f: {"crisis": [f.crisis]}),
    _op("Displacement", "secretariat", "dashboard", lambda f: {"crisis": [f.crisis]}),
    _op("FundingByDonor", "secretariat", "dashboard"),
    _op("FundingByDonorAndCrisis", "secretariat", "dashboard"),
    # The coordinator's workbench pages, for the coordinator's own state.
    _op("Me", "coordinator", "header.js"),
    _op("AdminAreas", "coordinator", "areas.js", lambda f: {"memberState": f.state}),
    _op("Needs", "coordinator", "needs.js", lambda f: {"filter": {"memberState": [f.state]}, "first": 50}),
    _op("Need", "coordinator", "need.js", lambda f: {"id": f.request}),
    _op("StateSafeHavens", "coordinator", "havens.js", lambda f: {"memberState": [f.state]}),
    _op("Displacement (own state)", "coordinator", "havens.js", lambda f: {"memberState": [f.state]}),
    _op("StateMovements", "coordinator", "movements.js", lambda f: {"memberState": [f.state]}),
    _op("StateIncidents", "coordinator", "incidents.js", lambda f: {"memberState": [f.state]}),
    _op(
        "WaitingMatches",
        "coordinator",
        "decisions.js",
        lambda f: {"memberState": f.state, "status": ["PROPOSED"], "first": 100},
    ),
    _op("Items", "coordinator", "post-need.js", lambda f: {"sector": f.sector}),
    _op(
        "PossibleDuplicates",
        "coordinator",
        "post-need.js",
        lambda f: {"crisis": f.crisis, "memberState": f.state, "item": f.item, "adminCode": f.admin_code},
    ),
    _op("Movements", "coordinator", "(GraphQL clients; issue 20)", lambda f: {"memberState": [f.state]}),
    # The secretariat's desk, fund and pledge pages.
    _op(
        "Requests",
        "secretariat",
        "desk.js",
        lambda _: {"filter": {"status": ["OPEN"]}, "first": 100, "orderBy": "PRIORITY"},
    ),
    _op("MatchSuggestions", "secretariat", "desk.js", lambda f: {"requestId": f.request, "first": 10}),
    _op("Matches", "secretariat", "desk.js", lambda _: {"first": 100}),
    _op("Funds", "secretariat", "fund.js"),
    _op("Projects", "secretariat", "fund.js", lambda _: {"first": 100}),
    _op("Project", "secretariat", "project.js", lambda f: {"id": f.project}),
    _op("OrganisationRegister", "secretariat", "organisations.js", lambda _: {"first": 100}),
    _op("Pledges", "secretariat", "pledges.js", lambda _: {"first": 100}),
    _op("PledgePayments", "secretariat", "pledges.js", lambda f: {"id": f.pledge}),
    _op("ApiKeys", "secretariat", "api-keys.js", lambda _: {"first": 100}),
    # The donor's pages, for the donor's own organisation.
    _op("Organisation", "donor", "header.js", lambda f: {"id": f.organisation}),
    _op(
        "Offers", "donor", "donor.js", lambda f: {"filter": {"organisation": [f.organisation]}, "first": 100}
    ),
    _op("OfferMatches", "donor", "deliveries.js", lambda f: {"offers": f.offers}),
    _op("FundingByDonor (donor)", "donor", "pledges.js"),
    _op("Flows", "donor", "pledges.js", lambda f: {"sourceId": [f.organisation], "first": 100}),
    # Last: calls that time out leave the server busy, which would weigh on the operations after them.
    _op("NeedSuggestions", "donor", "could-serve.js", lambda _: {"first": 50}),
]

_FACTS = """query Facts($org: [ID!]) {
  crises(includeClosed: true) { id name }
  funds { id }
  requests(first: 1, filter: {memberState: [PHL]}) { edges { node { id item adminCode sector } } }
  offers(first: 20, filter: {organisation: $org}) { edges { node { id } } }
  pledges(first: 1) { edges { node { id } } }
  projects(first: 1) { edges { node { id } } }
}"""
_ORGANISATIONS = "{ organisations(first: 100) { edges { node { id name } } } }"
DONOR = "World Food Programme"


def facts(base_url: str, secretariat: str) -> Facts:
    """What the pages would be showing: a crisis of the Philippines, a donor, one of its offers, ..."""
    headers = {"authorization": f"Bearer {secretariat}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        orgs = _data(client.post("/graphql", json={"query": _ORGANISATIONS}))["organisations"]["edges"]
        donor = next(e["node"]["id"] for e in orgs if e["node"]["name"] == DONOR)
        data = _data(client.post("/graphql", json={"query": _FACTS, "variables": {"org": [donor]}}))
    return facts_of(data, donor)


def facts_of(data: dict[str, Any], donor: str) -> Facts:
    """The facts from ``_FACTS``' answer for the donor's organisation ``donor``."""
    request = data["requests"]["edges"][0]["node"]
    return Facts(
        crisis=next(c["id"] for c in data["crises"] if c["name"].startswith("Marawi")),
        state="PHL",
        organisation=donor,
        fund=data["funds"][0]["id"],
        request=request["id"],
        item=request["item"],
        admin_code=request["adminCode"],
        sector=request["sector"],
        offers=[e["node"]["id"] for e in data["offers"]["edges"]],
        pledge=data["pledges"]["edges"][0]["node"]["id"],
        project=data["projects"]["edges"][0]["node"]["id"],
    )


def _data(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"HTTP {response.status_code}: {str(body)[:500]}")
    return dict(body["data"])
