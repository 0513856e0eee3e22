"""Liveness (/healthz), readiness (/readyz) and Prometheus metrics (/metrics) for operators.

/metrics is public, as Prometheus scrapers expect, and shows nothing about any caller or
object: keep it (like /healthz and /readyz) on the internal network, as the deployment guide says.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field

from services.api.metrics import Metrics
from services.api.openapi import problems
from services.api.problems import code_of, problem
from services.bootstrap import Runtime
from services.status import projection_status

log = logging.getLogger("concord.api")
router = APIRouter(tags=["operations"])
RETRY_AFTER = "5"
# A probe of the databases that takes longer is an outage the watch has not seen yet.
READY_PROBE_TIMEOUT = 0.5


class Liveness(BaseModel):
    status: str
    projections: dict[str, int] = Field(description="positions this process's projections reached")


class ProjectionReadiness(BaseModel):
    name: str
    position: int | None = Field(description="null: never run against this database")
    lag: int = Field(description="positions behind the log's head")
    state: str = Field(description="up to date, behind, never run or failing")


class Readiness(BaseModel):
    status: str
    head: int = Field(description="the last position in the event log")
    max_lag: int = Field(description="the lag beyond which the service is not ready")
    projections: list[ProjectionReadiness]


@router.get("/healthz", summary="Liveness: the process is up", response_model=Liveness)
async def healthz(request: Request) -> Liveness:
    runtime: Runtime = request.app.state.runtime
    return Liveness(status="ok", projections=runtime.progress.positions())


@router.get(
    "/readyz",
    summary="Readiness: the event store and read models answer, no projection fails, and every projection "
    "is close to the head",
    response_model=Readiness,
    responses=problems(503),
)
async def readyz(request: Request) -> Response | Readiness:
    runtime: Runtime = request.app.state.runtime
    retry = {"Retry-After": RETRY_AFTER}
    unanswered = problem(
        503, "Service Unavailable", "the event store or the read models do not answer", retry
    )
    watch = runtime.database
    if watch is not None and not watch.available:
        return unanswered
    try:
        statuses = await projection_status(runtime, timeout=READY_PROBE_TIMEOUT)
    except Exception as error:
        log.warning("not ready: a database does not answer (%s)", type(error).__name__)
        if watch is not None:
            watch.suspect()
        return unanswered
    failing = [s for s in statuses if s.error is not None]
    if failing:
        named = "; ".join(f"{s.name} ({s.error})" for s in failing)
        return problem(503, "Service Unavailable", f"projections failing: {named}", retry)
    max_lag = runtime.settings.ready_max_lag
    behind = [s for s in statuses if s.lag > max_lag]
    if behind:
        lagging = ", ".join(f"{s.name} ({s.lag})" for s in behind)
        return problem(
            503, "Service Unavailable", f"projections more than {max_lag} positions behind: {lagging}", retry
        )
    return Readiness(
        status="ready",
        head=max((s.head for s in statuses), default=0),
        max_lag=max_lag,
        projections=[
            ProjectionReadiness(name=s.name, position=s.position, lag=s.lag, state=s.state) for s in statuses
        ],
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics (text exposition format)",
    response_class=Response,
    responses={
        200: {"description": "metrics", "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}
    },
)
async def metrics(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    collected: Metrics = request.app.state.metrics
    try:
        collected.observe_projections(await projection_status(runtime))
    except Exception as error:  # the scrape still reports everything else
        log.warning("metrics: projection positions unavailable (%s)", code_of(error))
    return Response(collected.exposition(), media_type=CONTENT_TYPE_LATEST)
