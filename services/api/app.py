"""The FastAPI application: GraphQL at /graphql (HTTP and WebSocket), the dashboard at /, exports,
the event feed, health, readiness and metrics; problem details for errors."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from http import HTTPStatus
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.telemetry import TelemetryConfig
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.api import (
    dashboard,
    events,
    graphiql,
    health,
    imports,
    openapi,
    uvicorn_internals,
    workbench,
)
from services.api.admission import Admission, RateLimited
from services.api.correlation import CorrelationMiddleware
from services.api.exports import hxl, hxl_field, iati
from services.api.metrics import Metrics, OperationLatency, named_operations, observe_commands
from services.api.problems import BadInput, problem, public
from services.api.starlette_internals import ConcordAPI
from services.bootstrap import start
from services.coordination import Clock, utc_today
from services.infrastructure import logs
from services.infrastructure.heap import collect_later, settle_heap
from services.settings import Settings

if TYPE_CHECKING:
    from services.api.graphql_http import GraphQLEndpoint
    from services.api.graphql_ws import GraphQLWebSocket

# Commands run in threads (eventsourcing is synchronous): enough for the database pool and more.
_COMMAND_THREADS = 32
# Seconds the GraphQL endpoint's build waits for the projections to start reading the log, at most.
_PROJECTING_WAIT = 5.0


def create_app(
    settings: Settings | None = None, *, today: Clock = utc_today, settle: bool = False
) -> FastAPI:
    """The app; ``settle``: once started, take the start-up objects out of the garbage collector's
    sight (``services.infrastructure.heap``), as ``concord serve`` does (tests, which start many apps in one
    process, do not)."""
    settings = settings or Settings()
    settings.check_serving()
    metrics = Metrics(named_operations(dashboard.operations_dir()))
    app = ConcordAPI(
        title="Concord",
        summary="Coordination of post-conflict assistance among ASEAN member states",
        version="0.1.0",
        lifespan=_lifespan(settings, metrics, today=today, settle=settle),
        telemetry=_telemetry(settings.opentelemetry),
        # Pages to try the API from, in development; /openapi.json stays, the REST contract.
        docs_url=None if settings.is_production else "/docs",
        redoc_url=None if settings.is_production else "/redoc",
    )
    app.state.metrics = metrics
    app.state.admission = Admission.from_settings(settings)
    app.add_middleware(CorrelationMiddleware)
    app.state.graphql = graphql = GraphQLRoutes(app, settings, metrics)
    graphql.mount()
    app.include_router(hxl.router)
    app.include_router(hxl_field.router)
    app.include_router(iati.router)
    app.include_router(imports.router)
    app.include_router(events.router)
    app.include_router(health.router)
    dashboard.install(app, workbench.headers_for(settings))
    workbench.install(app, settings)
    if not settings.is_production:
        graphiql.install(app)
    openapi.install(app)
    _install_problems(app)
    return app


def _lifespan(
    settings: Settings, metrics: Metrics, *, today: Clock, settle: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the runtime (the command threads, the application, the projections) with the app, and
    close it with the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(_COMMAND_THREADS, "concord-command"))
        app.state.runtime = runtime = await start(settings, live_updates=True, today=today)
        stop_timing = runtime.concord.on_write(metrics.writes.observe)
        if settle:
            settle_heap()  # before the projections' catch-up begins: it sets the collector's pace
        # Built on a thread while the projections, started above, catch up (the schema's imports
        # and types are a quarter of start-up's CPU), once they have taken their positions: a thread
        # that computes slows the many short hops of that start to its pace.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(runtime.projecting.wait(), _PROJECTING_WAIT)
        await asyncio.to_thread(app.state.graphql.build)
        if settle:
            settle_heap(pace=False)
        try:
            yield
        finally:
            stop_timing()
            await runtime.close()

    return lifespan


class GraphQLRoutes:
    """/graphql over HTTP and WebSocket. Its endpoint (the strawberry schema, graphql-core's, the
    named operations compiled) is built apart from the app, by ``build``: the app's lifespan builds
    it on a thread once the runtime has started, and serves nothing before it is built; an app
    served without its lifespan builds it on its first GraphQL request."""

    def __init__(self, app: ConcordAPI, settings: Settings, metrics: Metrics) -> None:
        self._app = app
        self._settings = settings
        self._metrics = metrics
        self._lock = threading.Lock()
        self._built: tuple[GraphQLEndpoint, GraphQLWebSocket] | None = None

    def mount(self) -> None:
        # Plain Starlette routes: the endpoint reads the request itself, so FastAPI's dependency
        # solving would only cost time on every operation.
        router = self._app.router
        router.add_route("/graphql", self._get, methods=["GET"], include_in_schema=False)
        router.add_route("/graphql", self._post, methods=["POST"], include_in_schema=False)
        router.add_websocket_route("/graphql", self._websocket)
        self._app.lane = {"GET": self._get, "POST": self._post}  # past the layers they do not use

    def build(self) -> None:
        """The endpoint, once (from any thread)."""
        from services.api.graphql_http import GraphQLEndpoint  # noqa: PLC0415 - off start-up's path
        from services.api.graphql_ws import GraphQLWebSocket  # noqa: PLC0415
        from services.api.schema import build_schema  # noqa: PLC0415

        with self._lock:
            if self._built is not None:
                return
            settings, metrics, admission = self._settings, self._metrics, self._app.state.admission
            schema = build_schema(
                production=settings.is_production,
                observers=[lambda: OperationLatency(metrics.observe_operation)],
            )
            observe_commands(schema._schema, metrics.observe_command)  # noqa: SLF001 (graphql-core's schema)
            endpoint = GraphQLEndpoint(
                schema, ide=not settings.is_production, admission=admission, observe=metrics.observe_operation
            )
            self._app.state.graphql_endpoint = endpoint
            self._built = endpoint, GraphQLWebSocket(schema, admission=admission)

    async def _endpoints(self) -> tuple[GraphQLEndpoint, GraphQLWebSocket]:
        if self._built is None:
            await asyncio.to_thread(self.build)
        assert self._built is not None
        return self._built

    async def _get(self, request: Request) -> Response:
        endpoint = self._built[0] if self._built is not None else (await self._endpoints())[0]
        return await endpoint.get(request)

    async def _post(self, request: Request) -> Response:
        endpoint = self._built[0] if self._built is not None else (await self._endpoints())[0]
        return await endpoint.post(request)

    async def _websocket(self, websocket: WebSocket) -> None:
        await (await self._endpoints())[1].handle(websocket)


def _install_problems(app: FastAPI) -> None:
    """Every error leaves as problem details (RFC 9457), with a code where a client can act on it."""

    @app.exception_handler(StarletteHTTPException)
    async def http_problem(_request: Request, error: StarletteHTTPException) -> Response:
        return problem(
            error.status_code, _title(error.status_code), str(error.detail), dict(error.headers or {})
        )

    @app.exception_handler(RequestValidationError)
    async def validation_problem(_request: Request, error: RequestValidationError) -> Response:
        return problem(422, "Unprocessable Content", "the request is not valid", errors=error.errors())

    @app.exception_handler(RateLimited)
    async def rate_limited_problem(_request: Request, error: RateLimited) -> Response:
        headers = {"Retry-After": str(error.retry_after)}
        return problem(429, _title(429), str(error), headers, code="RATE_LIMITED")

    @app.exception_handler(BadInput)
    async def bad_input_problem(_request: Request, error: BadInput) -> Response:
        return problem(400, _title(400), str(error), code="BAD_USER_INPUT", field=error.field)

    @app.exception_handler(Exception)
    async def unexpected_problem(_request: Request, error: Exception) -> Response:
        seen = public(error)
        headers = {"Retry-After": "1"} if seen.http_status == 503 else None
        reason = {"reason": seen.details["reason"]} if "reason" in seen.details else {}
        return problem(
            seen.http_status, _title(seen.http_status), seen.message, headers, code=seen.code, **reason
        )


def _telemetry(enabled: bool) -> TelemetryConfig:
    """FastAPI's own OpenTelemetry: off unless asked for, since even unconfigured it looks up the
    global providers (reading the environment) on every request."""
    return {"tracing": enabled, "metrics": enabled, "logs": enabled}


def worker_app() -> FastAPI:
    """The app of one of several API processes (``concord serve --workers N``), each started
    afresh by uvicorn: its settings come from the environment, and its logs go through ours."""
    collect_later()  # until the app has started (settle_heap)
    settings = Settings()
    logs.configure(settings.log_format, settings.log_level, background=True)
    uvicorn_internals.install()
    return create_app(settings, settle=True)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
