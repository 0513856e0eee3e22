"""Access over GraphQL: the policy table is complete, and every role, operation and owner holds."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import WebSocketRoute

from domain.access import Role
from projections.assistance_requests import queries as request_queries
from services.api.app import create_app
from services.api.schema import schema
from services.identity.policy import GUARDED_FIELDS, POLICY, PUBLIC, Scope
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import POST, Client, serving
from tests.conftest import migrated_sqlite

REGISTER = """mutation($i: RegisterOrganisationInput!) {
  registerOrganisation(input: $i) { position organisation { id name suspended } } }"""
SUSPEND = "mutation($i: SuspendOrganisationInput!) { suspendOrganisation(input: $i) { position } }"
REINSTATE = "mutation($i: ReinstateOrganisationInput!) { reinstateOrganisation(input: $i) { position } }"
AMEND = "mutation($i: AmendRequestInput!) { amendRequest(input: $i) { position } }"
CANCEL = "mutation($i: CancelRequestInput!) { cancelRequest(input: $i) { position } }"
HISTORY = (
    "query($id: ID!) { request(id: $id) { id history { edges { node { event actor { principal role } } } } }"
    " }"
)


def test_every_graphql_operation_and_route_has_a_policy_entry() -> None:
    graphql_schema = schema._schema
    operations = {f"query.{name}" for name in graphql_schema.query_type.fields}  # type: ignore[union-attr]
    operations |= {f"mutation.{name}" for name in graphql_schema.mutation_type.fields}  # type: ignore[union-attr]
    operations |= {f"subscription.{name}" for name in graphql_schema.subscription_type.fields}  # type: ignore[union-attr]
    app = create_app(Settings())
    openapi_paths = app.openapi()["paths"]
    routes = {f"{method.upper()} {path}" for path, methods in openapi_paths.items() for method in methods}
    routes |= {
        f"{method} {route.path}"  # routes left out of OpenAPI, such as /graphql
        for route in app.routes
        if hasattr(route, "path") and not route.path.startswith(("/docs", "/redoc", "/openapi"))
        for method in (getattr(route, "methods", None) or set()) - {"HEAD"}
    }
    routes |= {f"WEBSOCKET {route.path}" for route in app.routes if isinstance(route, WebSocketRoute)}

    missing = sorted((operations | routes) - POLICY.keys())
    stale = sorted(POLICY.keys() - operations - routes - GUARDED_FIELDS)

    assert missing == [], f"operations without an access policy: {missing}"
    assert stale == [], f"policy entries for operations that do not exist: {stale}"
    for field in GUARDED_FIELDS:
        type_name, field_name = field.split(".")
        assert field_name in graphql_schema.type_map[type_name].fields  # type: ignore[union-attr]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    settings = Settings(data_dir=tmp_path / "var")
    migrated_sqlite(settings.data_dir)
    async for running in serving(settings, DevSigner(settings.data_dir, settings.auth_audience)):
        yield running


@dataclass
class World:
    """Objects a case acts on, made fresh for each case by those allowed to make them."""

    client: Client
    donor_org: str
    role: Role

    def me(self) -> dict[str, str]:
        """The very principal under test (the same subject), for what it makes itself."""
        return self.client.bearer(
            self.role,
            state="PHL" if self.role is Role.COORDINATOR else None,
            org=uuid.UUID(self.donor_org) if self.role is Role.DONOR else None,
        )

    def mine(self) -> dict[str, str]:
        """Credentials of the party the principal under test belongs to (its state or its org)."""
        if self.role is Role.COORDINATOR:
            return self.client.coordinator("PHL")
        return self.client.bearer(Role.DONOR, org=uuid.UUID(self.donor_org))

    async def offer_by(self, party: str) -> str:
        """An offer of the principal's own party, or of another (Thailand's)."""
        auth = self.mine() if party == "own" else self.client.coordinator("THA")
        values = {
            "crisisId": self.client.crisis_id, "sector": "SHL", "item": "SHL-TARP", "quantity": "50",
            "unit": "piece", "availableFrom": "2026-11-20", "availableUntil": "2027-03-31",
            "serves": ["PHL", "THA"], "deliveryMode": "IN_KIND",
        }  # fmt: skip
        data = await self.client.data(POST_OFFER, {"i": values}, as_=auth)
        return str(data["postOffer"]["offer"]["id"])

    async def match(self, request_state: str, offer_party: str, *, accepted: bool = False) -> str:
        request_id, _ = await self.request_of(request_state)
        offer_id = await self.offer_by(offer_party)
        data = await self.client.data(
            PROPOSE, {"i": {"requestId": request_id, "offerId": offer_id, "quantity": "5"}}
        )
        match_id = str(data["proposeMatch"]["match"]["id"])
        if accepted:
            await self.client.data(
                STEP_ACCEPT, {"i": {"id": match_id}}, as_=self.client.coordinator(request_state)
            )
        return match_id

    async def request_of(self, state: str) -> tuple[str, int]:
        posted = await self.client.post(memberState=state, adminCode=f"{_iso2(state)}15")
        return str(posted["request"]["id"]), int(posted["position"])

    async def organisation(self) -> str:
        data = await self.client.data(
            REGISTER, {"i": {"name": f"Relief {uuid.uuid4().hex[:6]}", "type": "NGO"}}
        )
        return str(data["registerOrganisation"]["organisation"]["id"])


def _iso2(state: str) -> str:
    return {"PHL": "PH", "THA": "TH"}[state]


Prepared = tuple[str, dict[str, Any], int | None]  # document, variables, position to read at
Prepare = Callable[[World], Awaitable[Prepared]]


def _post(state: str) -> Prepare:
    async def prepare(world: World) -> Prepared:
        return (
            POST,
            {"input": world.client.request_input(memberState=state, adminCode=f"{_iso2(state)}15")},
            None,
        )

    return prepare


def _on_request(state: str, document: str, **extra: Any) -> Prepare:
    async def prepare(world: World) -> Prepared:
        request_id, position = await world.request_of(state)
        if document.startswith("mutation"):
            return document, {"i": {"id": request_id, **extra}}, None
        return document, {"id": request_id}, position

    return prepare


def _on_organisation(document: str) -> Prepare:
    async def prepare(world: World) -> Prepared:
        organisation = await world.organisation()
        if document is REINSTATE:
            await world.client.data(SUSPEND, {"i": {"id": organisation}})
        return document, {"i": {"id": organisation}}, None

    return prepare


def _plain(document: str, variables: dict[str, Any] | None = None) -> Prepare:
    async def prepare(_world: World) -> Prepared:
        return document, variables or {}, None

    return prepare


def _on_offer(party: str, document: str) -> Prepare:
    async def prepare(world: World) -> Prepared:
        return document, {"i": {"id": await world.offer_by(party)}}, None

    return prepare


def _propose(party: str) -> Prepare:
    async def prepare(world: World) -> Prepared:
        request_id, _ = await world.request_of("PHL")
        offer_id = await world.offer_by(party)
        return PROPOSE, {"i": {"requestId": request_id, "offerId": offer_id, "quantity": "5"}}, None

    return prepare


def _on_match(request_state: str, offer_party: str, document: str, *, accepted: bool = False) -> Prepare:
    async def prepare(world: World) -> Prepared:
        match_id = await world.match(request_state, offer_party, accepted=accepted)
        return document, {"i": {"id": match_id}}, None

    return prepare


def _on_key(issuer: str) -> Prepare:
    """An API key issued by the principal under test, or by another state's coordinator."""

    async def prepare(world: World) -> Prepared:
        auth = world.me() if issuer == "own" else world.client.coordinator("THA")
        issued = await world.client.data(ISSUE_KEY, {"i": {"name": "feed"}}, as_=auth)
        return REVOKE_KEY, {"i": {"id": issued["issueApiKey"]["apiKey"]["id"]}}, None

    return prepare


def _on_crisis(document: str) -> Prepare:
    async def prepare(world: World) -> Prepared:
        crisis_id = await world.client.open_crisis(name=f"Crisis {uuid.uuid4().hex[:6]}")
        return document, {"i": {"id": crisis_id}}, None

    return prepare


OPEN = "mutation($i: OpenCrisisInput!) { openCrisis(input: $i) { position } }"
CLOSE = "mutation($i: CloseCrisisInput!) { closeCrisis(input: $i) { position } }"
POST_OFFER = "mutation($i: PostOfferInput!) { postOffer(input: $i) { position offer { id } } }"
WITHDRAW = "mutation($i: WithdrawOfferInput!) { withdrawOffer(input: $i) { position } }"
PROPOSE = "mutation($i: ProposeMatchInput!) { proposeMatch(input: $i) { position match { id } } }"
STEP_ACCEPT = "mutation($i: AcceptMatchInput!) { acceptMatch(input: $i) { position } }"
CONFIRM = "mutation($i: MatchStepInput!) { confirmMatch(input: $i) { position } }"
CANCEL_MATCH = "mutation($i: EndMatchInput!) { cancelMatch(input: $i) { position } }"
ONE = "query($id: ID!) { request(id: $id) { id } }"
SUGGEST = "query($id: ID!) { matchSuggestions(requestId: $id) { score } }"
ROUND = "mutation($i: RunAllocationRoundInput!) { runAllocationRound(input: $i) { position } }"
ISSUE_KEY = "mutation($i: IssueApiKeyInput!) { issueApiKey(input: $i) { apiKey { id } } }"
REVOKE_KEY = "mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { position } }"
CASES: list[tuple[str, str | None, Prepare]] = [
    ("mutation.postRequest", "own", _post("PHL")),
    ("mutation.postRequest", "foreign", _post("THA")),
    ("mutation.amendRequest", "own", _on_request("PHL", AMEND, priority=1)),
    ("mutation.amendRequest", "foreign", _on_request("THA", AMEND, priority=1)),
    ("mutation.cancelRequest", "own", _on_request("PHL", CANCEL)),
    ("mutation.cancelRequest", "foreign", _on_request("THA", CANCEL)),
    ("AssistanceRequest.history", "own", _on_request("PHL", HISTORY)),
    ("AssistanceRequest.history", "foreign", _on_request("THA", HISTORY)),
    ("mutation.registerOrganisation", None, _plain(REGISTER, {"i": {"name": "Acme Aid", "type": "NGO"}})),
    ("mutation.suspendOrganisation", None, _on_organisation(SUSPEND)),
    ("mutation.reinstateOrganisation", None, _on_organisation(REINSTATE)),
    ("query.request", "foreign", _on_request("THA", ONE)),
    ("query.requests", None, _plain("{ requests { totalCount } }")),
    ("query.organisations", None, _plain("{ organisations { totalCount } }")),
    ("query.me", None, _plain("{ me { role } }")),
    (
        "mutation.openCrisis",
        None,
        _plain(OPEN, {"i": {"name": "Floods", "affectedStates": ["KHM"], "startDate": "2026-11-02"}}),
    ),
    ("mutation.closeCrisis", None, _on_crisis(CLOSE)),
    ("mutation.withdrawOffer", "own", _on_offer("own", WITHDRAW)),
    ("mutation.withdrawOffer", "foreign", _on_offer("foreign", WITHDRAW)),
    ("mutation.proposeMatch", "own", _propose("own")),
    ("mutation.proposeMatch", "foreign", _propose("foreign")),
    ("mutation.acceptMatch", "own", _on_match("PHL", "foreign", STEP_ACCEPT)),
    ("mutation.acceptMatch", "foreign", _on_match("THA", "foreign", STEP_ACCEPT)),
    ("mutation.confirmMatch", "own", _on_match("PHL", "own", CONFIRM, accepted=True)),
    ("mutation.confirmMatch", "foreign", _on_match("PHL", "foreign", CONFIRM, accepted=True)),
    ("mutation.cancelMatch", "own", _on_match("THA", "own", CANCEL_MATCH)),
    ("mutation.cancelMatch", "foreign", _on_match("THA", "foreign", CANCEL_MATCH)),
    ("query.crises", None, _plain("{ crises { id } }")),
    ("query.items", None, _plain("{ items { code } }")),
    ("query.adminAreas", None, _plain("{ adminAreas(memberState: PHL) { code } }")),
    ("query.offers", None, _plain("{ offers { totalCount } }")),
    ("query.matches", None, _plain("{ matches { totalCount } }")),
    ("query.coverage", None, _plain("{ coverage { requests } }")),
    ("query.matchSuggestions", "own", _on_request("PHL", SUGGEST)),
    ("query.needSuggestions", None, _plain("{ needSuggestions { score } }")),
    ("mutation.runAllocationRound", None, _plain(ROUND, {"i": {}})),
    ("mutation.issueApiKey", None, _plain(ISSUE_KEY, {"i": {"name": "feed"}})),
    ("mutation.revokeApiKey", "own", _on_key("own")),
    ("mutation.revokeApiKey", "foreign", _on_key("foreign")),
    ("query.apiKeys", None, _plain("{ apiKeys { totalCount } }")),
    ("query.allocationRounds", None, _plain("{ allocationRounds { totalCount } }")),
]


def expected(role: Role, operation: str, owner: str | None) -> bool:
    rule = POLICY[operation]
    assert rule != PUBLIC
    assert not isinstance(rule, str)
    scope = rule.get(role)
    if scope is None:
        return False
    return not (scope in (Scope.OWN_STATE, Scope.OWN_ORGANISATION, Scope.OWN) and owner == "foreign")


def _codes(body: dict[str, Any]) -> set[str]:
    return {e.get("extensions", {}).get("code") for e in body.get("errors", [])}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
async def test_the_whole_matrix_of_roles_operations_and_owners(client: Client, role: Role) -> None:
    donor_org = (await client.data(REGISTER, {"i": {"name": "Japan Platform", "type": "NGO"}}))[
        "registerOrganisation"
    ]["organisation"]["id"]
    world = World(client, donor_org, role)
    auth = world.me()
    wrong = []
    runtime_recorder = client.http._transport.app.state.runtime.concord.recorder  # type: ignore[attr-defined]
    for operation, owner, prepare in CASES:
        document, variables, position = await prepare(world)
        before = await asyncio.to_thread(runtime_recorder.max_notification_id)
        body = (await client.send(document, variables, as_=auth, after=position)).json()
        after = await asyncio.to_thread(runtime_recorder.max_notification_id)
        allowed = expected(role, operation, owner)
        denied = "FORBIDDEN" in _codes(body)
        if allowed == denied or (allowed and _codes(body)):
            wrong.append((operation, owner, "allowed" if allowed else "denied", body))
        if denied and operation.startswith("mutation.") and after != before:
            wrong.append((operation, owner, "denied but stored", after - before))

    assert wrong == []


async def test_fifty_concurrent_identical_commands_record_one_request(
    settings: Settings, signer: DevSigner
) -> None:
    async for client in serving(settings, signer):
        headers = {**client.coordinator("PHL"), "Idempotency-Key": "tarpaulins-2026-11-28"}
        variables = {"input": client.request_input()}
        responses = await asyncio.gather(
            *(
                client.http.post("/graphql", json={"query": POST, "variables": variables}, headers=headers)
                for _ in range(50)
            )
        )
        bodies = [r.json() for r in responses]
        page = await request_queries.list_requests(
            client.http._transport.app.state.runtime.read_engine,  # type: ignore[attr-defined]
            request_queries.RequestFilter(),
            first=100,
            after=None,
        )
        concord = client.http._transport.app.state.runtime.concord  # type: ignore[attr-defined]
        last = await asyncio.to_thread(concord.recorder.max_notification_id)
        await client.data("{ requests { totalCount } }", after=last)
        page = await request_queries.list_requests(
            client.http._transport.app.state.runtime.read_engine,  # type: ignore[attr-defined]
            request_queries.RequestFilter(),
            first=100,
            after=None,
        )

    ids = {b["data"]["postRequest"]["request"]["id"] for b in bodies if "errors" not in b}
    refused = [b for b in bodies if "errors" in b]
    assert len(ids) == 1
    assert all(_codes(b) == {"CONFLICT"} for b in refused)
    assert page.total_count == 1


async def test_the_same_key_with_another_payload_is_refused_over_graphql(client: Client) -> None:
    headers = client.coordinator("PHL")
    first = await client.data(POST, {"input": client.request_input(idempotencyKey="k-7")}, as_=headers)
    again = await client.data(POST, {"input": client.request_input(idempotencyKey="k-7")}, as_=headers)
    other = await client.send(
        POST, {"input": client.request_input(idempotencyKey="k-7", priority=1)}, as_=headers
    )

    assert again["postRequest"]["request"]["id"] == first["postRequest"]["request"]["id"]
    assert _codes(other.json()) == {"IDEMPOTENCY_KEY_REUSED"}
