"""Every text input of every command refuses control characters and non-characters, naming its field.

A NUL in a request's title once stopped the PostgreSQL read model for good, and a vertical tab in
a project's title broke the IATI export for everyone: such text is refused before it is recorded.
The commands are sent over GraphQL against one world (a request, an offer, a match, a pledge, a
fund, a safe haven, movements, an incident, a project) that each refusal leaves as it was.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, build_schema, get_named_type

from domain.access import Role
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving
from tests.conftest import migrated_sqlite
from tests.integration.test_havens_api import designate
from tests.integration.test_movements_api import confirm, plan, propose
from tests.integration.test_projects_api import organisation, project_input
from tests.integration.test_projects_api import register as register_project

SCHEMA = Path(__file__).parent.parent.parent / "graphql" / "schema.graphql"
UNSAFE = ["\x00", "\x0b", "\ufffe"]

Input = dict[str, Any]


@dataclass
class World:
    """Ids of one of each thing a command can act on, and who acts on them."""

    client: Client
    request: str
    spare_request: str
    organisation: str
    offer: str
    match: str
    pledge: str
    paid_pledge: str
    payment: str
    fund: str
    haven: str
    movement: str
    started_movement: str
    incident: str
    project: str
    milestone: str

    @property
    def phl(self) -> dict[str, str]:
        return self.client.coordinator("PHL")

    @property
    def donor(self) -> dict[str, str]:
        return self.client.bearer(Role.DONOR, org=uuid.UUID(self.organisation))

    @property
    def secretariat(self) -> dict[str, str]:
        return self.client.bearer(Role.SECRETARIAT)


async def _id(client: Client, mutation: str, values: Input, as_: dict[str, str], *path: str) -> str:
    """Send ``mutation`` and return the id found along ``path`` in its payload (a list's first)."""
    selection = "id"
    for key in reversed(path):
        selection = f"{key} {{ {selection} }}"
    query = f"mutation($i: {_input_type(mutation)}!) {{ {mutation}(input: $i) {{ {selection} }} }}"
    found: Any = (await client.data(query, {"i": values}, as_=as_))[mutation]
    for key in path:
        found = found[key][0] if isinstance(found[key], list) else found[key]
    return str(found["id"])


@functools.cache
def _input_type(mutation: str) -> str:
    schema = build_schema(SCHEMA.read_text())
    assert schema.mutation_type is not None
    return str(get_named_type(schema.mutation_type.fields[mutation].args["input"].type).name)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """Refusals are the domain's, whatever the storage: one SQLite world serves every case."""
    settings = Settings(data_dir=tmp_path / "var", consistency_timeout=30)
    migrated_sqlite(settings.data_dir)
    signer = DevSigner(settings.data_dir, settings.auth_audience)
    async for client in serving(settings, signer):
        phl = client.coordinator("PHL")
        secretariat = client.bearer(Role.SECRETARIAT)
        posted, org, proposed = await propose(client)
        donor = client.bearer(Role.DONOR, org=org)
        offer = await _id(
            client,
            "postOffer",
            {"crisisId": client.crisis_id, "sector": "SHL", "item": "SHL-TARP", "quantity": "10",
             "unit": "piece", "availableFrom": "2026-11-28", "availableUntil": "2027-01-31",
             "serves": ["PHL"], "deliveryMode": "IN_KIND"},
            donor,
            "offer",
        )  # fmt: skip
        fund = await _id(client, "openFund", {"name": "ASEAN Stability Fund"}, secretariat, "fund")
        pledge_values = {"destinationKind": "FUND", "destinationId": fund, "amount": "1000",
                         "currency": "USD", "usdRate": "1", "rateDate": "2026-11-20",
                         "earmarking": "SOFTLY_EARMARKED"}  # fmt: skip
        pledge = await _id(client, "makePledge", pledge_values, donor, "pledge")
        paid = await _id(client, "makePledge", pledge_values, donor, "pledge")
        commit = "mutation($i: CommitPledgeInput!) { commitPledge(input: $i) { position } }"
        await client.data(commit, {"i": {"id": paid, "dueDate": "2027-01-31"}}, as_=donor)
        payment = await _id(
            client,
            "recordPayment",
            {"id": paid, "amount": "1000", "usdRate": "1", "rateDate": "2026-11-28", "paidOn": "2026-11-28"},
            donor,
            "pledge",
            "payments",
        )
        haven = (await designate(client))["safeHaven"]["id"]
        movement = (await plan(client, {"country": "PHL", "adminCode": "PH153602"}))["movement"]["id"]
        started = (await plan(client, {"country": "PHL", "adminCode": "PH153602"}))["movement"]["id"]
        await confirm(client, started)
        for step in ("approveMovement", "startMovement"):
            await client.data(f"mutation($id: ID!) {{ {step}(input: {{id: $id}}) {{ position }} }}",
                              {"id": started}, as_=phl)  # fmt: skip
        incident = await _id(
            client,
            "reportIncident",
            {"memberState": "PHL", "adminCode": "PH15", "occurredOn": "2026-11-28", "kind": "ARMED_CLASHES",
             "severity": "MODERATE", "description": "Shots near the Pantar bridge"},
            phl,
            "incident",
        )  # fmt: skip
        implementer = await organisation(client, "Philippine Business for Social Progress")
        project = (await register_project(client, implementer))["project"]
        await client.data(
            "mutation($i: ChangeProjectStatusInput!) { changeProjectStatus(input: $i) { position } }",
            {"i": {"id": project["id"], "status": "IMPLEMENTATION"}},
            as_=phl,
        )
        yield World(
            client=client,
            request=posted["request"]["id"],
            spare_request=(await client.post())["request"]["id"],
            organisation=str(org),
            offer=offer,
            match=proposed["proposeMatch"]["match"]["id"],
            pledge=pledge,
            paid_pledge=paid,
            payment=payment,
            fund=fund,
            haven=haven,
            movement=movement,
            started_movement=started,
            incident=incident,
            project=project["id"],
            milestone=project["milestones"][0]["id"],
        )


@dataclass(frozen=True)
class Case:
    """A command, its text input (a path into the input), a valid input, and who may send it."""

    mutation: str
    path: str
    valid: Callable[[World], Input]
    who: Callable[[World], dict[str, str]]
    field: str = ""  # the field the error names: the path's last part unless said

    @property
    def expected_field(self) -> str:
        return self.field or self.path.split(".")[-1]


def _phl(w: World) -> dict[str, str]:
    return w.phl


def _donor(w: World) -> dict[str, str]:
    return w.donor


def _secretariat(w: World) -> dict[str, str]:
    return w.secretariat


def _request(w: World) -> Input:
    return w.client.request_input()


def _project(w: World) -> Input:
    return project_input(w.client, w.organisation, description="A market for 400 stallholders")


def _offer(w: World) -> Input:
    return {"crisisId": w.client.crisis_id, "sector": "SHL", "item": "SHL-TARP", "quantity": "10",
            "unit": "piece", "availableFrom": "2026-11-28", "availableUntil": "2027-01-31",
            "serves": ["PHL"], "deliveryMode": "IN_KIND", "standbyCapacity": "SHL team",
            "description": "Tarpaulins in Cagayan de Oro"}  # fmt: skip


def _pledge(w: World) -> Input:
    return {"destinationKind": "FUND", "destinationId": w.fund, "amount": "100", "currency": "USD",
            "usdRate": "1", "rateDate": "2026-11-20", "earmarking": "SOFTLY_EARMARKED",
            "description": "For the Marawi recovery"}  # fmt: skip


def _movement(w: World) -> Input:
    return {"crisisId": w.client.crisis_id, "kind": "IDP_RETURN",
            "origin": {"country": "PHL", "adminCode": "PH153601"},
            "destination": {"country": "PHL", "adminCode": "PH153602"},
            "group": [{"sex": "FEMALE", "ageGroup": "AGE_18_59", "people": 10}],
            "plannedDeparture": "2026-11-30", "plannedArrival": "2026-12-02"}  # fmt: skip


def _result() -> Input:
    return {"indicator": "Households reached", "unit": "household", "baseline": "0", "target": "50",
            "hxlTag": "#reached+households"}  # fmt: skip


CASES = [
    *(Case("postRequest", f, _request, _phl) for f in ("item", "title", "description", "unit", "adminCode")),
    *(
        Case("amendRequest", f, lambda w, f=f: {"id": w.request, f: _request(w)[f]}, _phl)  # type: ignore[misc]
        for f in ("title", "description", "unit", "adminCode", "item")
    ),
    Case("cancelRequest", "reason", lambda w: {"id": w.request, "reason": "duplicate"}, _phl),
    Case("registerOrganisation", "name", lambda w: {"name": "Mercy Malaysia", "type": "NGO"}, _secretariat),
    Case(
        "registerOrganisation",
        "hxlName",
        lambda w: {"name": "Mercy", "type": "NGO", "hxlName": "MM"},
        _secretariat,
    ),
    Case(
        "registerOrganisation",
        "iatiIdentifier",
        lambda w: {"name": "Mercy", "type": "NGO", "iatiIdentifier": "XM-DAC-41114"},
        _secretariat,
    ),
    Case("suspendOrganisation", "reason", lambda w: {"id": w.organisation, "reason": "audit"}, _secretariat),
    Case("issueApiKey", "name", lambda w: {"name": "PHL logistics feed"}, _phl),
    Case(
        "openCrisis",
        "name",
        lambda w: {"name": "Flooding", "affectedStates": ["PHL"], "startDate": "2026-11-01"},
        _secretariat,
    ),
    *(Case("postOffer", f, _offer, _donor) for f in ("item", "unit", "standbyCapacity", "description")),
    Case("withdrawOffer", "reason", lambda w: {"id": w.offer, "reason": "used elsewhere"}, _donor),
    Case("declineMatch", "reason", lambda w: {"id": w.match, "reason": "too late"}, _donor),
    Case("cancelMatch", "reason", lambda w: {"id": w.match, "reason": "too late"}, _secretariat),
    *(Case("makePledge", f, _pledge, _donor) for f in ("currency", "description")),
    Case(
        "commitPledge",
        "reference",
        lambda w: {"id": w.pledge, "dueDate": "2027-01-31", "reference": "JICA-2026-17"},
        _donor,
    ),
    Case("cancelPledge", "reason", lambda w: {"id": w.pledge, "reason": "budget cut"}, _donor),
    Case(
        "refundPayment",
        "reason",
        lambda w: {"pledgeId": w.paid_pledge, "paymentId": w.payment, "amount": "10", "reason": "overpaid"},
        _secretariat,
    ),
    Case("openFund", "name", lambda w: {"name": "Recovery fund"}, _secretariat),
    Case(
        "allocateFromFund",
        "rationale",
        lambda w: {
            "fundId": w.fund,
            "window": "STANDARD",
            "destinationKind": "REQUEST",
            "destinationId": w.request,
            "usdAmount": "10",
            "rationale": "roofing",
        },
        _secretariat,
    ),
    *(
        Case(
            "designateSafeHaven",
            f,
            lambda w: {
                "crisisId": w.client.crisis_id,
                "memberState": "PHL",
                "name": "Saguiaran centre",
                "adminCode": "PH153602",
                "latitude": "8",
                "longitude": "124",
                "capacityDay": 50,
            },
            _phl,
        )
        for f in ("name", "adminCode")
    ),
    Case(
        "changeSafeHavenStatus",
        "reason",
        lambda w: {"id": w.haven, "status": "SUSPENDED", "reason": "flooded"},
        _phl,
    ),
    Case("planMovement", "origin.country", _movement, _phl, "origin"),
    Case("planMovement", "origin.adminCode", _movement, _phl),
    Case("planMovement", "destination.country", _movement, _phl, "destination"),
    Case("planMovement", "destination.adminCode", _movement, _phl),
    Case(
        "confirmVoluntariness",
        "confirmedBy",
        lambda w: {
            "id": w.movement,
            "confirmedBy": "UNHCR",
            "method": "GO_AND_SEE_VISIT",
            "confirmedOn": "2026-11-27",
        },
        _phl,
    ),
    Case(
        "recordArrival",
        "notes",
        lambda w: {"id": w.started_movement, "peopleArrived": 100, "notes": "two stayed behind"},
        _phl,
    ),
    Case(
        "postponeMovement",
        "reason",
        lambda w: {
            "id": w.movement,
            "plannedDeparture": "2026-12-01",
            "plannedArrival": "2026-12-03",
            "reason": "road closed",
        },
        _phl,
    ),
    Case("cancelMovement", "reason", lambda w: {"id": w.movement, "reason": "no longer wished"}, _phl),
    *(
        Case(
            "recordDisplacementFigures",
            f,
            lambda w: {
                "crisisId": w.client.crisis_id,
                "memberState": "PHL",
                "adminCode": "PH1536",
                "asOf": "2026-11-28",
                "displaced": 10,
                "returned": 0,
                "resettled": 0,
                "source": "DTM round 4",
            },
            _phl,
        )
        for f in ("adminCode", "source")
    ),
    *(
        Case(
            "reportIncident",
            f,
            lambda w: {
                "memberState": "PHL",
                "adminCode": "PH15",
                "occurredOn": "2026-11-28",
                "kind": "ARMED_CLASHES",
                "severity": "LOW",
                "description": "Shots fired",
            },
            _phl,
        )
        for f in ("adminCode", "description")
    ),
    Case("closeIncident", "reason", lambda w: {"id": w.incident, "reason": "calm again"}, _phl),
    Case("clearForSecurity", "conditions", lambda w: {"matchId": w.match, "conditions": "escort"}, _phl),
    *(Case("registerProject", f, _project, _phl) for f in ("title", "description", "adminCode", "currency")),
    Case("registerProject", "milestones.title", _project, _phl, "milestones.0.title"),
    *(
        Case("registerProject", f"results.{f}", _project, _phl, f"results.0.{f}")
        for f in ("indicator", "unit", "hxlTag")
    ),
    Case(
        "changeProjectStatus",
        "reason",
        lambda w: {"id": w.project, "status": "SUSPENDED", "reason": "access denied"},
        _phl,
    ),
    Case(
        "planMilestone",
        "title",
        lambda w: {"projectId": w.project, "title": "Roofs on", "dueDate": "2027-02-01"},
        _phl,
    ),
    Case(
        "recordMilestone",
        "note",
        lambda w: {
            "projectId": w.project,
            "milestoneId": w.milestone,
            "achievedOn": "2026-11-27",
            "note": "signed",
        },
        _phl,
    ),
    *(
        Case("defineResult", f"result.{f}", lambda w: {"projectId": w.project, "result": _result()}, _phl)
        for f in ("indicator", "unit", "hxlTag")
    ),
]


def _with(values: Any, path: list[str], bad: str) -> Any:
    """``values`` with ``bad`` appended to the text at ``path`` (in every item of a list)."""
    if isinstance(values, list):
        return [_with(item, path, bad) for item in values]
    values = dict(values)
    head, *rest = path
    values[head] = _with(values[head], rest, bad) if rest else f"{values[head]}{bad}"
    return values


async def test_every_text_input_of_every_command_refuses_unsafe_characters(world: World) -> None:
    refused_wrongly = []
    for case in CASES:
        valid = case.valid(world)
        for bad in UNSAFE:
            query = f"mutation($i: {_input_type(case.mutation)}!) {{ {case.mutation}(input: $i) {{ __typename }} }}"  # noqa: E501
            response = await world.client.send(
                query, {"i": _with(valid, case.path.split("."), bad)}, as_=case.who(world)
            )
            errors = response.json().get("errors") or [{}]
            extensions = errors[0].get("extensions", {})
            if extensions != {"code": "BAD_USER_INPUT", "field": case.expected_field}:
                said = errors[0].get("message", "accepted")
                refused_wrongly.append((case.mutation, case.path, repr(bad), extensions, said))
    assert refused_wrongly == [], "\n".join(map(str, refused_wrongly))


def test_the_cases_cover_every_text_input_of_every_command() -> None:
    """A command given a new text input needs a case here (an idempotency key has its own check)."""
    schema = build_schema(SCHEMA.read_text())
    assert schema.mutation_type is not None
    text_inputs = set()
    for name, field in schema.mutation_type.fields.items():
        stack: list[tuple[Any, str]] = [(field.args["input"].type, "")]
        while stack:
            kind, prefix = stack.pop()
            named = get_named_type(kind)
            if isinstance(named, GraphQLInputObjectType):
                stack.extend((f.type, f"{prefix}{n}.") for n, f in named.fields.items())
            elif named.name == "String" and prefix != "idempotencyKey.":
                text_inputs.add((name, prefix.rstrip(".")))
    assert text_inputs == {(case.mutation, case.path) for case in CASES}


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


async def test_tab_line_feed_and_carriage_return_are_text(client: Client) -> None:
    posted = await client.data(
        "mutation($i: PostRequestInput!) { postRequest(input: $i) { request { title description } } }",
        {"i": client.request_input(title="Tarpaulins\tfor Marawi", description="Roofing\r\nfor 500\n")},
        as_=client.coordinator(),
    )
    assert posted["postRequest"]["request"] == {
        "title": "Tarpaulins\tfor Marawi",
        "description": "Roofing\r\nfor 500",
    }
