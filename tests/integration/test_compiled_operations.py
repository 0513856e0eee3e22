"""Every named read operation answers the same, byte for byte, by its hash (the compiled path) and as
an unknown document (the general path), for every role, on the demo's data."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio
from graphql import OperationDefinitionNode, OperationType, parse

from domain.access import Role
from services.api.dashboard import operations_dir
from services.api.persisted import document_id
from services.api.schema.context import Context
from services.api.schema.paging import encode_cursor
from services.coordination import Concord
from services.demo import Demo
from services.identity.access import Principal
from services.identity.tokens import DevSigner
from services.infrastructure.storage import storage_for
from tests.api import GRAPHQL_RESPONSE, Client, serving
from tests.conftest import fixed_today, fresh_settings

#: The operation whose first id of a kind stands for ``$id`` in the operations named after it.
ID_FROM = {
    "Request": "Requests",
    "Need": "Requests",
    "Crisis": "Crises",
    "Fund": "Funds",
    "StabilityFund": "Funds",
    "Match": "Matches",
    "Movement": "Movements",
    "Offer": "Offers",
    "Organisation": "Organisations",
    "Pledge": "Pledges",
    "Project": "Projects",
    "SafeHaven": "SafeHavens",
}
_ID = re.compile(rb'"id":"([0-9a-f-]{36})"')
#: Those the dashboard reads on every refresh: they must be answered by the compiled plan itself.
DASHBOARD = ("Requests", "OldestUnmetNeeds", "Coverage")


def queries() -> dict[str, str]:
    named = {}
    for path in sorted(operations_dir().glob("*.graphql")):
        text = path.read_text(encoding="utf-8")
        [operation] = [d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode)]
        if operation.operation is OperationType.QUERY:
            named[path.stem] = text
    return named


# The tests only read: one demo and one app per back end serve them all, on one pytest-xdist worker
# (`--dist loadgroup`), in one event loop. Writing the demo and projecting it took most of each test.
pytestmark = pytest.mark.asyncio(loop_scope="module")
BACKENDS = [
    pytest.param("sqlite", marks=pytest.mark.xdist_group("compiled-operations-sqlite")),
    pytest.param(
        "postgres", marks=[pytest.mark.postgres, pytest.mark.xdist_group("compiled-operations-postgres")]
    ),
]


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=BACKENDS)
async def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Client]:
    settings = fresh_settings(request, request.param, tmp_path_factory.mktemp("demo") / "var")
    signer = DevSigner(settings.data_dir, settings.auth_audience)
    concord = Concord(storage_for(settings).event_store_env, today=fixed_today)
    try:
        Demo(concord, seed=7, scale=0.05).run()
        head = concord.recorder.max_notification_id() or 0
    finally:
        concord.close()
    async for client in serving(settings, signer, with_crisis=False):
        await client.data("{ crises { id } }", after=head)
        yield client


def principals(client: Client, organisation: str) -> dict[str, dict[str, str]]:
    return {
        "secretariat": client.bearer(Role.SECRETARIAT),
        "coordinator": client.coordinator("PHL"),
        "donor": client.bearer(Role.DONOR, org=organisation),  # type: ignore[arg-type]
        "viewer": client.bearer(Role.VIEWER),
    }


async def both_ways(
    client: Client, text: str, variables: dict[str, Any], as_: dict[str, str]
) -> tuple[Any, Any]:
    headers = {"Accept": GRAPHQL_RESPONSE, **as_}
    compiled = await client.http.post(
        "/graphql", json={"documentId": document_id(text), "variables": variables}, headers=headers
    )
    general = await client.http.post(
        "/graphql", json={"query": f"{text}\n# the general path", "variables": variables}, headers=headers
    )
    return (compiled.status_code, compiled.content), (general.status_code, general.content)


async def sample_ids(client: Client, named: dict[str, str]) -> dict[str, str]:
    ids = {}
    for concept, listing in ID_FROM.items():
        response = await client.http.post(
            "/graphql", json={"query": named[listing], "variables": {}}, headers=client.bearer()
        )
        found = _ID.search(response.content)
        if found:
            ids[concept] = found.group(1).decode()
    return ids


def variables_for(name: str, text: str, ids: dict[str, str], crisis: str) -> dict[str, Any]:
    concept = next((c for c in sorted(ID_FROM, key=len, reverse=True) if name.startswith(c)), None)
    variables: dict[str, Any] = {}
    if "$id:" in text and concept in ids:
        variables["id"] = ids[concept]
    if "$asOf:" in text:
        variables["asOf"] = datetime.now(UTC).isoformat()
    if "$crisis: ID" in text:
        variables["crisis"] = crisis
    if "$memberState: MemberState!" in text:
        variables["memberState"] = "PHL"
    if "$status: [MatchStatus!]!" in text:
        variables["status"] = ["PROPOSED", "ACCEPTED"]
    if name == "Requests":
        variables["first"] = 100
    return variables


async def test_every_named_read_answers_the_same_by_its_hash_as_by_the_general_path(demo: Client) -> None:
    named = queries()
    ids = await sample_ids(demo, named)
    crisis = ids["Crisis"]
    differing = []
    for name, text in named.items():
        variables = variables_for(name, text, ids, crisis)
        for role, as_ in principals(demo, ids["Organisation"]).items():
            compiled, general = await both_ways(demo, text, variables, as_)
            if compiled != general:
                differing.append((name, role, compiled, general))
    assert differing == []


async def test_the_dashboards_reads_are_answered_by_their_plans(demo: Client) -> None:
    """Not a fall back to the general path: each plan answers, and as the general path does."""
    endpoint = demo.http._transport.app.state.graphql_endpoint  # type: ignore[attr-defined]
    runtime = demo.http._transport.app.state.runtime  # type: ignore[attr-defined]
    named = queries()
    crisis = (await sample_ids(demo, {"Crises": named["Crises"], **named}))["Crisis"]
    for name in DASHBOARD:
        plan = endpoint.persisted.compiled(named[name], name)
        assert plan is not None, f"{name} is not compiled"
        for role in (Role.SECRETARIAT, Role.VIEWER):
            principal = Principal(subject="test", role=role)
            context = Context(runtime=runtime, principal=principal, correlation_id="test")
            data = await plan.run(context, {"crisis": crisis} if name == "Coverage" else {})
            assert data is not None, f"{name} fell back to the general path for the {role.value}"
            assert plan.useful
            general = await demo.data(named[name] + "\n", {"crisis": crisis} if name == "Coverage" else {})
            assert data == general


def dashboard_variants(crisis: str) -> dict[str, list[dict[str, Any]]]:
    """Variables of the dashboard's reads beyond their defaults: filters, orders, pages after a
    cursor, empty pages, and arguments the resolver refuses."""
    nowhere = "00000000-0000-4000-8000-000000000000"
    return {
        "Requests": [
            {"first": 100},
            {"first": 0},
            {"first": 7, "after": encode_cursor(150)},
            {"first": 5, "orderBy": "PRIORITY"},
            {"first": 5, "orderBy": "URGENCY", "after": encode_cursor(3)},
            {"first": 10, "filter": {"memberState": ["PHL", "THA"], "status": ["OPEN"], "minPriority": 3}},
            {
                "first": 20,
                "orderBy": "URGENCY",
                "filter": {
                    "crisis": [crisis],
                    "sector": ["HEA", "PRO_GBV", "NUT"],
                    "neededByFrom": "2026-11-30",
                    "neededByUntil": "2027-03-01",
                    "priority": [3, 4, 5],
                },
            },
            {"first": 10, "filter": {"item": ["NUT-RUTF"], "safeHaven": [nowhere]}},
            {"first": 10, "filter": {"crisis": [nowhere]}},
            {"first": 101},
            {"after": "not a cursor"},
            {"filter": {"crisis": ["not an id"]}},
        ],
        "OldestUnmetNeeds": [{}, {"first": 3}, {"crisis": [crisis]}, {"crisis": [nowhere]}, {"first": 0}],
        "Coverage": [
            {},
            {"crisis": crisis},
            {"groupBy": ["STATE"]},
            {"crisis": crisis, "groupBy": ["SECTOR"]},
            {"groupBy": []},
            {"crisis": nowhere},
            {"crisis": "not an id"},
        ],
    }


async def test_the_dashboards_reads_answer_the_same_for_every_role_and_variables(demo: Client) -> None:
    named = queries()
    ids = await sample_ids(demo, named)
    differing = []
    for name, variants in dashboard_variants(ids["Crisis"]).items():
        for variables in variants:
            for role, as_ in principals(demo, ids["Organisation"]).items():
                compiled, general = await both_ways(demo, named[name], variables, as_)
                if compiled != general:
                    differing.append((name, variables, role, compiled, general))
    assert differing == []


async def test_the_dashboards_plans_answer_their_variables_themselves(demo: Client) -> None:
    """Every variant the resolver accepts is answered by the row plan, not the general path."""
    endpoint = demo.http._transport.app.state.graphql_endpoint  # type: ignore[attr-defined]
    runtime = demo.http._transport.app.state.runtime  # type: ignore[attr-defined]
    named = queries()
    crisis = (await sample_ids(demo, {"Crises": named["Crises"], **named}))["Crisis"]
    context = Context(runtime=runtime, principal=Principal(subject="t", role=Role.VIEWER), correlation_id="t")
    for name, variants in dashboard_variants(crisis).items():
        plan = endpoint.persisted.compiled(named[name], name)
        assert plan is not None
        assert all(rows is not None for *_, rows in plan._roots), f"{name} has no row plan"
        for variables in variants:
            general = await demo.http.post(
                "/graphql", json={"query": named[name] + "\n", "variables": variables}, headers=demo.bearer()
            )
            data = await plan.run(context, variables)
            if "errors" in general.json():
                assert data is None, (name, variables)
            else:
                assert data == general.json()["data"], (name, variables)


async def test_an_unknown_document_id_is_a_request_error_with_a_code(demo: Client) -> None:
    headers = {"Accept": GRAPHQL_RESPONSE, **demo.bearer()}
    unknown = "sha256:" + "0" * 64

    by_id = await demo.http.post("/graphql", json={"documentId": unknown}, headers=headers)
    by_apollo = await demo.http.post(
        "/graphql",
        json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
        headers=headers,
    )
    malformed = await demo.http.post("/graphql", json={"documentId": "md5:abc"}, headers=headers)

    assert by_id.status_code == by_apollo.status_code == 400
    assert by_id.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert by_apollo.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_named_operation_is_found_by_either_form_of_its_hash_and_over_get(demo: Client) -> None:
    text = queries()["Crises"]
    digest = document_id(text).removeprefix("sha256:")
    headers = {"Accept": GRAPHQL_RESPONSE, **demo.bearer()}

    by_text = await demo.http.post("/graphql", json={"query": text}, headers=headers)
    by_apollo = await demo.http.post(
        "/graphql",
        json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}},
        headers=headers,
    )
    over_get = await demo.http.get("/graphql", params={"documentId": f"sha256:{digest}"}, headers=headers)
    mismatched = await demo.http.post(
        "/graphql", json={"query": "{ crises { id } }", "documentId": f"sha256:{digest}"}, headers=headers
    )

    assert by_text.status_code == by_apollo.status_code == over_get.status_code == 200
    assert by_text.content == by_apollo.content == over_get.content
    assert mismatched.status_code == 400
    assert mismatched.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
