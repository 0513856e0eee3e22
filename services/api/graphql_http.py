"""GraphQL over HTTP, as the GraphQL-over-HTTP specification says.

Owned here rather than taken from strawberry's router because the specification's
``application/graphql-response+json`` (with its status codes) is not in strawberry: 0.341.2, the
newest release, answers ``application/json`` with 200 whatever the ``Accept``, a syntax error
included. And read-your-writes (``Concord-Consistent-With``) must hold a query before it executes.

Over 300 lines on purpose: one protocol, its negotiation, request checks, status codes and
errors, read together against the specification.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from services.api import correlation, graphiql
from services.api.admission import Admission, RateLimited
from services.api.dashboard import operations_dir
from services.api.persisted import PersistedDocuments, PersistedError
from services.api.positions import parse_position
from services.api.problems import BadInput, problem, public
from services.api.schema.context import Context
from services.bootstrap import Runtime
from services.identity.access import Unauthenticated
from services.infrastructure.deadlines import in_thread
from services.infrastructure.logs import correlation_id

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
CONSISTENT_WITH = "Concord-Consistent-With"
CORRELATION_ID = correlation.HEADER
RETRY_AFTER = "Retry-After"
UNAVAILABLE = "SERVICE_UNAVAILABLE"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="concord"'}
MAX_BODY = 1024 * 1024
_QUERY_ONLY = frozenset({OperationType.QUERY})
_ANY_OPERATION = frozenset({OperationType.QUERY, OperationType.MUTATION})


class RequestError(Exception):
    """A request that is not a well-formed GraphQL-over-HTTP request: answered with a problem."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        headers: dict[str, str] | None = None,
        *,
        code: str | None = None,
    ):
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.code = code


class GraphQLEndpoint:
    def __init__(
        self,
        schema: strawberry.Schema,
        *,
        ide: bool,
        admission: Admission,
        observe: Callable[[str | None, float, bool], None] | None = None,
    ) -> None:
        """``observe``: told of each operation the compiled path answers (the schema's observers
        see the others)."""
        self._schema = schema
        self._ide = ide
        self._admission = admission
        self._persisted = PersistedDocuments.load(
            schema._schema,  # noqa: SLF001
            operations_dir(),
            schema.execution_context_class,
        )
        self._observe = observe

    @property
    def persisted(self) -> PersistedDocuments:
        return self._persisted

    async def get(self, request: Request) -> Response:
        params = request.query_params
        if "query" not in params and _accepts_html(request):
            if not self._ide:
                return problem(404, "Not Found", "GraphiQL is off in production")
            return graphiql.page()
        try:
            media_type = _negotiate(request)
            variables = _json_object(params.get("variables"), "variables")
            extensions = _json_object(params.get("extensions"), "extensions")
        except RequestError as error:
            return problem(error.status, error.title, error.detail, error.headers)
        try:
            query = self._persisted.query(params.get("query"), params.get("documentId"), extensions)
        except PersistedError as error:
            return _persisted_error(error, media_type)
        return await self._execute(
            request,
            media_type,
            query,
            variables,
            params.get("operationName"),
            extensions,
            _QUERY_ONLY,
        )

    async def post(self, request: Request) -> Response:
        try:
            media_type = _negotiate(request)
            body = await _json_body(request)
        except RequestError as error:
            return problem(error.status, error.title, error.detail, error.headers)
        try:
            query = self._persisted.query(body.get("query"), body.get("documentId"), body.get("extensions"))
        except PersistedError as error:
            return _persisted_error(error, media_type)
        return await self._execute(
            request,
            media_type,
            query,
            body.get("variables"),
            body.get("operationName"),
            body.get("extensions"),
            _ANY_OPERATION,
        )

    async def _execute(
        self,
        request: Request,
        media_type: str,
        query: Any,
        variables: Any,
        operation_name: Any,
        extensions: Any,
        allowed: frozenset[OperationType],
    ) -> Response:
        admitted = await self._admit(request, media_type, query, variables, operation_name, extensions)
        if isinstance(admitted, Response):
            return admitted
        context = admitted
        trace = {CORRELATION_ID: context.correlation_id}
        compiled = self._persisted.compiled(query, operation_name)
        if compiled is not None and compiled.mutation and OperationType.MUTATION in allowed:
            started = time.perf_counter()
            ran = await compiled.run_mutation(context, variables)
            if ran is not None:
                if self._observe is not None:
                    self._observe(compiled.name, time.perf_counter() - started, not ran.errors)
                return self._response(ran, media_type, trace, context)
        elif compiled is not None and not compiled.mutation:
            started = time.perf_counter()
            data = await compiled.run(context, variables)
            if data is not None:
                if self._observe is not None:
                    self._observe(compiled.name, time.perf_counter() - started, True)
                return _respond({"data": data}, media_type, 200, trace)
        try:
            result = await self._schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
                allowed_operation_types=allowed,
            )
        except InvalidOperationTypeError:
            return problem(405, "Method Not Allowed", "mutations must be sent with POST", {"Allow": "POST"})
        except CannotGetOperationTypeError:
            detail = (
                f"the document has no operation named {operation_name!r}"
                if operation_name
                else "the document has several operations: name one in operationName"
            )
            return problem(400, "Bad Request", detail)
        return self._response(result, media_type, trace, context)

    @staticmethod
    def _response(result: Any, media_type: str, trace: dict[str, str], context: Context) -> Response:
        response = _result_response(result, media_type, trace)
        if RETRY_AFTER in response.headers and context.runtime.database is not None:
            context.runtime.database.suspect()
        return response

    async def _admit(
        self,
        request: Request,
        media_type: str,
        query: Any,
        variables: Any,
        operation_name: Any,
        extensions: Any,
    ) -> Context | Response:
        """Who asks, whether they may ask now, and whether the read models have caught up."""
        runtime: Runtime = request.app.state.runtime
        correlation_id = _correlation_id(request)
        trace = {CORRELATION_ID: correlation_id}
        if runtime.database is not None and not runtime.database.available:
            body = {"errors": [_error("the database is unavailable; retry shortly", UNAVAILABLE)]}
            status = 503 if media_type == GRAPHQL_RESPONSE else 200
            return _respond(body, media_type, status, {RETRY_AFTER: "1", **trace})
        try:
            _check_request(query, variables, operation_name, extensions)
            principal = await self._admission.admit(
                runtime.authenticator,
                request.headers.get("authorization"),
                request.headers.get("x-api-key"),
                request.client.host if request.client else None,
            )
            stale = await _wait_for_consistency(request, runtime)
        except RequestError as error:
            extra = {"code": error.code} if error.code else {}
            return problem(error.status, error.title, error.detail, {**error.headers, **trace}, **extra)
        except Unauthenticated as error:
            body = {"errors": [_error(str(error), "UNAUTHENTICATED")]}
            return _respond(body, media_type, 401, {**CHALLENGE, **trace})
        except RateLimited as error:
            body = {"errors": [_error(str(error), "RATE_LIMITED")]}
            return _respond(body, media_type, 429, {RETRY_AFTER: str(error.retry_after), **trace})
        if stale is not None:
            status = 503 if media_type == GRAPHQL_RESPONSE else 200
            return _respond({"errors": [stale]}, media_type, status, {"Retry-After": "1", **trace})
        return Context(
            runtime=runtime,
            principal=principal,
            correlation_id=correlation_id,
            idempotency_key=request.headers.get("idempotency-key"),
        )


def _result_response(
    result: ExecutionResult | GraphQLExecutionResult, media_type: str, headers: dict[str, str]
) -> Response:
    payload: dict[str, Any] = {}
    errors = result.errors or []
    is_request_error = result.data is None and bool(errors) and all(e.path is None for e in errors)
    if errors:
        payload["errors"] = [format_error(error, request_error=is_request_error) for error in errors]
    if not is_request_error:
        payload["data"] = result.data
    if result.extensions:
        payload["extensions"] = result.extensions
    status = 400 if is_request_error and media_type == GRAPHQL_RESPONSE else 200
    codes = {error.get("extensions", {}).get("code") for error in payload.get("errors", [])}
    if UNAVAILABLE in codes:
        # The database went away under this request: nothing was recorded, retry later.
        headers = {**headers, RETRY_AFTER: "1"}
        if codes == {UNAVAILABLE} and payload.get("data") is None and media_type == GRAPHQL_RESPONSE:
            status = 503
    return _respond(payload, media_type, status, headers)


def format_error(error: GraphQLError, *, request_error: bool) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    extensions = dict(formatted.get("extensions") or {})
    if request_error:
        extensions.setdefault("code", _request_error_code(error))
    elif error.original_error is not None and not isinstance(error.original_error, GraphQLError):
        seen = public(error.original_error)
        formatted["message"] = seen.message
        extensions.update(seen.details)
        extensions["code"] = seen.code
    else:
        extensions.setdefault("code", "GRAPHQL_ERROR")
    formatted["extensions"] = extensions
    return formatted


def _persisted_error(error: PersistedError, media_type: str) -> Response:
    """A request error, as the GraphQL-over-HTTP specification answers one."""
    status = 400 if media_type == GRAPHQL_RESPONSE else 200
    return _respond({"errors": [_error(str(error), error.code)]}, media_type, status)


def _error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


def _correlation_id(request: Request) -> str:
    """The id CorrelationMiddleware chose for this request: the same in the logs and the events."""
    return correlation_id.get() or correlation.chosen(request.headers)


def _request_error_code(error: GraphQLError) -> str:
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def _respond(
    payload: dict[str, Any], media_type: str, status: int, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(payload, default=str),
        status_code=status,
        media_type=f"{media_type}; charset=utf-8",
        headers=headers,
    )


async def _wait_for_consistency(request: Request, runtime: Runtime) -> dict[str, Any] | None:
    """Hold the request until the read models reach the given position; a STALE_READ if they don't.

    A position beyond the log's head is refused at once: positions are given at commit, so no
    writer has been told of it, and waiting could not make it reachable.
    """
    raw = request.headers.get(CONSISTENT_WITH)
    if raw is None:
        return None
    try:
        position = parse_position(raw, CONSISTENT_WITH)
    except BadInput as error:
        raise RequestError(400, "Bad Request", str(error), code="BAD_USER_INPUT") from None
    if position > runtime.progress.reached and position > runtime.log_head.known:
        timeout = runtime.settings.command_db_timeout
        head = await in_thread(timeout, runtime.concord.recorder.max_notification_id) or 0
        runtime.log_head.saw(head)
        if position > head:
            detail = f"{CONSISTENT_WITH}: position {position} is beyond the log's head {head}"
            raise RequestError(400, "Bad Request", detail, code="BAD_USER_INPUT")
    timeout = runtime.settings.consistency_timeout
    if await runtime.progress.wait_for(position, timeout):
        return None
    return {
        "message": (
            f"the read models have not reached position {position} within {timeout:g} s "
            f"(they are at {runtime.progress.reached}); retry"
        ),
        "extensions": {
            "code": "STALE_READ",
            "position": position,
            "reached": runtime.progress.reached,
        },
    }


def _accepts_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _negotiate(request: Request) -> str:
    """The response media type: graphql-response+json when asked for, else (legacy) JSON."""
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return JSON
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    for kind in kinds:
        if kind == GRAPHQL_RESPONSE:
            return GRAPHQL_RESPONSE
        if kind in (JSON, "application/*", "*/*"):
            return JSON
    raise RequestError(406, "Not Acceptable", f"this endpoint answers with {GRAPHQL_RESPONSE} or {JSON}")


async def _json_body(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON:
        raise RequestError(
            415,
            "Unsupported Media Type",
            f"send the GraphQL request as {JSON}",
            {"Accept-Post": JSON},
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise RequestError(413, "Content Too Large", f"a GraphQL request may be at most {MAX_BODY} bytes")
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise RequestError(413, "Content Too Large", f"a GraphQL request may be at most {MAX_BODY} bytes")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise RequestError(400, "Bad Request", f"the body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise RequestError(400, "Bad Request", "the body must be a JSON object")
    return body


def _json_object(raw: str | None, name: str) -> dict[str, Any] | None:
    if raw is None or raw == "":
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RequestError(400, "Bad Request", f"{name} is not valid JSON") from None
    if value is not None and not isinstance(value, dict):
        raise RequestError(400, "Bad Request", f"{name} must be a JSON object")
    return value


def _check_request(query: Any, variables: Any, operation_name: Any, extensions: Any) -> None:
    if not isinstance(query, str) or not query.strip():
        raise RequestError(400, "Bad Request", "a GraphQL request needs a query (a string)")
    if variables is not None and not isinstance(variables, dict):
        raise RequestError(400, "Bad Request", "variables must be a JSON object")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError(400, "Bad Request", "operationName must be a string")
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestError(400, "Bad Request", "extensions must be a JSON object")
