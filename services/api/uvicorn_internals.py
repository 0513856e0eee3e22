"""uvicorn used past its API. Written for uvicorn 0.54.0 with httptools (WRITTEN_FOR, requirements.lock).

uvicorn's httptools protocol (``RequestResponseCycle.send``) writes an answer's status line and
headers when the app sends ``http.response.start``, and its body when the app sends
``http.response.body``: two ``transport.write`` calls, and uvloop makes each a ``send()`` system
call while it holds the GIL. py-spy (``--gil``, ``python -m bench.commands --profile``) put the two at
8 % of the API process's time under ``postRequest`` at c=16, the head's write 6 % alone. Here an
answer whose length is known (``content-length``, as every Starlette ``Response`` but a streaming
one has) keeps its head until its body comes, and both go out in one write. Streaming answers
(server-sent events, exports), ``HEAD`` and answers without a length are written as uvicorn does.

On an upgrade, tests/unit/test_uvicorn_internals.py fails first: compare ``RequestResponseCycle.send``
with the new release (it must still write through ``self.transport.write`` alone).
"""

from __future__ import annotations

from typing import Any

import uvicorn
from uvicorn.protocols.http import httptools_impl

WRITTEN_FOR = "0.54.0"
_HEAD = "_concord_head"
uvicorn_send = httptools_impl.RequestResponseCycle.send


class _Kept:
    """Stands in for the connection's transport while uvicorn writes a head: keeps the bytes."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data += data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _Joined:
    """Stands in while uvicorn writes the first body part: the kept head goes out with it."""

    def __init__(self, transport: Any, head: bytes) -> None:
        self._transport = transport
        self._head: bytes | None = head

    def write(self, data: bytes) -> None:
        head, self._head = self._head, None
        self._transport.write(data if head is None else head + data)

    def flush(self) -> None:
        if self._head is not None and not self._transport.is_closing():
            head, self._head = self._head, None
            self._transport.write(head)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _has_length(cycle: Any, message: Any) -> bool:
    if cycle.scope["method"] == "HEAD":
        return False
    return any(name.lower() == b"content-length" for name, _ in message.get("headers", ()))


async def send(self: Any, message: Any) -> None:
    """``RequestResponseCycle.send``, writing a head with a known length together with its body."""
    if message["type"] == "http.response.start" and not self.response_started and _has_length(self, message):
        transport = self.transport
        kept = _Kept(transport)
        self.transport = kept
        try:
            await uvicorn_send(self, message)
        finally:
            self.transport = transport
        setattr(self, _HEAD, kept.data)
        return
    head = self.__dict__.pop(_HEAD, None)
    if head is None:
        await uvicorn_send(self, message)
        return
    transport = self.transport
    joined = _Joined(transport, head)
    self.transport = joined
    try:
        await uvicorn_send(self, message)
    finally:
        self.transport = transport
        joined.flush()  # an empty or refused body part: the head still goes out first


def install() -> None:
    """Replace ``RequestResponseCycle.send`` (once; the server's process only)."""
    if uvicorn.__version__ != WRITTEN_FOR:
        return  # another release: its own send, until this module is compared with it
    httptools_impl.RequestResponseCycle.send = send  # type: ignore[method-assign]
