"""services/api/starlette_internals.py: GET and POST /graphql answered past the layers they do not
use give the same answers, byte for byte, as the app's whole stack, its exception handlers' and an
unexpected error's included. An upgrade of FastAPI or Starlette fails here first."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import fastapi
import pytest
import starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.api import app as app_module
from services.api.admission import RateLimited
from services.api.app import create_app
from services.api.correlation import CorrelationMiddleware
from services.api.problems import BadInput
from services.api.starlette_internals import WRITTEN_FOR, ConcordAPI, Lanes
from services.settings import Settings

CORRELATION = (b"x-correlation-id", b"test-correlation")


def scope(method: str, path: str, headers: list[tuple[bytes, bytes]], query: bytes = b"") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"concord"), CORRELATION, *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("concord", 80),
    }


async def answer(app: Any, asgi: Any, request: dict[str, Any], body: bytes = b"") -> tuple[list[Any], str]:
    """What ``asgi`` (the app's lane or its whole stack) sends for the request, and what it raised."""
    request = {**request, "headers": list(request["headers"]), "app": app}
    sent: list[Any] = []
    given = False

    async def receive() -> dict[str, Any]:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append({**message, "headers": list(message.get("headers", []))})

    try:
        await asgi(request, receive, send)
    except Exception as error:  # an unexpected error is re-raised to the server
        return sent, repr(error)
    return sent, ""


async def both_ways(app: Any, request: dict[str, Any], body: bytes = b"") -> tuple[list[Any], str]:
    stack = app.build_middleware_stack()
    assert isinstance(stack, Lanes), "the lane is not taken: compare starlette_internals with this release"
    lane = await answer(app, stack, request, body)
    whole = await answer(app, stack.stack, request, body)
    assert lane == whole
    return lane


def test_written_for_the_installed_fastapi_and_starlette() -> None:
    assert (fastapi.__version__, starlette.__version__) == WRITTEN_FOR


JSON = [(b"content-type", b"application/json")]


@pytest.mark.parametrize(
    ("method", "headers", "body", "status"),
    [
        ("POST", [(b"content-type", b"text/plain")], b"{}", 415),
        ("POST", [*JSON, (b"accept", b"text/csv")], b"{}", 406),
        ("POST", JSON, b"{not json", 400),
        ("POST", JSON, b"[]", 400),
        ("GET", [(b"accept", b"text/html")], b"", 200),  # GraphiQL, with its policy
        # Before the runtime started: an unexpected error, answered by the app's handler, re-raised.
        ("POST", JSON, b'{"query": "{ me { role } }"}', 500),
    ],
)
async def test_the_apps_answers_are_the_same_through_the_lane(
    tmp_path: Path, method: str, headers: list[tuple[bytes, bytes]], body: bytes, status: int
) -> None:
    app = create_app(Settings(data_dir=tmp_path))

    sent, raised = await both_ways(app, scope(method, "/graphql", headers), body)

    assert sent[0]["status"] == status
    assert CORRELATION in sent[0]["headers"] or status == 500
    assert bool(raised) == (status == 500)


def toy_app() -> ConcordAPI:
    """An app of the same stack whose endpoint raises what the query string names."""
    app = ConcordAPI()
    app.add_middleware(CorrelationMiddleware)
    errors: dict[str, Exception] = {
        "rate": RateLimited(2.5),
        "input": BadInput("first", "must be positive"),
        "http": HTTPException(404, "no such thing"),
        "teapot": HTTPException(418),
        "unexpected": RuntimeError("boom"),
    }

    async def endpoint(request: Request) -> Response:
        raise_ = request.query_params.get("raise")
        if raise_:
            raise errors[raise_]
        return JSONResponse({"data": {"ok": True}}, headers={"X-Correlation-ID": "from the endpoint"})

    app.router.add_route("/graphql", endpoint, methods=["GET"])
    app.router.add_route("/graphql", endpoint, methods=["POST"])
    app.lane = {"GET": endpoint, "POST": endpoint}
    app_module._install_problems(app)  # the app's own handlers
    return app


@pytest.mark.parametrize("raised", ["", "rate", "input", "http", "teapot", "unexpected"])
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_exception_handlers_answer_as_through_the_stack(method: str, raised: str) -> None:
    query = f"raise={raised}".encode() if raised else b""

    sent, reraised = await both_ways(toy_app(), scope(method, "/graphql", JSON, query), b"{}")

    assert sent[0]["type"] == "http.response.start"
    assert bool(reraised) == (raised == "unexpected")


async def test_other_paths_and_methods_take_the_whole_stack(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    stack = app.build_middleware_stack()
    assert isinstance(stack, Lanes)

    others = (("HEAD", "/graphql"), ("GET", "/healthz"), ("POST", "/graphql/"), ("PUT", "/graphql"))
    for method, path in others:
        request = scope(method, path, [])
        assert await answer(app, stack, request) == await answer(app, stack.stack, request)


def test_no_lane_when_the_stack_is_not_the_one_it_was_written_for() -> None:
    app = toy_app()
    app.add_middleware(CorrelationMiddleware)  # a second middleware: another shape
    assert not isinstance(app.build_middleware_stack(), Lanes)

    moved = toy_app()

    async def elsewhere(_request: Request) -> Response:
        return Response("elsewhere")

    moved.router.routes.insert(0, Route("/graphql", elsewhere, methods=["POST"]))
    assert not isinstance(moved.build_middleware_stack(), Lanes)
