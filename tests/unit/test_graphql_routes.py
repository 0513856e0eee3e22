"""/graphql's endpoint is built apart from the app: by the lifespan once the projections run, or,
for an app served without its lifespan, by its first GraphQL request."""

from __future__ import annotations

from pathlib import Path

import httpx

from services.api.app import create_app
from services.settings import Settings


async def test_an_app_without_its_lifespan_builds_the_endpoint_on_its_first_graphql_request(
    tmp_path: Path,
) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    assert not hasattr(app.state, "graphql_endpoint")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://concord") as client:
        first = await client.get("/graphql", headers={"accept": "text/html"})
        again = await client.get("/graphql", headers={"accept": "text/html"})

    assert first.status_code == again.status_code == 200
    assert "graphiql" in first.text.lower()
    assert app.state.graphql_endpoint is not None
