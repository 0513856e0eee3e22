"""GraphQL over WebSocket at /graphql with the graphql-transport-ws protocol: live updates.

Owned here, like the HTTP endpoint, so that a connection authenticates as an HTTP request does
(``connection_init`` carries ``Authorization: Bearer …`` or ``X-API-Key`` in its payload), is
rate limited per principal, and reports errors with the same public codes. Subscriptions and
queries run here; mutations stay on HTTP POST, where idempotency keys and correlation ids live.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any, NoReturn

import orjson
import strawberry
from starlette.websockets import WebSocket, WebSocketState
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.utils.aio import aclosing

from services.api.admission import Admission, RateLimited
from services.api.graphql_http import format_error
from services.api.schema.context import Context
from services.bootstrap import Runtime
from services.identity.access import Principal, Unauthenticated

log = logging.getLogger("concord.api")

PROTOCOL = "graphql-transport-ws"
_STREAMED = (OperationType.QUERY, OperationType.SUBSCRIPTION)


class _Closed(Exception):
    """The connection was closed by this side; stop reading."""


class GraphQLWebSocket:
    def __init__(
        self,
        schema: strawberry.Schema,
        *,
        admission: Admission,
        init_timeout: float = 10.0,
        max_operations: int = 100,
    ) -> None:
        self.schema = schema
        self.admission = admission
        self.init_timeout = init_timeout
        self.max_operations = max_operations

    async def handle(self, websocket: WebSocket) -> None:
        if PROTOCOL not in websocket.scope.get("subprotocols", []):
            await websocket.close(4406, "Subprotocol not acceptable")
            return
        await websocket.accept(subprotocol=PROTOCOL)
        await _Connection(self, websocket).serve()


class _Connection:
    """One client's connection: its principal, once initialised, and its running operations."""

    def __init__(self, endpoint: GraphQLWebSocket, websocket: WebSocket) -> None:
        self.endpoint = endpoint
        self.websocket = websocket
        self.runtime: Runtime = websocket.app.state.runtime
        self.principal: Principal | None = None
        self.initialised = False
        self.operations: dict[str, asyncio.Task[None]] = {}
        self.sending = asyncio.Lock()

    async def serve(self) -> None:
        watchdog = asyncio.create_task(self._close_unless_initialised())
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text")
                if text is None:
                    await self._close(4400, "WebSocket message type must be text")
                try:
                    parsed = orjson.loads(text)
                except orjson.JSONDecodeError:
                    await self._close(4400, "WebSocket message must be valid JSON")
                await self._dispatch(parsed)
        except _Closed:
            return
        finally:
            watchdog.cancel()
            for task in list(self.operations.values()):
                task.cancel()
            for task in [watchdog, *self.operations.values()]:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _dispatch(self, message: Any) -> None:
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "connection_init":
            await self._initialise(message.get("payload"))
        elif kind == "ping":
            await self._send({"type": "pong"})
        elif kind == "pong":
            return
        elif kind == "subscribe":
            await self._subscribe(message)
        elif kind == "complete":
            task = self.operations.pop(str(message.get("id")), None)
            if task is not None:
                task.cancel()
        else:
            await self._close(4400, f"Unknown message type: {kind}")

    async def _initialise(self, payload: Any) -> None:
        if self.initialised:
            await self._close(4429, "Too many initialisation requests")
        self.initialised = True
        if payload is not None and not isinstance(payload, dict):
            await self._close(4400, "the connection_init payload must be an object")
        authorization, api_key = _credentials(payload or {})
        address = self.websocket.client.host if self.websocket.client else None
        try:
            principal = await self.endpoint.admission.admit(
                self.runtime.authenticator, authorization, api_key, address
            )
        except Unauthenticated:
            await self._close(4403, "Forbidden")
        except RateLimited:
            await self._close(4429, "Too many requests")
        self.principal = principal
        await self._send({"type": "connection_ack"})

    async def _subscribe(self, message: dict[str, Any]) -> None:
        if self.principal is None:
            await self._close(4401, "Unauthorized")
        operation_id = message.get("id")
        payload = message.get("payload")
        if not isinstance(operation_id, str) or not isinstance(payload, dict):
            await self._close(4400, "subscribe needs an id (a string) and a payload (an object)")
        if operation_id in self.operations:
            await self._close(4409, f"Subscriber for {operation_id} already exists")
        refusal = self._refusal(payload)
        if refusal is not None:
            await self._send({"id": operation_id, "type": "error", "payload": [refusal]})
            return
        task = asyncio.create_task(self._operate(operation_id, payload, self.principal))
        self.operations[operation_id] = task
        task.add_done_callback(lambda done: self._forget(operation_id, done))

    def _refusal(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        assert self.principal is not None
        query, variables = payload.get("query"), payload.get("variables")
        if not isinstance(query, str) or not query.strip():
            return _error("a GraphQL request needs a query (a string)", "BAD_USER_INPUT")
        if variables is not None and not isinstance(variables, dict):
            return _error("variables must be a JSON object", "BAD_USER_INPUT")
        if len(self.operations) >= self.endpoint.max_operations:
            return _error("too many operations on one connection", "RATE_LIMITED")
        try:
            self.endpoint.admission.check(self.principal)
        except RateLimited as error:
            return _error(str(error), "RATE_LIMITED")
        return None

    def _forget(self, operation_id: str, task: asyncio.Task[None]) -> None:
        if self.operations.get(operation_id) is task:
            del self.operations[operation_id]
        if not task.cancelled():
            task.exception()  # retrieved: _operate logs what needs logging

    async def _operate(self, operation_id: str, payload: dict[str, Any], principal: Principal) -> None:
        context = Context(runtime=self.runtime, principal=principal, correlation_id=str(uuid.uuid4()))
        name = payload.get("operationName")
        try:
            results = await self.endpoint.schema.stream(
                payload["query"],
                variable_values=payload.get("variables"),
                context_value=context,
                operation_name=name if isinstance(name, str) else None,
                allowed_operation_types=_STREAMED,
            )
            async with aclosing(results):
                async for result in results:
                    if isinstance(result, PreExecutionError):
                        errors = [format_error(e, request_error=True) for e in result.errors or []]
                        await self._send({"id": operation_id, "type": "error", "payload": errors})
                        return
                    if not isinstance(result, ExecutionResult):  # incremental delivery: not offered
                        continue
                    await self._send({"id": operation_id, "type": "next", "payload": _payload(result)})
            await self._send({"id": operation_id, "type": "complete"})
        except _Closed:
            return
        except Exception:
            log.exception("a WebSocket operation failed")
            with contextlib.suppress(_Closed):
                failure = _error("internal error; it has been logged", "INTERNAL_SERVER_ERROR")
                await self._send({"id": operation_id, "type": "error", "payload": [failure]})

    async def _close_unless_initialised(self) -> None:
        await asyncio.sleep(self.endpoint.init_timeout)
        if not self.initialised:
            with contextlib.suppress(_Closed):
                await self._close(4408, "Connection initialisation timeout")

    async def _send(self, message: dict[str, Any]) -> None:
        async with self.sending:
            if self.websocket.application_state is not WebSocketState.CONNECTED:
                raise _Closed
            try:
                await self.websocket.send_text(orjson.dumps(message, default=str).decode())
            except (RuntimeError, OSError):  # the client went away meanwhile
                raise _Closed from None

    async def _close(self, code: int, reason: str) -> NoReturn:
        """Close the connection (the protocol's answer to a misbehaving client) and stop."""
        async with self.sending:
            if self.websocket.application_state is WebSocketState.CONNECTED:
                with contextlib.suppress(RuntimeError, OSError):
                    await self.websocket.close(code, reason)
        raise _Closed


def _credentials(payload: dict[str, Any]) -> tuple[str | None, str | None]:
    """The payload's Authorization (or a bare token) and X-API-Key, whatever their case."""
    fields = {str(key).lower(): value for key, value in payload.items() if isinstance(value, str)}
    authorization = fields.get("authorization")
    if authorization is None and "token" in fields:
        authorization = f"Bearer {fields['token']}"
    return authorization, fields.get("x-api-key") or fields.get("apikey")


def _payload(result: ExecutionResult) -> dict[str, Any]:
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [format_error(e, request_error=False) for e in result.errors]
    if result.extensions:
        body["extensions"] = result.extensions
    return body


def _error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}
