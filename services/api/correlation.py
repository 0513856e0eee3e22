"""Gives every HTTP request a correlation id, echoed in ``X-Correlation-ID`` and set for the logs."""

from __future__ import annotations

import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.infrastructure.logs import correlation_id

HEADER = "X-Correlation-ID"
ALTERNATIVE = "X-Request-ID"
MAX_LENGTH = 100


def chosen(headers: Headers) -> str:
    """The caller's id when it is a short printable string, else a new one."""
    for name in (HEADER, ALTERNATIVE):
        given = headers.get(name, "")
        if 0 < len(given) <= MAX_LENGTH and given.isprintable():
            return given
    return str(uuid.uuid4())


class CorrelationMiddleware:
    """A plain ASGI middleware, so that the id is set in the task the endpoint runs in."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        value = chosen(Headers(scope=scope))
        token = correlation_id.set(value)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if HEADER not in headers:
                    headers[HEADER] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation_id.reset(token)
