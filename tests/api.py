"""A GraphQL client for the tests: sends operations over HTTP as a chosen principal."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx

from domain.access import Role
from domain.codes import MemberState
from services.api.app import create_app
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.conftest import fixed_today
from tests.factories import post_request_input

GRAPHQL_RESPONSE = "application/graphql-response+json"
OPEN_CRISIS = "mutation($i: OpenCrisisInput!) { openCrisis(input: $i) { position crisis { id } } }"

POST = """
mutation Post($input: PostRequestInput!) {
  postRequest(input: $input) {
    position
    request { id memberState sector title quantity unit priority neededBy adminCode status version }
  }
}"""
GET = "query One($id: ID!) { request(id: $id) { id title status priority version } }"
LIST = """
query List($filter: RequestFilter, $first: Int, $after: String) {
  requests(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id memberState sector priority status } }
  }
}"""
AMEND = """
mutation Amend($input: AmendRequestInput!) {
  amendRequest(input: $input) { position request { id priority title version } }
}"""
CANCEL = """
mutation Cancel($input: CancelRequestInput!) {
  cancelRequest(input: $input) { position request { id status cancellationReason } }
}"""


def doubling_fragments(levels: int, last: str = "me { role }") -> str:
    """Each fragment spreads the next twice: the last is expanded 2^levels times."""
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return f"query Q1 {{ ...F0 }} {chain} fragment F{levels} on Query {{ {last} }}"


class Client:
    """Sends GraphQL as a principal: the secretariat unless told otherwise."""

    def __init__(self, http: httpx.AsyncClient, signer: DevSigner) -> None:
        self.http = http
        self.signer = signer
        self.crisis_id = ""

    def bearer(
        self,
        role: Role = Role.SECRETARIAT,
        state: str | None = None,
        org: uuid.UUID | None = None,
        subject: str | None = None,
    ) -> dict[str, str]:
        token = self.signer.issue(
            subject=subject or f"{role.value}-{state or org or 'any'}@test",
            role=role,
            member_state=MemberState(state) if state else None,
            organisation_id=org,
        )
        return {"Authorization": f"Bearer {token}"}

    def coordinator(self, state: str = "PHL") -> dict[str, str]:
        return self.bearer(Role.COORDINATOR, state)

    async def send(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        after: int | None = None,
        as_: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = {"Accept": GRAPHQL_RESPONSE, **(as_ if as_ is not None else self.bearer())}
        if after is not None:
            headers["Concord-Consistent-With"] = str(after)
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def data(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
        response = await self.send(query, variables, **kw)
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body
        return body["data"]

    async def every_page(
        self,
        query: str,
        field: str,
        variables: dict[str, Any] | None = None,
        *,
        first: int,
        as_: dict[str, str] | None = None,
    ) -> tuple[list[Any], set[int]]:
        """The nodes of the connection ``field`` of ``query`` page after page of ``first`` (``$first``
        and ``$after``), each page no longer and its end cursor its last edge's where the edges
        carry one; and the totalCounts the pages gave."""
        nodes: list[Any] = []
        after, totals = None, set()
        while True:
            page = (await self.data(query, {**(variables or {}), "first": first, "after": after}, as_=as_))[
                field
            ]
            edges = page["edges"]
            assert len(edges) <= first
            if edges and "cursor" in edges[-1]:
                assert page["pageInfo"]["endCursor"] == edges[-1]["cursor"]
            nodes += [edge["node"] for edge in edges]
            totals.add(page["totalCount"])
            if not page["pageInfo"]["hasNextPage"]:
                return nodes, totals
            after = page["pageInfo"]["endCursor"]

    def request_input(self, **overrides: Any) -> dict[str, Any]:
        """A valid PostRequestInput in this client's crisis."""
        return post_request_input(crisisId=self.crisis_id, **overrides)

    async def open_crisis(self, name: str = "Marawi displacement", states: tuple[str, ...] = ("PHL",)) -> str:
        data = await self.data(
            OPEN_CRISIS, {"i": {"name": name, "affectedStates": list(states), "startDate": "2026-11-01"}}
        )
        return str(data["openCrisis"]["crisis"]["id"])

    async def post(self, **overrides: Any) -> dict[str, Any]:
        state = overrides.get("memberState", "PHL")
        data = await self.data(POST, {"input": self.request_input(**overrides)}, as_=self.coordinator(state))
        return data["postRequest"]  # type: ignore[no-any-return]


async def serving(
    settings: Settings, signer: DevSigner, *, with_crisis: bool = True
) -> AsyncIterator[Client]:
    """A client of a running app with in-process projections."""
    app = create_app(settings, today=fixed_today)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://concord") as http:
            client = Client(http, signer)
            if with_crisis:
                client.crisis_id = await client.open_crisis()
            yield client
