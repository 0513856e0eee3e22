"""The GraphQL contract over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from domain.access import Role
from services.api.app import create_app
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import AMEND, CANCEL, GET, GRAPHQL_RESPONSE, LIST, OPEN_CRISIS, POST, Client, serving
from tests.conftest import fixed_today


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


async def test_a_posted_request_reads_back_alone_and_in_the_list(client: Client) -> None:
    posted = await client.post(memberState="TLS", adminCode="TL01", sector="PB_REC", item="PB-DIALOGUE")
    request_id = posted["request"]["id"]

    one = await client.data(GET, {"id": request_id}, after=posted["position"])
    listed = await client.data(LIST, {"filter": {"memberState": "TLS"}}, after=posted["position"])

    assert posted["request"]["status"] == "OPEN"
    assert posted["request"]["sector"] == "PB_REC"
    assert posted["request"]["quantity"] == "500"
    assert one["request"] == {
        "id": request_id,
        "title": posted["request"]["title"],
        "status": "OPEN",
        "priority": 4,
        "version": 1,
    }
    assert listed["requests"]["totalCount"] == 1
    assert listed["requests"]["edges"][0]["node"]["memberState"] == "TLS"


async def test_amend_then_cancel_each_move_the_log_and_the_read_model(client: Client) -> None:
    posted = await client.post()
    request_id = posted["request"]["id"]

    phl = client.coordinator("PHL")
    amended = await client.data(AMEND, {"input": {"id": request_id, "priority": 2}}, as_=phl)
    cancelled = await client.data(CANCEL, {"input": {"id": request_id, "reason": "met locally"}}, as_=phl)
    position = cancelled["cancelRequest"]["position"]
    one = await client.data(GET, {"id": request_id}, after=position)

    assert posted["position"] < amended["amendRequest"]["position"] < position
    assert amended["amendRequest"]["request"]["priority"] == 2
    assert one["request"]["status"] == "CANCELLED"
    assert one["request"]["priority"] == 2
    assert one["request"]["version"] == 3


async def test_the_list_filters_and_pages(client: Client) -> None:
    last = 0
    for index in range(7):
        posted = await client.post(
            priority=1 + index % 5,
            sector="WSH" if index % 2 else "HEA",
            item="WSH-HYGIENE" if index % 2 else "HEA-IEHK",
        )
        last = posted["position"]

    first_page = await client.data(LIST, {"filter": {"sector": ["WSH"]}, "first": 2}, after=last)
    connection = first_page["requests"]
    second_page = await client.data(
        LIST,
        {"filter": {"sector": ["WSH"]}, "first": 2, "after": connection["pageInfo"]["endCursor"]},
    )
    high = await client.data(LIST, {"filter": {"minPriority": 4}})
    exact = await client.data(LIST, {"filter": {"priority": [1, 2]}})

    assert connection["totalCount"] == 3
    assert connection["pageInfo"]["hasNextPage"] is True
    assert second_page["requests"]["pageInfo"]["hasNextPage"] is False
    ids = [e["node"]["id"] for e in connection["edges"] + second_page["requests"]["edges"]]
    assert len(set(ids)) == 3
    assert all(e["node"]["priority"] >= 4 for e in high["requests"]["edges"])
    assert {e["node"]["priority"] for e in exact["requests"]["edges"]} == {1, 2}


async def _error(
    client: Client, query: str, variables: dict[str, Any], as_: dict[str, str] | None = None
) -> tuple[int, Any]:
    response = await client.send(query, variables, as_=as_ or client.coordinator("PHL"))
    return response.status_code, response.json()["errors"][0]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "-5"}, "quantity"),
        ({"neededBy": "2020-01-01"}, "neededBy"),
        ({"title": "x" * 500}, "title"),
        ({"priority": 9}, "priority"),
        ({"adminCode": "VN01"}, "adminCode"),
    ],
)
async def test_bad_input_is_a_bad_user_input_error_and_nothing_is_stored(
    client: Client, overrides: dict[str, Any], field: str
) -> None:
    status, error = await _error(client, POST, {"input": client.request_input(**overrides)})
    listed = await client.data(LIST, {})

    assert status == 200
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert listed["requests"]["totalCount"] == 0


@pytest.mark.parametrize("overrides", [{"memberState": "USA"}, {"sector": "COFFEE"}, {"quantity": "lots"}])
async def test_values_outside_the_code_lists_are_refused_before_execution(
    client: Client, overrides: dict[str, Any]
) -> None:
    status, error = await _error(client, POST, {"input": client.request_input(**overrides)})

    assert status == 400
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_unknown_id_is_not_found_and_a_malformed_one_bad_input(client: Client) -> None:
    _, unknown = await _error(client, GET, {"id": str(uuid.uuid4())})
    _, malformed = await _error(client, GET, {"id": "request-1"})
    _, amend_unknown = await _error(client, AMEND, {"input": {"id": str(uuid.uuid4()), "priority": 1}})

    assert unknown["extensions"]["code"] == "NOT_FOUND"
    assert unknown["path"] == ["request"]
    assert malformed["extensions"]["code"] == "BAD_USER_INPUT"
    assert amend_unknown["extensions"]["code"] == "NOT_FOUND"


async def test_changing_a_cancelled_request_is_a_conflict(client: Client) -> None:
    request_id = (await client.post())["request"]["id"]
    await client.data(CANCEL, {"input": {"id": request_id}}, as_=client.coordinator())

    _, error = await _error(client, AMEND, {"input": {"id": request_id, "priority": 1}})

    assert error["extensions"]["code"] == "CONFLICT"


async def test_a_read_ahead_of_the_projections_times_out_as_stale_read(
    settings: Settings, signer: DevSigner
) -> None:
    """No projection runs here (they are left to another process that is not there), so the read
    models never reach the position of the crisis just opened."""
    settings = settings.model_copy(update={"consistency_timeout": 0.2, "projections": "external"})
    app = create_app(settings, today=fixed_today)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://concord") as http:
            client = Client(http, signer)
            opened = await client.data(
                OPEN_CRISIS, {"i": {"name": "Typhoon", "affectedStates": ["PHL"], "startDate": "2026-11-01"}}
            )
            response = await client.send(LIST, {}, after=opened["openCrisis"]["position"])

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["errors"][0]["extensions"]["code"] == "STALE_READ"


async def test_a_position_beyond_the_head_is_refused_at_once(client: Client) -> None:
    """Positions are given at commit: one beyond the head was never given, so no wait could reach it."""
    head = (await client.post())["position"]

    started = time.monotonic()
    response = await client.send(LIST, {}, after=head + 1000)
    waited = time.monotonic() - started

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "BAD_USER_INPUT"
    assert response.json()["detail"] == (
        f"Concord-Consistent-With: position {head + 1000} is beyond the log's head {head}"
    )
    assert waited < 2  # the settings let a read wait 30 s
    assert (await client.send(LIST, {}, after=head)).status_code == 200


async def test_a_read_after_ones_own_command_needs_no_read_of_the_logs_head(client: Client) -> None:
    """The process knows the positions it committed: read-your-writes costs no extra store read."""
    runtime = client.http._transport.app.state.runtime  # type: ignore[attr-defined]
    # Once the projections have started (their start-up looks at the log's head once, to decide
    # whether to catch up the way a rebuild does), reads are counted.
    await client.send(LIST, {}, after=(await client.post())["position"])
    position = (await client.post())["position"]
    heads_read: list[int] = []
    read_head = runtime.concord.recorder.max_notification_id

    def counted() -> int | None:
        heads_read.append(1)
        return read_head()  # type: ignore[no-any-return]

    runtime.concord.recorder.max_notification_id = counted
    try:
        response = await client.send(LIST, {}, after=position)
    finally:
        del runtime.concord.recorder.max_notification_id

    assert response.status_code == 200
    assert heads_read == []


@pytest.mark.parametrize(
    "sent", ["9223372036854775808", "18446744073709551616", "-1", "+5", "1.5", "9" * 5000]
)
async def test_a_consistent_with_that_is_no_position_is_bad_input(client: Client, sent: str) -> None:
    response = await client.http.post(
        "/graphql",
        json={"query": LIST},
        headers={"Accept": GRAPHQL_RESPONSE, "Concord-Consistent-With": sent, **client.bearer()},
    )

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "BAD_USER_INPUT"


async def test_a_cursor_beyond_the_positions_range_is_bad_input(client: Client) -> None:
    cursor = base64.urlsafe_b64encode(b"position:9223372036854775808").decode()

    body = (await client.send(LIST, {"after": cursor})).json()

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b"{not json", {"content-type": "application/json"}, 400),
        (b"[1, 2]", {"content-type": "application/json"}, 400),
        (b'{"query": 42}', {"content-type": "application/json"}, 400),
        (b'{"query": "{ requests { totalCount } }"}', {"content-type": "text/plain"}, 415),
        (b'{"query": "' + b" " * 2_000_000 + b'"}', {"content-type": "application/json"}, 413),
        (
            b'{"query": "{ requests { totalCount } }"}',
            {"content-type": "application/json", "accept": "text/csv"},
            406,
        ),
    ],
)
async def test_malformed_http_requests_get_problem_details(
    client: Client, content: bytes, headers: dict[str, str], status: int
) -> None:
    response = await client.http.post("/graphql", content=content, headers={**headers, **client.bearer()})

    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == status


async def test_graphql_over_http_status_codes_and_media_types(client: Client) -> None:
    """Per the GraphQL-over-HTTP spec: 400 for request errors with graphql-response+json only."""
    bad_document = {"query": "{ requests { nope } }"}
    auth = client.bearer()
    as_response = await client.http.post(
        "/graphql", json=bad_document, headers={"accept": GRAPHQL_RESPONSE, **auth}
    )
    as_json = await client.http.post(
        "/graphql", json=bad_document, headers={"accept": "application/json", **auth}
    )
    via_get = await client.http.get("/graphql", params={"query": "{ requests { totalCount } }"}, headers=auth)
    mutation_via_get = await client.http.get(
        "/graphql",
        params={"query": 'mutation { cancelRequest(input: {id: "x"}) { position } }'},
        headers=auth,
    )
    ide = await client.http.get("/graphql", headers={"accept": "text/html"})

    assert as_response.status_code == 400
    assert as_response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert as_response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "data" not in as_response.json()
    assert as_json.status_code == 200
    assert as_json.headers["content-type"].startswith("application/json")
    assert via_get.json() == {"data": {"requests": {"totalCount": 0}}}
    assert mutation_via_get.status_code == 405
    assert ide.status_code == 200
    assert "graphiql" in ide.text.lower()


HISTORY = """query($id: ID!, $asOf: DateTime, $first: Int! = 100, $after: String) {
  request(id: $id, asOf: $asOf) {
    priority status version
    history(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node {
        event version at actor { principal role scope memberState correlationId idempotencyKey }
        changes { field before after }
      } }
    }
  }
}"""


async def test_history_says_who_changed_what_and_as_of_shows_the_past(client: Client) -> None:
    phl = {**client.coordinator("PHL"), "X-Correlation-ID": "incident-42"}
    posted = await client.data(POST, {"input": client.request_input(priority=2)}, as_=phl)
    request_id = posted["postRequest"]["request"]["id"]
    amended = await client.data(
        AMEND, {"input": {"id": request_id, "priority": 5, "idempotencyKey": "raise-1"}}, as_=phl
    )
    position = amended["amendRequest"]["position"]

    now = await client.data(HISTORY, {"id": request_id}, as_=phl, after=position)
    first_page = await client.data(HISTORY, {"id": request_id, "first": 1}, as_=phl)
    cursor = first_page["request"]["history"]["pageInfo"]["endCursor"]
    second_page = await client.data(HISTORY, {"id": request_id, "first": 1, "after": cursor}, as_=phl)
    first_at = now["request"]["history"]["edges"][0]["node"]["at"]
    then = await client.data(HISTORY, {"id": request_id, "asOf": first_at}, as_=phl)
    before_it_existed = await client.send(
        HISTORY, {"id": request_id, "asOf": "2020-01-01T00:00:00Z"}, as_=phl
    )

    history = [edge["node"] for edge in now["request"]["history"]["edges"]]
    assert now["request"]["history"]["totalCount"] == 2
    assert [h["event"] for h in history] == ["Posted", "Amended"]
    pages = [first_page["request"]["history"], second_page["request"]["history"]]
    assert [[edge["node"] for edge in page["edges"]] for page in pages] == [history[:1], history[1:]]
    assert [page["pageInfo"]["hasNextPage"] for page in pages] == [True, False]
    assert history[0]["actor"]["principal"] == "coordinator-PHL@test"
    assert history[0]["actor"]["correlationId"] == "incident-42"
    assert history[1]["actor"]["idempotencyKey"] == "raise-1"
    assert history[1]["changes"] == [{"field": "priority", "before": "2", "after": "5"}]
    assert then["request"]["priority"] == 2
    assert then["request"]["version"] == 1
    assert before_it_existed.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


REGISTER = """mutation($i: RegisterOrganisationInput!) {
  registerOrganisation(input: $i) { position organisation { id name type hxlName memberState suspended } }
}"""


async def test_organisations_are_registered_listed_and_suspended(client: Client) -> None:
    registered = await client.data(
        REGISTER,
        {
            "i": {
                "name": "Department of Social Welfare and Development",
                "type": "MEMBER_STATE_GOVERNMENT",
                "memberState": "PHL",
                "hxlName": "DSWD",
            }
        },
    )
    organisation = registered["registerOrganisation"]["organisation"]
    staff = client.bearer(Role.COORDINATOR, "PHL", org=uuid.UUID(organisation["id"]))
    await client.post()  # the plain coordinator
    allowed = await client.send(POST, {"input": client.request_input()}, as_=staff)

    suspended = await client.data(
        "mutation($i: SuspendOrganisationInput!) { suspendOrganisation(input: $i) { position } }",
        {"i": {"id": organisation["id"], "reason": "audit"}},
    )
    refused = await client.send(POST, {"input": client.request_input()}, as_=staff)
    still_reads = await client.send("{ me { role organisationId } }", as_=staff)
    listed = await client.data(
        "{ organisations { totalCount edges { node { name hxlName suspended } } } }",
        after=suspended["suspendOrganisation"]["position"],
    )

    assert organisation["hxlName"] == "DSWD"
    assert organisation["memberState"] == "PHL"
    assert "errors" not in allowed.json()
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "suspended" in refused.json()["errors"][0]["message"]
    assert still_reads.json()["data"]["me"]["organisationId"] == organisation["id"]
    assert listed["organisations"]["edges"] == [
        {"node": {"name": organisation["name"], "hxlName": "DSWD", "suspended": True}}
    ]


async def test_a_requests_connection_queries_only_what_was_asked_for(client: Client) -> None:
    """A count alone runs no page query, a page alone no count; fragments count as asked."""
    for _ in range(3):
        position = (await client.post())["position"]
    await client.data(LIST, {}, after=position)  # every projection has passed the posts
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "assistance_requests" in statement:
            statements.append("count" if "count(" in statement.lower() else "page")

    asked = {
        "count": "{ requests(first: 2) { totalCount } }",
        "page": "{ requests(first: 2) { edges { node { id } } pageInfo { hasNextPage } } }",
        "both": """query { requests(first: 2) { ...Total } }
            fragment Total on AssistanceRequestConnection {
              totalCount ... on AssistanceRequestConnection { edges { cursor } } }""",
    }
    answers, ran = {}, {}
    event.listen(Engine, "before_cursor_execute", seen)
    try:
        for name, query in asked.items():
            answers[name] = (await client.data(query))["requests"]
            ran[name], statements[:] = sorted(statements), []
    finally:
        event.remove(Engine, "before_cursor_execute", seen)

    assert ran == {"count": ["count"], "page": ["page"], "both": ["count", "page"]}
    assert answers["count"] == {"totalCount": 3}
    assert len(answers["page"]["edges"]) == 2
    assert answers["page"]["pageInfo"] == {"hasNextPage": True}
    assert answers["both"]["totalCount"] == 3
    assert len(answers["both"]["edges"]) == 2
