"""``concord serve --workers N``: the socket its API processes share answers without Nagle's delay."""

from __future__ import annotations

import socket

import uvicorn

from services.cli.serving import shared_socket


def test_connections_accepted_on_the_shared_socket_have_nagle_off() -> None:
    config = uvicorn.Config("services.api.app:worker_app", factory=True, host="127.0.0.1", port=0, workers=2)
    listening = shared_socket(config)
    try:
        listening.listen()
        with socket.create_connection(listening.getsockname()[:2], timeout=5):
            accepted, _ = listening.accept()
            with accepted:
                # What asyncio leaves alone on a socket not made for IPPROTO_TCP (uvicorn's).
                assert accepted.proto != socket.IPPROTO_TCP
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        listening.close()
