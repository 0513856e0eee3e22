"""FastAPI and Starlette used past their API: ``/graphql`` over HTTP answered past the layers it
does not use. Written for fastapi 0.165.0 and starlette 1.10.0 (WRITTEN_FOR, requirements.lock).

FastAPI passes each request through ServerErrorMiddleware, its exception telemetry, its body limit,
the app's own middleware (the correlation id), ExceptionMiddleware, an exit stack for dependencies,
the router's walk over every route before ``/graphql``, the route's method check, and the route's
request wrapper with the exception handlers again. On a small read (the dashboard's ``Coverage``)
those layers cost about a sixth of the API's CPU for the request. For ``GET`` and ``POST /graphql``
the app's stack is entered at its ServerErrorMiddleware and its correlation id as they are, and
then the endpoint runs under the exception handlers ExceptionMiddleware holds, as the route's
wrapper runs it (``wrap_app_handling_exceptions``): the same handlers, the same answers, an
unexpected error still answered by the app's handler and re-raised to the server.

The layers left out do nothing for these requests: the telemetry and the body limit act only when
their keys are in the scope (telemetry on, a parent app's limit: then the whole stack runs), the
exit stack serves dependencies (the endpoint is a plain Starlette route), and the router would
pick that route. Each of those is checked when the stack is built: a stack of another shape (a
middleware added, another release), or a route before ``/graphql`` that would take the request,
and every request goes through the whole stack. tests/unit/test_starlette_internals.py compares
the two ways' answers and fails first on another release.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import fastapi
import starlette
from fastapi import APIRouter, FastAPI
from fastapi._body_limit import AppBodyLimitMiddleware
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from fastapi.telemetry._asgi import ExceptionTelemetryMiddleware
from starlette._exception_handler import wrap_app_handling_exceptions
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from services.api.correlation import CorrelationMiddleware

WRITTEN_FOR = ("0.165.0", "1.10.0")  # fastapi, starlette
PATH = "/graphql"
Endpoint = Callable[[Request], Awaitable[Response]]


class ConcordAPI(FastAPI):
    """FastAPI, with ``/graphql``'s requests past the layers they do not use (once ``lane`` named
    the endpoint of each method)."""

    lane: dict[str, Endpoint] | None = None

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        if not self.lane or not self._routed_here():
            return stack
        layers = _known_layers(stack)
        if layers is None or [m.cls for m in self.user_middleware] != [CorrelationMiddleware]:  # type: ignore[comparison-overlap]
            return stack
        server_errors, handlers = layers
        exception_handlers = (handlers._exception_handlers, handlers._status_handlers)  # noqa: SLF001
        lanes: dict[str, ASGIApp] = {
            method: ServerErrorMiddleware(
                CorrelationMiddleware(_Routed(endpoint, exception_handlers)),
                handler=server_errors.handler,
                debug=server_errors.debug,
            )
            for method, endpoint in self.lane.items()
        }
        return Lanes(stack, lanes)

    def _routed_here(self) -> bool:
        """Whether the router gives each of the lane's methods on ``/graphql`` to its endpoint."""
        assert self.lane is not None
        for method, endpoint in self.lane.items():
            scope = {"type": "http", "path": PATH, "root_path": "", "method": method}
            chosen = next(
                (route for route in self.router.routes if route.matches(scope)[0] == Match.FULL), None
            )
            if chosen is None or getattr(chosen, "endpoint", None) != endpoint:
                return False
        return True


class Lanes:
    """The app's stack, with the lane's methods on ``/graphql`` taken from ServerErrorMiddleware
    and the correlation id straight to their endpoint."""

    def __init__(self, stack: ASGIApp, lanes: dict[str, ASGIApp]) -> None:
        self.stack = stack
        self._lanes = lanes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == PATH
            and not scope.get("root_path")
            and "fastapi.telemetry" not in scope
            and MAX_BODY_SIZE_SCOPE_KEY not in scope
        ):
            lane = self._lanes.get(scope["method"])
            if lane is not None:
                await lane(scope, receive, send)
                return
        await self.stack(scope, receive, send)


class _Routed:
    """What the route does with a request (``starlette.routing.request_response``), under the
    handlers ExceptionMiddleware puts in the scope."""

    def __init__(self, endpoint: Endpoint, handlers: tuple[Any, Any]) -> None:
        self._endpoint = endpoint
        self._handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["starlette.exception_handlers"] = self._handlers
        request = Request(scope, receive, send)
        endpoint = self._endpoint

        async def respond(scope: Scope, receive: Receive, send: Send) -> None:
            response = await endpoint(request)
            await response(scope, receive, send)

        await wrap_app_handling_exceptions(respond, request)(scope, receive, send)


def _known_layers(stack: ASGIApp) -> tuple[ServerErrorMiddleware, ExceptionMiddleware] | None:
    """The stack's ServerErrorMiddleware and ExceptionMiddleware, when the stack is FastAPI's as
    this module knows it (no body limit set, the correlation id the app's one middleware)."""
    if (fastapi.__version__, starlette.__version__) != WRITTEN_FOR:
        return None
    layers: list[Any] = []
    layer: Any = stack
    while layer is not None and not isinstance(layer, APIRouter):
        layers.append(layer)
        layer = getattr(layer, "app", None)
    kinds = [type(each) for each in layers]
    if layer is None or kinds != [
        ServerErrorMiddleware,
        ExceptionTelemetryMiddleware,
        AppBodyLimitMiddleware,
        CorrelationMiddleware,
        ExceptionMiddleware,
        AsyncExitStackMiddleware,
    ]:
        return None
    if layers[2].app is not layers[3]:  # a body limit wraps what follows in a limiter of its own
        return None
    return layers[0], layers[4]
