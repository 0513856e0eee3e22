"""Gives every HTTP request a correlation id, echoed in ``X-Correlation-ID`` and set for the logs."""

from __future__ import annotations

import os
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.infrastructure.logs import correlation_id

HEADER = "X-Correlation-ID"
ALTERNATIVE = "X-Request-ID"
MAX_LENGTH = 100
_RAW_HEADER = HEADER.lower().encode("latin-1")
_RAW_ALTERNATIVE = ALTERNATIVE.lower().encode("latin-1")


def chosen(headers: Headers) -> str:
    """The caller's id when it is a short printable string, else a new one."""
    return _chosen(headers.get(HEADER, ""), headers.get(ALTERNATIVE, ""))


def chosen_in(raw: Iterable[tuple[bytes, bytes]]) -> str:
    """``chosen`` of an ASGI scope's raw headers (the first of each name, as ``Headers.get``), in
    one pass over them."""
    given = alternative = None
    for name, value in raw:
        if name == _RAW_HEADER:
            given = value if given is None else given
        elif name == _RAW_ALTERNATIVE:
            alternative = value if alternative is None else alternative
    return _chosen(
        "" if given is None else given.decode("latin-1"),
        "" if alternative is None else alternative.decode("latin-1"),
    )


def _chosen(*given: str) -> str:
    for value in given:
        if 0 < len(value) <= MAX_LENGTH and value.isprintable():
            return value
    return new_id()


def new_id() -> str:
    """A random (version 4) UUID's text, as ``str(uuid.uuid4())`` makes it, without the ``UUID``
    object: its checks took most of that call's time."""
    value = int.from_bytes(os.urandom(16), "big") & ~(0xF000 << 64) | (0x4000 << 64)  # version 4
    value = value & ~(0xC000 << 48) | (0x8000 << 48)  # the RFC 4122 variant
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


class CorrelationMiddleware:
    """A plain ASGI middleware, so that the id is set in the task the endpoint runs in."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        value = chosen_in(scope["headers"])
        token = correlation_id.set(value)
        raw_value = value.encode("latin-1")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                if not any(name == _RAW_HEADER for name, _ in headers):
                    message["headers"] = [*headers, (_RAW_HEADER, raw_value)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation_id.reset(token)
