"""The OpenAPI document of the REST routes, with RFC 9457 problem details for their errors."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

from services.api.problems import PROBLEM_JSON

_REF = "#/components/schemas/Problem"
_WHY = {
    400: "a request that cannot be answered as sent",
    401: "no credentials, or credentials that prove nothing (WWW-Authenticate: Bearer)",
    403: "the caller's role may not use this route",
    413: "the body is larger than the route accepts",
    422: "a parameter is not valid (its errors listed under `errors`)",
    429: "too many requests from this caller: retry after Retry-After seconds",
    503: "not ready: retry after Retry-After seconds",
}


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str | None = Field(default=None, description="Concord's public error code, where there is one")
    reason: str | None = Field(
        default=None, description="Why a business rule refused, where one did (docs/api.md lists them)"
    )


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status answered with problem details."""
    return {
        status: {"description": _WHY[status], "content": {PROBLEM_JSON: {"schema": {"$ref": _REF}}}}
        for status in statuses
    }


#: What a route behind ``rest_auth.allowed`` can answer besides its own result.
GUARDED = problems(401, 403, 422, 429)


def install(app: FastAPI) -> None:
    """Serve the document with the Problem schema that the routes' error responses refer to."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
