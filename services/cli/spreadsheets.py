"""``concord export`` and ``import``: HXL-tagged spreadsheets out of the read side and into the commands."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Annotated, Any
from uuid import UUID

import typer

from domain.errors import InvalidInput
from services.cli.terminal import ProgressBar, RebuildProgress, configure_logging
from services.identity.access import Unauthenticated
from services.settings import Settings


def export(
    kind: Annotated[str, typer.Argument(help="requests, offers, safe-havens, flows, movements or 3w")],
    out: Annotated[str, typer.Option(help="file to write; - for standard output")] = "-",
    crisis: Annotated[list[str] | None, typer.Option(help="only this crisis (repeatable)")] = None,
) -> None:
    """Write an HXL-tagged CSV export, unredacted (for operators with need-to-know)."""
    from services.api.exports.hxl_files import SOURCES  # noqa: PLC0415 - only this command needs it

    configure_logging()
    if kind not in SOURCES:
        typer.echo(f"unknown export {kind!r}; known: {', '.join(SOURCES)}", err=True)
        raise typer.Exit(2)
    try:
        crises = [UUID(c) for c in crisis or []]
    except ValueError:
        typer.echo("--crisis takes a crisis id", err=True)
        raise typer.Exit(2) from None
    count = asyncio.run(_export(kind, out, crises))
    typer.echo(f"exported {count:,} rows of {kind}", err=True)


async def _export(kind: str, out: str, crises: list[UUID]) -> int:
    from services.api.exports.hxl_files import write_export  # noqa: PLC0415
    from services.bootstrap import start  # noqa: PLC0415 - only the commands that use it import it

    runtime = await start(Settings(), run_projections=False)
    shown = RebuildProgress(f"export {kind}", 0)  # a count of rows: the total is not known ahead

    def rows_so_far(count: int) -> None:
        if shown.tty:
            sys.stderr.write(f"\rexport {kind}: {count:,} rows")
            sys.stderr.flush()

    try:
        if out == "-":
            return await write_export(kind, runtime, sys.stdout, crisis=crises)
        with open(out, "w", encoding="utf-8", newline="") as file:  # noqa: ASYNC230
            count = await write_export(kind, runtime, file, crisis=crises, progress=rows_so_far)
        shown.done()
        return count
    finally:
        await runtime.close()


def import_(
    kind: Annotated[str, typer.Argument(help="requests or offers")],
    file: Annotated[str, typer.Argument(help="an HXL-tagged CSV or XLSX file, as the exports write")],
    preview: Annotated[bool, typer.Option("--preview", help="check each row, post nothing")] = False,
    token: Annotated[str | None, typer.Option(envvar="CONCORD_TOKEN", help="who posts: a token")] = None,
    api_key: Annotated[str | None, typer.Option(envvar="CONCORD_API_KEY", help="or an API key")] = None,
) -> None:
    """Post the rows of a spreadsheet as requests or offers, as the caller the credentials name.

    Straight into the event store, as the API would (same commands, policy and idempotency keys):
    an operator's tool on the server, with no upload size limit and a bar row by row."""
    from services.imports.service import Kind  # noqa: PLC0415 - only this command needs it

    configure_logging()
    if kind not in {k.value for k in Kind}:
        typer.echo(f"unknown import {kind!r}; known: requests, offers", err=True)
        raise typer.Exit(2)
    try:
        with open(file, "rb") as opened:
            content = opened.read()
    except OSError as error:
        typer.echo(f"concord import: {error}", err=True)
        raise typer.Exit(2) from None
    report = asyncio.run(_import(Kind(kind), content, token, api_key, commit=not preview))
    summary = ", ".join(f"{n:,} {status}" for status, n in report.summary().items() if n)
    typer.echo(f"{kind} from {file}: {summary or 'no rows'}")
    for row in report.rows:
        for refused in row.errors:
            typer.echo(f"line {row.line}: {refused.field or 'row'}: {refused.message}", err=True)
    if any(row.errors for row in report.rows):
        raise typer.Exit(1)


async def _import(kind: Any, content: bytes, token: str | None, api_key: str | None, *, commit: bool) -> Any:
    from services.bootstrap import start  # noqa: PLC0415
    from services.identity.access import Forbidden, authorise  # noqa: PLC0415
    from services.imports.service import import_file  # noqa: PLC0415

    runtime = await start(Settings(), run_projections=False)
    bar = ProgressBar(f"import {kind.value}")
    try:
        principal = runtime.authenticator.authenticate(f"Bearer {token}" if token else None, api_key)
        authorise(principal, f"POST /imports/{kind.value}")
        report = await asyncio.to_thread(
            import_file,
            runtime.concord,
            principal,
            kind,
            content,
            commit=commit,
            correlation_id=f"cli-import-{os.getpid()}",
            progress=lambda done, total: bar.show(done, total, f"row {done:,} of {total:,}"),
        )
    except (Unauthenticated, Forbidden, InvalidInput) as error:
        typer.echo(f"concord import: {error}", err=True)
        raise typer.Exit(2) from None
    finally:
        bar.done()
        await runtime.close()
    return report
