"""services/api/uvicorn_internals.py: an answer of known length goes out in one write, byte for byte
what uvicorn writes in two; streaming answers and HEAD are written as uvicorn writes them. An
upgrade of uvicorn fails here first."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from uvicorn.protocols.http import httptools_impl
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from services.api import uvicorn_internals


class Transport:
    """What the protocol writes to a connection, one entry a ``write``."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 40000)}.get(name, default)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


async def _text(_request: Request) -> Response:
    return PlainTextResponse("hello, one write", headers={"X-Correlation-ID": "abc"})


async def _stream(_request: Request) -> Response:
    async def parts() -> AsyncIterator[bytes]:
        yield b"first"
        yield b"second"

    return StreamingResponse(parts(), media_type="text/plain")


APP = Starlette(routes=[Route("/text", _text, methods=["GET", "HEAD"]), Route("/stream", _stream)])


async def _writes(send: Callable[..., Any], request: bytes, monkeypatch: pytest.MonkeyPatch) -> Transport:
    monkeypatch.setattr(httptools_impl.RequestResponseCycle, "send", send)
    config = uvicorn.Config(APP, log_config=None, lifespan="off", date_header=False, server_header=False)
    protocol = HttpToolsProtocol(config, ServerState(), {}, asyncio.get_running_loop())
    transport = Transport()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    protocol.data_received(request)
    for _ in range(200):
        if protocol.cycle is not None and protocol.cycle.response_complete:
            break
        await asyncio.sleep(0)
    assert protocol.cycle is not None
    assert protocol.cycle.response_complete
    return transport


def _request(method: str, path: str) -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode()


def test_written_for_the_installed_uvicorn() -> None:
    assert uvicorn.__version__ == uvicorn_internals.WRITTEN_FOR
    assert uvicorn_internals.uvicorn_send.__qualname__ == "RequestResponseCycle.send"


async def test_an_answer_of_known_length_is_one_write_of_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    theirs = await _writes(uvicorn_internals.uvicorn_send, _request("GET", "/text"), monkeypatch)
    ours = await _writes(uvicorn_internals.send, _request("GET", "/text"), monkeypatch)

    assert len(theirs.writes) == 2  # what the module is for: head, then body
    assert ours.writes == [b"".join(theirs.writes)]
    assert ours.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert ours.writes[0].endswith(b"\r\n\r\nhello, one write")
    assert b"x-correlation-id: abc\r\n" in ours.writes[0]


async def test_a_streaming_answer_sends_its_head_before_its_first_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    theirs = await _writes(uvicorn_internals.uvicorn_send, _request("GET", "/stream"), monkeypatch)
    ours = await _writes(uvicorn_internals.send, _request("GET", "/stream"), monkeypatch)

    assert ours.writes == theirs.writes
    assert ours.writes[0].endswith(b"\r\n\r\n")


async def test_head_is_written_as_uvicorn_writes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    theirs = await _writes(uvicorn_internals.uvicorn_send, _request("HEAD", "/text"), monkeypatch)
    ours = await _writes(uvicorn_internals.send, _request("HEAD", "/text"), monkeypatch)

    assert ours.writes == theirs.writes


async def test_a_connection_closed_by_the_client_is_not_written_to(monkeypatch: pytest.MonkeyPatch) -> None:
    request = b"GET /text HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    theirs = await _writes(uvicorn_internals.uvicorn_send, request, monkeypatch)
    ours = await _writes(uvicorn_internals.send, request, monkeypatch)

    assert ours.writes == [b"".join(theirs.writes)]
    assert ours.closed
    assert theirs.closed
