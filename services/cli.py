"""The ``concord`` command: serve, migrate, project, rebuild."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer

from services.bootstrap import all_projectors, projection_runners, start, storage_for
from services.migrate import migrate as apply_migrations
from services.settings import Settings

app = typer.Typer(
    help="Concord: coordination of post-conflict assistance among ASEAN member states.",
    no_args_is_help=True,
    add_completion=False,
)


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to listen on [CONCORD_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on [CONCORD_PORT]")] = None,
) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql) and, unless told otherwise, the projections."""
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from services.api.app import create_app  # noqa: PLC0415

    settings = Settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
        proxy_headers=False,
    )


@app.command()
def migrate() -> None:
    """Create or upgrade every table: event store, tracking, read models."""
    _logging()
    apply_migrations(storage_for(Settings()))


@app.command()
def project() -> None:
    """Run the projection workers in this process, following the log until stopped."""
    _logging()
    asyncio.run(_project())


async def _project() -> None:
    runtime = await start(Settings(), run_projections=True)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    logging.getLogger("concord").info("projecting %s", ", ".join(r.projector.name for r in runtime.runners))
    await stopped.wait()
    await runtime.close()


@app.command()
def rebuild(
    name: Annotated[str, typer.Argument(help="the projection to rebuild, e.g. assistance_requests")],
) -> None:
    """Replay one projection from the start of the log into emptied tables."""
    _logging()
    names = [p.name for p in all_projectors()]
    if name not in names:
        typer.echo(f"unknown projection {name!r}; known: {', '.join(names)}", err=True)
        raise typer.Exit(2)
    count = asyncio.run(_rebuild(name))
    typer.echo(f"rebuilt {name} from {count} events")


async def _rebuild(name: str) -> int:
    runtime = await start(Settings(), run_projections=False)
    try:
        runner = next(r for r in projection_runners(runtime, waker=None) if r.projector.name == name)
        await runner.reset()
        return await runner.catch_up()
    finally:
        await runtime.close()


def main() -> None:
    app()
