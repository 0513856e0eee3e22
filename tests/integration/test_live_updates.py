"""Live updates over WebSocket (graphql-transport-ws): who may connect, and what a subscriber hears."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from domain.access import Role
from domain.codes import MemberState
from services.api.app import create_app
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.conftest import fixed_today
from tests.factories import post_request_input

PROTOCOL = ["graphql-transport-ws"]
CHANGES = "subscription Changes { changes { position } }"
OPEN_CRISIS = "mutation($i: OpenCrisisInput!) { openCrisis(input: $i) { position crisis { id } } }"
POST = "mutation($i: PostRequestInput!) { postRequest(input: $i) { position request { id } } }"
COUNT = "query($c: [ID!]) { requests(filter: {crisis: $c}) { totalCount } }"


@pytest.fixture
def http(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, today=fixed_today)) as client:
        yield client


def token(signer: DevSigner, role: Role, state: str | None = None) -> str:
    member_state = MemberState(state) if state else None
    return signer.issue(subject=f"{role.value}@test", role=role, member_state=member_state)


def graphql(http: TestClient, query: str, variables: dict[str, Any], bearer: str) -> Any:
    headers = {"Authorization": f"Bearer {bearer}"}
    body = http.post("/graphql", json={"query": query, "variables": variables}, headers=headers).json()
    assert "errors" not in body, body
    return body["data"]


def connected(ws: Any, bearer: str) -> None:
    ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {bearer}"}})
    assert ws.receive_json() == {"type": "connection_ack"}


def test_a_subscriber_hears_of_a_new_request_when_queries_already_see_it(
    http: TestClient, signer: DevSigner
) -> None:
    secretariat = token(signer, Role.SECRETARIAT)
    viewer = token(signer, Role.VIEWER)
    crisis = graphql(
        http,
        OPEN_CRISIS,
        {"i": {"name": "Marawi", "affectedStates": ["PHL"], "startDate": "2026-11-01"}},
        secretariat,
    )["openCrisis"]
    with http.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connected(ws, viewer)
        ws.send_json({"type": "subscribe", "id": "live", "payload": {"query": CHANGES}})
        first = ws.receive_json()
        posted = graphql(
            http,
            POST,
            {"i": post_request_input(crisisId=crisis["crisis"]["id"])},
            token(signer, Role.COORDINATOR, "PHL"),
        )["postRequest"]

        heard = ws.receive_json()
        while heard["payload"]["data"]["changes"]["position"] < posted["position"]:
            heard = ws.receive_json()  # the crisis's own announcement may come first
        seen = graphql(http, COUNT, {"c": [crisis["crisis"]["id"]]}, viewer)  # no read-your-writes header

    assert first["type"] == "next"
    assert first["payload"]["data"]["changes"]["position"] <= crisis["position"]
    assert heard["id"] == "live"
    assert seen["requests"]["totalCount"] == 1


def test_the_connection_authenticates_with_the_same_credentials_as_http(
    http: TestClient, signer: DevSigner
) -> None:
    with http.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": CHANGES}})
        with pytest.raises(WebSocketDisconnect) as before_init:
            ws.receive_json()
    with http.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer forged"}})
        with pytest.raises(WebSocketDisconnect) as forged:
            ws.receive_json()
    with http.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        ws.send_json({"type": "connection_init", "payload": {"token": token(signer, Role.VIEWER)}})
        bare_token = ws.receive_json()

    assert before_init.value.code == 4401
    assert forged.value.code == 4403
    assert bare_token == {"type": "connection_ack"}


def test_a_flood_of_forged_connections_is_slowed_down(settings: Settings, signer: DevSigner) -> None:
    settings = settings.model_copy(update={"rate_limit_failed_auth_burst": 2})
    codes = []
    with TestClient(create_app(settings, today=fixed_today)) as http:
        for _ in range(3):
            with http.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
                ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer forged"}})
                with pytest.raises(WebSocketDisconnect) as closed:
                    ws.receive_json()
                codes.append(closed.value.code)
        with http.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
            ws.send_json({"type": "connection_init", "payload": {"token": token(signer, Role.VIEWER)}})
            valid = ws.receive_json()

    assert codes == [4403, 4403, 4429]
    assert valid == {"type": "connection_ack"}


def test_the_protocol_ping_queries_and_refusals(http: TestClient, signer: DevSigner) -> None:
    with http.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connected(ws, token(signer, Role.VIEWER))
        ws.send_json({"type": "ping"})
        pong = ws.receive_json()
        ws.send_json({"type": "subscribe", "id": "q", "payload": {"query": "{ me { role } }"}})
        answered, completed = ws.receive_json(), ws.receive_json()
        ws.send_json({"type": "subscribe", "id": "m", "payload": {"query": "mutation { closeCrisis }"}})
        refused = ws.receive_json()
        ws.send_json({"type": "subscribe", "id": "s", "payload": {"query": CHANGES}})
        ws.receive_json()
        ws.send_json({"type": "subscribe", "id": "s", "payload": {"query": CHANGES}})
        with pytest.raises(WebSocketDisconnect) as duplicate:
            ws.receive_json()

    assert pong == {"type": "pong"}
    assert answered == {"id": "q", "type": "next", "payload": {"data": {"me": {"role": "VIEWER"}}}}
    assert completed == {"id": "q", "type": "complete"}
    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert duplicate.value.code == 4409


def test_a_client_without_the_subprotocol_is_turned_away(http: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect), http.websocket_connect("/graphql") as ws:
        ws.receive_json()
