"""Every named read operation answers the same, byte for byte, by its hash (the compiled path) and as
an unknown document (the general path), for every role, on the demo's data."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
import pytest_asyncio
from graphql import OperationDefinitionNode, OperationType, parse

from domain.access import Role
from domain.codes import MemberState, Sector
from domain.funds import FundWindow
from domain.money import Conversion
from domain.movements import MovementKind, Place, VoluntarinessMethod
from domain.pledges import DestinationKind, Earmarking
from domain.project_parts import ProjectStatus, ResultTerms
from domain.security import IncidentKind, RiskLevel
from projections.matches import queries as match_queries
from projections.projects import queries as project_queries
from projections.projects.tables import projects
from services.api.dashboard import operations_dir
from services.api.persisted import document_id
from services.api.schema.context import Context
from services.api.schema.paging import encode_cursor
from services.coordination import Concord
from services.demo import AREAS, PLACES, Demo
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
#: The movements pages, whose risk and havens await loaders: answered by their row plan too.
MOVEMENT_PAGES = ("Movements", "StateMovements")
#: Pages whose fields below the root await loaders (a match's request, offer and risk; a project's
#: organisations): the plan awaits them together, as graphql-core does, and answers itself.
AWAITING = ("Matches", "WaitingMatches", "Projects")


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
    # One app answers every test of the module, thousands of reads by the same few principals:
    # the per-principal rate limit is not what these tests compare (the limiter is tested apart).
    settings = settings.model_copy(update={"rate_limit_per_minute": 10**8, "rate_limit_burst": 10**8})
    signer = DevSigner(settings.data_dir, settings.auth_audience)
    concord = Concord(storage_for(settings).event_store_env, today=fixed_today)
    try:
        scenario = Demo(concord, seed=7, scale=0.05)
        scenario.run()
        movements_of_every_kind(scenario)
        projects_of_every_kind(scenario)
        head = concord.recorder.max_notification_id() or 0
    finally:
        concord.close()
    async for client in serving(settings, signer, with_crisis=False):
        await client.data("{ crises { id } }", after=head)
        yield client


def movements_of_every_kind(scenario: Demo) -> None:
    """Movements beyond the demo's few: from and to a safe haven, groups all of small counts, with
    one small cell, with none, vulnerable groups, voluntariness confirmed, a clearance, open
    incidents where some go, and a repatriation into another state (its exact areas not the
    Philippines' to see)."""
    concord, today = scenario.concord, scenario.today
    plan, crisis = scenario.crises[0]
    state = plan.states[0]
    assert state is MemberState.PHL
    coordinator = scenario.coordinator(state)
    home, shaky, calm = AREAS[state][:3]
    haven = concord.designate_safe_haven(
        coordinator,
        crisis,
        state,
        name="Compared haven",
        admin_code=home,
        latitude=Decimal(str(PLACES[home][0])),
        longitude=Decimal(str(PLACES[home][1])),
        capacity_day=400,
    ).aggregate.id
    concord.report_incident(
        coordinator,
        state,
        shaky,
        occurred_on=today,
        kind=IncidentKind.ARMED_CLASHES,
        severity=RiskLevel.EXTREME,
        description="compared",
        affected_organisations=[],
        crisis_id=crisis,
    )
    groups = [
        ({"female:0-4": 2}, {}),
        ({"female:18-59": 3, "male:18-59": 1}, {"persons-with-disabilities": 1}),
        ({"male:60+": 7, "female:60+": 1}, {"older-persons-at-risk": 6}),
        ({"female:5-17": 12, "male:5-17": 9, "male:0-4": 4}, {"unaccompanied-or-separated-children": 3}),
        ({"female:18-59": 30, "male:18-59": 25}, {}),
    ]
    for index, (group, vulnerable) in enumerate(groups):
        sheltered = Place("", safe_haven_id=haven)
        origin, destination = (
            (sheltered, Place(state.value, shaky))
            if index % 2 == 0
            else (
                Place(state.value, calm),
                sheltered,
            )
        )
        movement = concord.plan_movement(
            coordinator,
            crisis,
            MovementKind.IDP_RETURN if index % 2 == 0 else MovementKind.RELOCATION,
            origin,
            destination,
            group=group,
            vulnerable=vulnerable,
            planned_departure=today + timedelta(days=3 + index),
            planned_arrival=today + timedelta(days=5 + index),
        ).aggregate.id
        if index % 2 == 1:
            concord.confirm_voluntariness(
                coordinator,
                movement,
                confirmed_by="IOM site team",
                method=VoluntarinessMethod.GROUP_INFORMATION_SESSION,
                confirmed_on=today,
            )
        if index == 2:
            concord.clear_movement_for_security(coordinator, movement, "escorted convoy")
    elsewhere, other = scenario.crises[1]
    receiving = elsewhere.states[0]
    concord.plan_movement(
        scenario.coordinator(receiving),
        other,
        MovementKind.REFUGEE_REPATRIATION,
        Place("BGD"),
        Place(receiving.value, AREAS[receiving][0]),
        group={"female:18-59": 4, "male:18-59": 6},
        vulnerable={},
        planned_departure=today + timedelta(days=2),
        planned_arrival=today + timedelta(days=4),
    )


def projects_of_every_kind(scenario: Demo) -> None:
    """Projects beyond the demo's one or two: in another currency (a rate of many decimals), with
    no implementer and with one, milestones achieved and not, results measured and not, in each of
    several statuses, several states and areas, and funded by pledges (committed, paid in part,
    cancelled, beyond the budget) and by the Stability Fund (an allocation disbursed in part)."""
    concord, today = scenario.concord, scenario.today
    (plan, crisis), (elsewhere, other) = scenario.crises[0], scenario.crises[1]
    implementers = [scenario.organisations["UNHCR"], scenario.organisations["Save the Children"]]
    registered = []
    for index, (state, crisis_id, currency, rate, budget, chosen) in enumerate(
        [
            (plan.states[0], crisis, "VND", Decimal("0.0000412"), Decimal(2_500_000_000), implementers),
            (plan.states[0], crisis, "USD", Decimal(1), Decimal("250000.5"), []),
            (elsewhere.states[0], other, "USD", Decimal(1), Decimal(40_000), implementers[:1]),
            (plan.states[0], crisis, "JPY", Decimal("0.0067"), Decimal(30_000_000), implementers[::-1]),
        ]
    ):
        start = today - timedelta(days=40 + index)
        project = concord.register_project(
            scenario.secretariat,
            crisis_id,
            state,
            title=f"Compared project {index}",
            description="with a description" if index % 2 else "",
            sector=[Sector.PB_CAP, Sector.PB_INS, Sector.ERY, Sector.PB_REC][index],
            admin_code=AREAS[state][index % len(AREAS[state])],
            implementers=chosen,
            budget=budget,
            currency=currency,
            conversion=Conversion(rate, today),
            planned_start=start,
            planned_end=start + timedelta(days=365),
            milestones=[
                ("Inception report", start + timedelta(days=20)),
                ("Handover", start + timedelta(days=300)),
            ],
            results=[
                ResultTerms("People reached", "person", Decimal(0), Decimal(500), "#reached"),
                ResultTerms("Schools rebuilt", "school", Decimal(2), Decimal("7.5")),
            ],
        ).aggregate
        registered.append(project.id)
        if index != 1:
            concord.change_project_status(scenario.secretariat, project.id, ProjectStatus.IMPLEMENTATION)
        if index in (0, 3):
            milestone = sorted(project.milestones.items(), key=lambda item: item[1].due_date)[0][0]
            concord.record_milestone(
                scenario.secretariat, project.id, milestone, start + timedelta(days=18), "on time"
            )
            result = next(iter(project.results))
            concord.record_result(scenario.secretariat, project.id, result, Decimal("120.25"), today)
        if index == 3:
            concord.change_project_status(
                scenario.secretariat, project.id, ProjectStatus.SUSPENDED, "flooding"
            )
    donor = scenario.donor("Government of Japan")
    rate = Conversion(Decimal("0.0067"), today)
    for project, amount, stage in (
        (registered[0], Decimal(1_000_000), "paid in part"),
        (registered[0], Decimal(2_000_000), "cancelled"),
        (registered[0], Decimal(500_000), "committed"),
        (registered[2], Decimal(9_000_000), "pledged"),
    ):
        pledge = concord.make_pledge(
            donor,
            destination_kind=DestinationKind.PROJECT,
            destination_id=project,
            amount=amount,
            currency="JPY",
            conversion=rate,
            earmarking=Earmarking.EARMARKED,
        ).aggregate.id
        if stage == "cancelled":
            concord.cancel_pledge(donor, pledge, "withdrawn")
        elif stage != "pledged":
            concord.commit_pledge(donor, pledge, today + timedelta(days=30), "AGR-compared")
            if stage == "paid in part":
                concord.record_payment(donor, pledge, amount / 4, rate, today)
    assert scenario.fund is not None
    contribution = concord.make_pledge(
        donor,
        destination_kind=DestinationKind.FUND,
        destination_id=scenario.fund,
        amount=Decimal(20_000_000),
        currency="JPY",
        conversion=rate,
        earmarking=Earmarking.UNEARMARKED,
    ).aggregate.id
    concord.commit_pledge(donor, contribution, today + timedelta(days=10), "AGR-fund")
    concord.record_payment(donor, contribution, Decimal(20_000_000), rate, today)
    allocated = concord.allocate_from_fund(
        scenario.secretariat,
        scenario.fund,
        window=next(iter(FundWindow)),
        destination_kind=DestinationKind.PROJECT,
        destination_id=registered[0],
        usd_amount=Decimal(60_000),
        rationale="compared",
    )
    allocation = concord.approved_allocation(allocated.aggregate).allocation_id
    concord.disburse(scenario.secretariat, scenario.fund, allocation, Decimal("12500.75"))


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
            general = await demo.data(named[name] + "\n", {"crisis": crisis} if name == "Coverage" else {})
            assert data == general


async def test_pages_whose_fields_await_are_answered_by_their_plans(demo: Client) -> None:
    """Not a fall back to the general path: the loaders' fields are awaited by the plan, and each
    page answers as the general path does, for each role that reads it."""
    endpoint = demo.http._transport.app.state.graphql_endpoint  # type: ignore[attr-defined]
    runtime = demo.http._transport.app.state.runtime  # type: ignore[attr-defined]
    named = queries()
    callers = {
        "secretariat": (Principal(subject="test", role=Role.SECRETARIAT), demo.bearer(Role.SECRETARIAT)),
        "coordinator": (
            Principal(subject="test", role=Role.COORDINATOR, member_state=MemberState.PHL),
            demo.coordinator("PHL"),
        ),
    }
    for name in AWAITING:
        plan = endpoint.persisted.compiled(named[name], name)
        assert plan is not None, f"{name} is not compiled"
        variables = variables_for(name, named[name], {}, "")
        for role, (principal, token) in callers.items():
            context = Context(runtime=runtime, principal=principal, correlation_id="test")
            data = await plan.run(context, variables)
            assert data is not None, f"{name} fell back to the general path for the {role}"
            edges = next(iter(data.values()))["edges"]
            assert edges, f"{name} compared on an empty page"
            assert data == await demo.data(named[name] + "\n", variables, as_=token), (name, role)


async def test_the_matches_prepared_pages_are_the_pages_sqlalchemy_builds(demo: Client) -> None:
    """``list_matches`` (a statement per shape of filter, prepared) against the statements
    SQLAlchemy builds for the same values: every list of the filter, together, empty, and pages
    after a cursor, to the end and beyond it."""
    runtime = demo.http._transport.app.state.runtime  # type: ignore[attr-defined]
    engine = runtime.query_engine
    everything, _, total = await match_queries.list_matches_built(
        engine, match_queries.MatchFilter(), first=10_000, after=None
    )
    assert total == len(everything) > 20
    one, other = everything[0], everything[-1]
    statuses = tuple(dict.fromkeys(row.status for row in everything))
    assert len(statuses) > 1
    filters = [
        match_queries.MatchFilter(),
        match_queries.MatchFilter(crisis_ids=(one.crisis_id,)),
        match_queries.MatchFilter(request_ids=(one.request_id, other.request_id)),
        match_queries.MatchFilter(offer_ids=(one.offer_id,)),
        match_queries.MatchFilter(statuses=statuses[:1]),
        match_queries.MatchFilter(statuses=statuses[:2], requesting_states=("PHL",)),
        match_queries.MatchFilter(requesting_states=("PHL", "MMR"), crisis_ids=(one.crisis_id,)),
        match_queries.MatchFilter(offer_ids=(UUID(int=1),)),
    ]
    for where in filters:
        for first in (0, 1, 7, 500):
            cursors: list[int | None] = [None, everything[len(everything) // 2].proposed_position, 1]
            for after in cursors:
                prepared = await match_queries.list_matches(engine, where, first=first, after=after)
                built = await match_queries.list_matches_built(engine, where, first=first, after=after)
                assert prepared == built, (where, first, after)


async def test_the_projects_page_statements_read_the_projects_list_projects_reads(demo: Client) -> None:
    """The row plan's page statement (a statement per shape of filter, with bind parameters)
    against ``list_projects`` for the same filter: every list, an area (LIKE's wildcards in it
    matched as themselves), and pages after a cursor; and its count."""
    runtime = demo.http._transport.app.state.runtime  # type: ignore[attr-defined]
    engine = runtime.query_engine
    everything, _, total = await project_queries.list_projects(
        engine, project_queries.ProjectFilter(), first=10_000, after=None
    )
    assert total == len(everything) > 3
    one = everything[0]
    filters = [
        project_queries.ProjectFilter(),
        project_queries.ProjectFilter(crisis_ids=(one.crisis_id,), member_states=("PHL", "MMR")),
        project_queries.ProjectFilter(statuses=("implementation", "suspended"), sectors=(one.sector,)),
        project_queries.ProjectFilter(area=one.admin_code[:3]),
        project_queries.ProjectFilter(area=one.admin_code[:2] + "_"),
        project_queries.ProjectFilter(area=one.admin_code[:2] + "%"),
        project_queries.ProjectFilter(area="%"),
        project_queries.ProjectFilter(crisis_ids=(UUID(int=1),)),
    ]
    for where in filters:
        shape = project_queries.page_shape(where)
        for first, after in ((100, None), (2, everything[len(everything) // 2].registered_position)):
            values = project_queries.page_values(where, first=first, after=after)
            statement = project_queries.page_statement(
                shape, [projects.c.id], after=after is not None, rows=True
            )
            counting = project_queries.page_statement(shape, [], after=after is not None, rows=False)
            async with engine.connect() as connection:
                rows = [(row.position, row.c0) for row in await connection.execute(statement, values)]
                count = await connection.scalar(counting, values)
            built, _, built_total = await project_queries.list_projects(
                engine, where, first=first, after=after
            )
            assert rows[:first] == [(row.registered_position, row.id) for row in built], (where, after)
            assert count == built_total, where


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


async def by_row_plans(
    demo: Client, variants: dict[str, list[dict[str, Any]]], organisation: str, *, over_http: bool = False
) -> tuple[set[str], list[Any]]:
    """Each named operation's variants run by its row plan in process for every role, against the
    general path over HTTP: a variant the general path refuses, the plan does not answer; one it
    answers, the plan answers the same. The roles the plan answered, and (``over_http``) the
    variants whose compiled and general answers over HTTP differ."""
    endpoint = demo.http._transport.app.state.graphql_endpoint  # type: ignore[attr-defined]
    runtime = demo.http._transport.app.state.runtime  # type: ignore[attr-defined]
    named = queries()
    tokens = principals(demo, organisation)
    answered = set()
    differing = []
    for name, cases in variants.items():
        plan = endpoint.persisted.compiled(named[name], name)
        assert plan is not None, f"{name} is not compiled"
        assert all(rows is not None for *_, rows in plan._roots), f"{name} has no row plan"
        for variables in cases:
            for role, principal in row_plan_callers(UUID(organisation)).items():
                context = Context(runtime=runtime, principal=principal, correlation_id="t")
                general = await demo.http.post(
                    "/graphql",
                    json={"query": named[name] + "\n", "variables": variables},
                    headers=tokens[role],
                )
                data = await plan.run(context, variables)
                if "errors" in general.json():
                    assert data is None, (name, variables, role)
                else:
                    assert data == general.json()["data"], (name, variables, role)
                    answered.add(role)
                if over_http:
                    compiled_way, general_way = await both_ways(demo, named[name], variables, tokens[role])
                    if compiled_way != general_way:
                        differing.append((name, variables, role))
    return answered, differing


def row_plan_callers(organisation: UUID) -> dict[str, Principal]:
    """A principal of each role, as ``principals`` gives their tokens, for a plan run in process."""
    return {
        "secretariat": Principal(subject="secretariat-any@test", role=Role.SECRETARIAT),
        "coordinator": Principal(
            subject="coordinator-PHL@test", role=Role.COORDINATOR, member_state=MemberState.PHL
        ),
        "donor": Principal(
            subject=f"donor-{organisation}@test", role=Role.DONOR, organisation_id=organisation
        ),
        "viewer": Principal(subject="viewer-any@test", role=Role.VIEWER),
    }


def movement_variants(crisis: str, middle: str) -> dict[str, list[dict[str, Any]]]:
    """Variables of the movements pages: filters, pages after a cursor, empty pages, and arguments
    the resolver refuses."""
    nowhere = "00000000-0000-4000-8000-000000000000"
    beyond = encode_cursor(10**9)
    return {
        "Movements": [
            {},
            {"first": 3},
            {"first": 4, "after": middle},
            {"memberState": ["PHL"]},
            {"memberState": ["MMR", "THA"], "status": ["PLANNED"]},
            {"crisis": [crisis], "status": ["PLANNED", "VOLUNTARINESS_CONFIRMED", "APPROVED", "ARRIVED"]},
            {"first": 0},
            {"after": beyond},
            {"crisis": [nowhere]},
            {"first": 101},
            {"after": "not a cursor"},
            {"crisis": ["not an id"]},
        ],
        "StateMovements": [
            {},
            {"memberState": ["PHL"]},
            {"memberState": ["MMR"], "first": 2},
            {"memberState": ["PHL"], "first": 2, "after": middle},
            {"memberState": ["BRN"]},
            {"first": 0, "after": beyond},
            {"first": -1},
        ],
    }


async def movement_cases(client: Client) -> tuple[dict[str, str], dict[str, list[dict[str, Any]]]]:
    named = queries()
    ids = await sample_ids(client, named)
    first = await client.data(named["Movements"] + "\n", {"first": 3})
    middle = first["movementsConnection"]["pageInfo"]["endCursor"]
    return ids, movement_variants(ids["Crisis"], middle)


async def test_the_movement_pages_answer_the_same_for_every_role_and_variables(demo: Client) -> None:
    named = queries()
    ids, variants = await movement_cases(demo)
    differing = []
    for name, cases in variants.items():
        for variables in cases:
            for role, as_ in principals(demo, ids["Organisation"]).items():
                compiled, general = await both_ways(demo, named[name], variables, as_)
                if compiled != general:
                    differing.append((name, variables, role, compiled, general))
    assert differing == []


async def test_the_movement_pages_are_answered_by_their_row_plan_for_every_role(demo: Client) -> None:
    """Each variant the resolver accepts is answered by the row plan itself, risk and havens
    included, as the general path answers it for the same caller; one it refuses is not."""
    ids, variants = await movement_cases(demo)
    answered, _differing = await by_row_plans(demo, variants, ids["Organisation"])
    assert answered == {"secretariat", "coordinator", "donor", "viewer"}


def match_variants(crisis: str, middle: str, request: str, offer: str) -> dict[str, list[dict[str, Any]]]:
    """Variables of the matches pages: every list of the filter, pages after a cursor, empty
    pages, and arguments the resolver refuses."""
    nowhere = "00000000-0000-4000-8000-000000000000"
    beyond = encode_cursor(10**9)
    return {
        "Matches": [
            {},
            {"first": 100},
            {"first": 3, "after": middle},
            {"filter": {"status": ["PROPOSED", "ACCEPTED"]}},
            {"filter": {"crisis": [crisis], "requestingState": ["PHL", "MMR"]}},
            {"filter": {"request": [request]}},
            {"filter": {"offer": [offer], "status": ["DELIVERED", "DISPATCHED", "CONFIRMED", "ACCEPTED"]}},
            {"filter": {"crisis": [nowhere]}},
            {"first": 0},
            {"after": beyond},
            {"first": 101},
            {"after": "not a cursor"},
            {"filter": {"offer": ["not an id"]}},
        ],
        "WaitingMatches": [
            {"memberState": "PHL", "status": ["PROPOSED"], "first": 100},
            {"memberState": "PHL", "status": ["PROPOSED", "ACCEPTED", "CONFIRMED"], "first": 2},
            {"memberState": "PHL", "status": ["ACCEPTED"], "after": middle},
            {"memberState": "MMR", "status": ["DISPATCHED", "DELIVERED", "DECLINED", "CANCELLED"]},
            {"memberState": "BRN", "status": ["PROPOSED"]},
            {"memberState": "PHL", "status": [], "first": 0},
            {"memberState": "PHL", "status": ["PROPOSED"], "first": -1},
        ],
    }


async def test_the_matches_pages_are_answered_by_their_row_plan_for_every_role(demo: Client) -> None:
    """Each variant the resolver accepts is answered by the row plan itself (each match's request,
    offer, organisation and risk read in its one statement), as the general path answers it for the
    same caller; one it refuses is not; and each way answers the same over HTTP."""
    named = queries()
    ids = await sample_ids(demo, named)
    first = await demo.data(named["Matches"] + "\n", {"first": 5})
    edges = first["matches"]["edges"]
    middle = first["matches"]["pageInfo"]["endCursor"]
    node = edges[0]["node"]
    variants = match_variants(ids["Crisis"], middle, node["request"]["id"], node["offer"]["id"])
    answered, differing = await by_row_plans(demo, variants, ids["Organisation"], over_http=True)
    assert answered == {"secretariat", "coordinator", "donor", "viewer"}
    assert differing == []


async def test_the_matches_pages_show_what_they_are_compared_on(demo: Client) -> None:
    """The data the comparisons above run on has what the plan must get right: offers of an
    organisation and of a member state (no organisation), several statuses, quantities dispatched
    and received, and a risk above the least."""
    named = queries()
    page = await demo.data(named["Matches"] + "\n", {"first": 100})
    nodes = [edge["node"] for edge in page["matches"]["edges"]]
    assert any(node["offer"]["organisation"] for node in nodes)
    assert any(node["offer"]["organisation"] is None for node in nodes)
    assert len({node["status"] for node in nodes}) > 2
    assert any(node["received"] is not None for node in nodes)
    waiting = await demo.data(
        named["WaitingMatches"] + "\n",
        {"memberState": "PHL", "status": ["PROPOSED", "ACCEPTED", "CONFIRMED", "DISPATCHED", "DELIVERED"]},
        as_=demo.coordinator("PHL"),
    )
    risks = {edge["node"]["risk"] for edge in waiting["matches"]["edges"]}
    assert risks - {"MINIMAL"}, risks


def project_variants(crisis: str, middle: str) -> dict[str, list[dict[str, Any]]]:
    """Variables of the projects page: every list of the filter, an area, pages after a cursor,
    empty pages, and arguments the resolver refuses."""
    nowhere = "00000000-0000-4000-8000-000000000000"
    beyond = encode_cursor(10**9)
    return {
        "Projects": [
            {},
            {"first": 100},
            {"first": 2, "after": middle},
            {"filter": {"status": ["IMPLEMENTATION", "SUSPENDED"]}},
            {"filter": {"crisis": [crisis], "memberState": ["PHL", "MMR"]}},
            {"filter": {"sector": ["PB_CAP", "PB_INS", "ERY"], "status": ["PIPELINE"]}},
            {"filter": {"area": "PH"}},
            {"filter": {"area": "ph19", "memberState": ["PHL"]}},
            {"filter": {"area": " MMR012 "}},
            {"filter": {"crisis": [nowhere]}},
            {"first": 0},
            {"after": beyond},
            {"first": 101},
            {"after": "not a cursor"},
            {"filter": {"crisis": ["not an id"]}},
            {"filter": {"area": "PH%"}},
        ],
    }


async def test_the_projects_page_is_answered_by_its_row_plan_for_every_role(demo: Client) -> None:
    """Each variant the resolver accepts is answered by the row plan itself (each project's
    milestones, results, funding and implementers read for the page at once), as the general path
    answers it for the same caller; one it refuses is not; and each way answers the same over
    HTTP."""
    named = queries()
    ids = await sample_ids(demo, named)
    first = await demo.data(named["Projects"] + "\n", {"first": 2})
    middle = first["projects"]["edges"][-1]["cursor"]
    variants = project_variants(ids["Crisis"], middle)
    answered, differing = await by_row_plans(demo, variants, ids["Organisation"], over_http=True)
    assert answered == {"secretariat", "coordinator", "donor", "viewer"}
    assert differing == []


async def test_the_projects_page_shows_what_it_is_compared_on(demo: Client) -> None:
    """The data the comparison above runs on has what the plan must get right: projects with and
    without implementers, milestones achieved and not, results measured and not (a progress and
    none), pledges and allocations (a gap and none), a budget in another currency, several
    statuses, and a filter by area that finds some projects and not others."""
    named = queries()
    page = await demo.data(named["Projects"] + "\n", {"first": 100})
    nodes = [edge["node"] for edge in page["projects"]["edges"]]
    assert any(node["implementingOrganisations"] for node in nodes)
    assert any(not node["implementingOrganisations"] for node in nodes)
    milestones = [m for node in nodes for m in node["milestones"]]
    assert {m["achievedOn"] is None for m in milestones} == {True, False}
    results = [r for node in nodes for r in node["results"]]
    assert {r["progress"] is None for r in results} == {True, False}
    assert any(node["funding"]["allocated"] != "0" and node["funding"]["paid"] != "0" for node in nodes)
    assert {node["funding"]["gap"] == "0" for node in nodes} == {True, False}
    assert any(node["budget"]["currency"] != "USD" for node in nodes)
    assert len({node["status"] for node in nodes}) > 2
    in_area = await demo.data(named["Projects"] + "\n", {"filter": {"area": "ph19"}})
    assert 0 < in_area["projects"]["totalCount"] < page["projects"]["totalCount"]


async def test_the_movement_pages_show_what_they_are_compared_on(demo: Client) -> None:
    """The data the comparisons above run on has what the plan must get right: havens at either
    end, withheld counts, voluntariness, a clearance, a risk above the least, exact areas hidden."""
    named = queries()
    as_viewer = await demo.data(named["StateMovements"] + "\n", {}, as_=demo.bearer(Role.VIEWER))
    as_coordinator = await demo.data(named["StateMovements"] + "\n", {}, as_=demo.coordinator("PHL"))
    viewed = [edge["node"] for edge in as_viewer["movementsConnection"]["edges"]]
    seen = [edge["node"] for edge in as_coordinator["movementsConnection"]["edges"]]
    assert any(node["originSafeHaven"] for node in seen)
    assert any(node["destinationSafeHaven"] for node in seen)
    assert any(node["people"] is None for node in viewed)
    assert any(cell["people"] is None for node in viewed for cell in node["group"])
    assert all(cell["people"] is not None for node in seen for cell in node["group"])
    assert any(node["voluntariness"] for node in seen)
    assert any(node["clearedRisk"] for node in seen)
    assert any(node["risk"] != "MINIMAL" for node in seen)
    assert any(node["destinationAdminCode"] is None for node in seen)
    assert any(node["destinationAdminCode"] is not None for node in seen)
    assert all(node["destinationAdminCode"] is None for node in viewed)


def incident_variants(crisis: str, middle: str) -> dict[str, list[dict[str, Any]]]:
    """Variables of the incident pages: filters, pages after a cursor, empty pages, and arguments
    the resolver refuses."""
    beyond = encode_cursor(10**9)
    return {
        "StateIncidents": [
            {},
            {"memberState": ["PHL"]},
            {"memberState": ["PHL"], "first": 1},
            {"first": 1, "after": middle},
            {"first": 2, "after": middle},
            {"memberState": ["BRN", "MMR"]},
            {"first": 0, "after": beyond},
            {"first": 101},
            {"after": "not a cursor"},
        ],
        "SecurityIncidents": [
            {},
            {"crisis": [crisis]},
            {"crisis": [crisis], "memberState": ["PHL", "MMR"], "first": 1},
            {"crisis": ["not an id"]},
        ],
    }


async def test_the_incident_pages_are_answered_by_their_row_plan_for_every_role(demo: Client) -> None:
    """Each variant the resolver accepts is answered by the row plan itself, the description
    redacted as the policy redacts it, as the general path answers it for the same caller; one it
    refuses is not; and by their hash as by the general path over HTTP."""
    named = queries()
    ids = await sample_ids(demo, named)
    first = await demo.data(named["StateIncidents"] + "\n", {"first": 1})
    middle = first["incidentsConnection"]["pageInfo"]["endCursor"]
    variants = incident_variants(ids["Crisis"], middle)
    answered, differing = await by_row_plans(demo, variants, ids["Organisation"], over_http=True)
    as_viewer = await demo.data(named["StateIncidents"] + "\n", {}, as_=demo.bearer(Role.VIEWER))
    as_coordinator = await demo.data(named["StateIncidents"] + "\n", {}, as_=demo.coordinator("PHL"))

    assert first["incidentsConnection"]["pageInfo"]["hasNextPage"]
    assert answered == {"secretariat", "coordinator", "donor", "viewer"}
    assert differing == []
    viewed = [edge["node"] for edge in as_viewer["incidentsConnection"]["edges"]]
    seen = [edge["node"] for edge in as_coordinator["incidentsConnection"]["edges"]]
    assert viewed
    assert all(node["description"] is None for node in viewed)
    assert any(node["description"] for node in seen if node["adminCode"].startswith("PH"))


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
