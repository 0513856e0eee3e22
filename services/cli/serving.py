"""``concord serve``: the API, in one process or several sharing a socket."""

from __future__ import annotations

import contextlib
import gc
import os
import socket
from typing import TYPE_CHECKING, Annotated, Any

import typer

from services.infrastructure import logs
from services.settings import Settings

if TYPE_CHECKING:
    import uvicorn


def serve(
    host: Annotated[str | None, typer.Option(help="interface to listen on [CONCORD_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on [CONCORD_PORT]")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="API processes, PostgreSQL only [CONCORD_WORKERS]")
    ] = None,
) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql) and, unless told otherwise, the projections."""
    from services.infrastructure.heap import collect_later  # noqa: PLC0415

    collect_later()  # until the app has started (settle_heap): start-up makes no garbage to speak of
    try:
        _serve(host, port, workers)
    finally:
        gc.enable()  # if it stopped before the app started


def _serve(host: str | None, port: int | None, workers: int | None) -> None:
    import uvicorn  # noqa: PLC0415 - only this command needs the server
    from uvicorn.supervisors import Multiprocess  # noqa: PLC0415

    from services.api import uvicorn_internals  # noqa: PLC0415
    from services.api.app import create_app  # noqa: PLC0415

    settings = Settings()
    if workers is not None:
        settings = settings.model_copy(update={"workers": workers})
    try:
        settings.check_serving()
    except ValueError as error:
        typer.echo(f"concord serve: {error}", err=True)
        raise typer.Exit(2) from None
    logs.configure(settings.log_format, settings.log_level, background=True)  # off the requests' path
    options: dict[str, Any] = {
        "host": host or settings.host,
        "port": port or settings.port,
        "log_config": None,  # uvicorn's loggers go through ours (services.infrastructure.logs)
        "log_level": settings.log_level.lower(),
        "proxy_headers": False,
    }
    uvicorn_internals.install()
    if settings.workers == 1:
        uvicorn.run(create_app(settings, settle=True), **options)
        return
    if settings.database_url is None:
        typer.echo(
            "error: several API processes need PostgreSQL (CONCORD_DATABASE_URL); the embedded "
            "SQLite file takes one writing process",
            err=True,
        )
        raise typer.Exit(2)
    # Each process builds its own app from the environment; the one that holds the projection
    # lease projects, the others stand by (services.bootstrap).
    os.environ["CONCORD_WORKERS"] = str(settings.workers)
    gc.enable()  # this process only supervises the API processes; it never settles
    config = uvicorn.Config("services.api.app:worker_app", factory=True, workers=settings.workers, **options)
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[shared_socket(config)]).run()


def shared_socket(config: uvicorn.Config) -> socket.socket:
    """The listening socket uvicorn's worker processes share, answering without Nagle's delay.

    uvicorn makes this socket itself, without naming the protocol, and asyncio turns Nagle's
    algorithm off (TCP_NODELAY) only on connections of sockets made for IPPROTO_TCP. An answer's
    headers and body are two writes, so each body waited for the client's delayed ACK: about
    40 ms for every request at concurrency 1 with ``--workers 2``. Linux gives each accepted
    connection the listening socket's TCP_NODELAY.
    """
    sock = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock
