"""GraphQL hardening: each limit refuses before any resolver (or database query) runs."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from graphql import parse, validate

from domain.access import Role
from projections.assistance_requests import queries as request_queries
from projections.organisations import queries as organisation_queries
from services.api.schema import _LIMIT_RULES, MAX_DEPTH, schema
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, doubling_fragments, serving
from tests.conftest import migrated_sqlite


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every read-model query the resolvers make."""
    seen: list[str] = []
    for queries, name in (
        (request_queries, "list_requests"),
        (request_queries, "get_request"),
        (organisation_queries, "list_organisations"),
    ):
        original = getattr(queries, name)

        async def spy(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            seen.append(_name)
            return await _original(*args, **kwargs)

        monkeypatch.setattr(queries, name, spy)
    return seen


async def _client(tmp_path: Path, **settings: Any) -> AsyncIterator[Client]:
    configured = Settings(data_dir=tmp_path / "var", **settings)
    migrated_sqlite(configured.data_dir)
    signer = DevSigner(configured.data_dir, configured.auth_audience)
    async for client in serving(configured, signer, with_crisis=not configured.is_production):
        yield client


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    async for running in _client(tmp_path):
        yield running


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_the_spy_sees_a_query_that_is_allowed(client: Client, calls: list[str]) -> None:
    await client.data("{ requests { totalCount } }")

    assert calls == ["list_requests"]


async def test_too_many_aliases_even_through_fragments(client: Client, calls: list[str]) -> None:
    aliases = " ".join(f"a{i}: requests {{ totalCount }}" for i in range(31))
    document = f"query {{ ...Many }} fragment Many on Query {{ {aliases} }}"

    response = await client.send(document)

    assert response.status_code == 400
    assert _codes(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]
    assert calls == []


async def test_an_exponential_fragment_expansion_is_refused(client: Client, calls: list[str]) -> None:
    response = await client.send(doubling_fragments(21))

    assert response.status_code == 400
    assert _codes(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "once its fragments are expanded" in response.json()["errors"][0]["message"]
    assert calls == []


async def ordinary_request(client: Client) -> tuple[int, float]:
    """Another caller's plain read: its status and how long it took."""
    started = time.perf_counter()
    response = await client.send("{ requests { totalCount } }", as_=client.bearer(subject="other"))
    return response.status_code, time.perf_counter() - started


async def alone(client: Client) -> float:
    """How long the plain read takes on this machine just now, with nothing else asked."""
    return min([(await ordinary_request(client))[1] for _ in range(3)])


async def test_another_caller_is_answered_while_a_costly_query_is_refused(client: Client) -> None:
    baseline = await alone(client)

    refused, (status, waited) = await asyncio.gather(
        client.send(doubling_fragments(21)), ordinary_request(client)
    )

    assert _codes(refused.json()) == ["GRAPHQL_VALIDATION_FAILED"]
    assert status == 200
    # Measured against the same read alone, in the same run: expanding the hostile document used
    # to hold every caller for seconds (5.7 s at 2^20 spreads).
    assert waited < 5 * baseline + 0.5


async def test_fragments_spread_side_by_side_are_refused_without_delaying_another_caller(
    client: Client,
) -> None:
    """Within every limit, 300 fragments that each select ``me`` took seconds to validate."""
    definitions = " ".join(f"fragment S{i} on Query {{ me {{ role }} }}" for i in range(300))
    spreads = " ".join(f"...S{i}" for i in range(300))
    baseline = await alone(client)

    refused, (status, waited) = await asyncio.gather(
        client.send(f"query Q {{ {spreads} }} {definitions}"), ordinary_request(client)
    )

    assert refused.status_code == 400
    assert _codes(refused.json()) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "can be merged" in refused.json()["errors"][0]["message"]
    assert status == 200
    assert waited < 5 * baseline + 0.5  # the stock rule held every caller for 0.3-1.3 s, more under load


def test_the_installed_depth_rule_refuses_depth_eleven() -> None:
    """Today's schema nests at most six deep, so the rule is checked on its own: it guards the
    deeper types to come (requests → matches → offers → organisations …)."""
    deep = "{ " + "".join(f"f{i} {{ " for i in range(MAX_DEPTH + 1)) + "leaf" + " }" * (MAX_DEPTH + 2)
    legit = "{ " + "".join(f"f{i} {{ " for i in range(MAX_DEPTH - 1)) + "leaf" + " }" * MAX_DEPTH

    refused = validate(schema._schema, parse(deep), rules=_LIMIT_RULES)
    allowed = validate(schema._schema, parse(legit), rules=_LIMIT_RULES)

    assert [e.message for e in refused] == [f"'anonymous' exceeds maximum operation depth of {MAX_DEPTH}"]
    assert allowed == []


async def test_too_many_tokens(client: Client, calls: list[str]) -> None:
    document = "{ " + " ".join(["requests { totalCount }"] * 1000) + " }"

    response = await client.send(document)

    assert response.status_code == 400
    assert calls == []


async def test_a_page_too_large_never_reaches_the_database(client: Client, calls: list[str]) -> None:
    body = (await client.send("{ requests(first: 101) { totalCount } }")).json()

    assert _codes(body) == ["BAD_USER_INPUT"]
    assert calls == []


async def test_batches_are_refused(client: Client, calls: list[str]) -> None:
    batch = [{"query": "{ requests { totalCount } }"}] * 2

    response = await client.http.post("/graphql", json=batch, headers=client.bearer())

    assert response.status_code == 400
    assert calls == []


async def test_a_body_over_the_limit_is_refused(client: Client, calls: list[str]) -> None:
    document = "{ requests { totalCount } }" + " " * (1024 * 1024)

    response = await client.send(document)

    assert response.status_code == 413
    assert calls == []


async def test_no_credentials_no_resolver(client: Client, calls: list[str]) -> None:
    response = await client.send("{ requests { totalCount } }", as_={})

    assert response.status_code == 401
    assert _codes(response.json()) == ["UNAUTHENTICATED"]
    assert calls == []


async def test_a_principal_over_its_rate_is_told_to_slow_down(tmp_path: Path, calls: list[str]) -> None:
    async for client in _client(tmp_path, rate_limit_burst=3, rate_limit_per_minute=60):
        auth = client.bearer(subject="eager-dashboard")
        statuses = [
            (await client.send("{ requests { totalCount } }", as_=auth)).status_code for _ in range(3)
        ]
        limited = await client.send("{ requests { totalCount } }", as_=auth)
        someone_else = await client.send("{ requests { totalCount } }", as_=client.bearer(subject="other"))

    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert _codes(limited.json()) == ["RATE_LIMITED"]
    assert someone_else.status_code == 200
    assert calls == ["list_requests"] * 4


async def test_donors_sharing_a_subject_do_not_share_a_bucket(tmp_path: Path) -> None:
    async for client in _client(tmp_path, rate_limit_burst=2, rate_limit_per_minute=60):
        first = client.bearer(Role.DONOR, org=uuid.uuid4(), subject="kenji")
        second = client.bearer(Role.DONOR, org=uuid.uuid4(), subject="kenji")
        spent = [(await client.send("{ requests { totalCount } }", as_=first)).status_code for _ in range(3)]
        other = await client.send("{ requests { totalCount } }", as_=second)

    assert spent == [200, 200, 429]
    assert other.status_code == 200


async def test_rest_routes_share_the_principal_s_bucket(tmp_path: Path) -> None:
    async for client in _client(tmp_path, rate_limit_burst=3, rate_limit_per_minute=60):
        auth = client.bearer(subject="eager-integration")
        statuses = [
            (await client.http.get(path, headers=auth)).status_code
            for path in ("/events", "/exports/requests.csv")
        ]
        await client.send("{ requests { totalCount } }", as_=auth)
        feed = await client.http.get("/events", headers=auth)
        export = await client.http.get("/exports/iati.xml", headers=auth)
        someone_else = await client.http.get("/events", headers=client.bearer(subject="other"))

    assert statuses == [200, 200]
    for limited in (feed, export):
        assert limited.status_code == 429
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["code"] == "RATE_LIMITED"
    assert someone_else.status_code == 200


async def test_a_flood_of_garbage_tokens_is_slowed_down_by_address(tmp_path: Path, calls: list[str]) -> None:
    settings = {"rate_limit_failed_auth_burst": 3, "rate_limit_failed_auth_per_minute": 60}
    async for client in _client(tmp_path, **settings):
        garbage = {"Authorization": "Bearer not-a-token"}
        graphql = [
            (await client.send("{ requests { totalCount } }", as_=garbage)).status_code for _ in range(3)
        ]
        graphql_flooded = await client.send("{ requests { totalCount } }", as_=garbage)
        rest_flooded = await client.http.get("/events", headers={"X-API-Key": "concord_nonsense"})
        valid = await client.send("{ requests { totalCount } }")

    assert graphql == [401, 401, 401]
    assert graphql_flooded.status_code == 429
    assert _codes(graphql_flooded.json()) == ["RATE_LIMITED"]
    assert int(graphql_flooded.headers["retry-after"]) >= 1
    assert rest_flooded.status_code == 429
    assert rest_flooded.headers["content-type"].startswith("application/problem+json")
    assert valid.status_code == 200
    assert calls == ["list_requests"]


async def test_a_garbage_token_is_called_malformed_and_nothing_more(client: Client) -> None:
    garbage = {"Authorization": "Bearer eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln"}

    graphql = await client.send("{ requests { totalCount } }", as_=garbage)
    rest = await client.http.get("/events", headers=garbage)

    assert graphql.status_code == rest.status_code == 401
    assert [e["message"] for e in graphql.json()["errors"]] == ["malformed token"]
    assert rest.json()["detail"] == "malformed token"


async def test_production_has_no_introspection_and_no_graphiql(tmp_path: Path, calls: list[str]) -> None:
    provider = {"auth_issuer": "https://id.example.org/", "auth_jwks_url": "https://id.example.org/jwks"}
    async for client in _client(tmp_path, environment="production", auth_dev_signer=False, **provider):
        ide = await client.http.get("/graphql", headers={"accept": "text/html"})
        # Only the identity provider is trusted: a development token is refused before validation.
        refused = await client.send("{ __schema { types { name } } }")

    assert ide.status_code == 404
    assert refused.status_code == 401
    assert calls == []


async def test_introspection_is_refused_by_the_production_schema() -> None:
    from services.api.schema import build_schema  # noqa: PLC0415

    result = await build_schema(production=True).execute("{ __schema { types { name } } }")

    assert result.errors
    assert "introspection" in result.errors[0].message.lower()


async def test_errors_are_masked_unless_they_carry_a_public_code(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("password=hunter2 in a connection string")

    monkeypatch.setattr(request_queries, "list_requests", broken)

    body = (await client.send("{ requests { totalCount } }", as_=client.bearer())).json()

    assert _codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert "hunter2" not in str(body)


async def test_production_errors_suggest_no_names() -> None:
    """With introspection off, "Did you mean …" would spell the schema out to anyone who guesses."""
    from services.api.schema import build_schema  # noqa: PLC0415

    typo = "{ requets { totalCount } }"
    unknown_field = "query($f: RequestFilter) { requests(filter: $f) { totalCount } }"
    development, production = build_schema(), build_schema(production=True)

    suggested = (await development.execute(typo)).errors
    hidden = [
        *((await production.execute(typo)).errors or []),
        *(
            (await production.execute(unknown_field, variable_values={"f": {"stauts": ["OPEN"]}})).errors
            or []
        ),
    ]

    assert suggested
    assert "Did you mean 'request' or 'requests'?" in suggested[0].message
    assert len(hidden) == 2
    assert all("Did you mean" not in error.message for error in hidden)


async def test_production_serves_no_api_pages_but_the_openapi_document(tmp_path: Path) -> None:
    pages: dict[str, dict[str, int]] = {}
    paths = ("/docs", "/redoc", "/openapi.json")
    for environment, signer in (("development", True), ("production", False)):
        provider = {"auth_issuer": "https://id.example.org/", "auth_jwks_url": "https://id.example.org/jwks"}
        async for client in _client(
            tmp_path / environment, environment=environment, auth_dev_signer=signer, **provider
        ):
            pages[environment] = {path: (await client.http.get(path)).status_code for path in paths}

    assert pages["development"] == {"/docs": 200, "/redoc": 200, "/openapi.json": 200}
    assert pages["production"] == {"/docs": 404, "/redoc": 404, "/openapi.json": 200}


@pytest.mark.parametrize(
    ("document", "variables", "field"),
    [
        ("query($o: RequestOrder) { requests(orderBy: $o) { totalCount } }", {"o": "NEWST"}, "o"),
        ("{ requests(orderBy: NEWST) { totalCount } }", {}, "orderBy"),
        (
            "query($f: RequestFilter) { requests(filter: $f) { totalCount } }",
            {"f": {"status": ["OPN"]}},
            "status.0",
        ),
        ("{ requests(filter: {status: [OPEN, OPN]}) { totalCount } }", {}, "status.1"),
    ],
    ids=["variable", "literal", "in a variable's list", "in a literal's list"],
)
async def test_an_unknown_enum_value_names_its_field_and_the_values_there_are(
    client: Client, calls: list[str], document: str, variables: dict[str, Any], field: str
) -> None:
    response = await client.send(document, variables)

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    listed = ["NEWEST", "PRIORITY", "URGENCY"] if "orderBy" in document else None
    allowed = error["extensions"]["allowed"]
    assert allowed == listed if listed else "CANCELLED" in allowed
    assert ", ".join(allowed) in error["message"]
    assert calls == []
