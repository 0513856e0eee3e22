"""The ``concord`` command: serve, migrate, project, rebuild, export, import, status, token, apikey."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import typer

from domain.access import Actor, Role
from domain.codes import MemberState
from domain.errors import InvalidInput, InvalidTransition
from projections.lease import PROJECTIONS_LEASE, ProjectionLease
from projections.shadow import ShadowUnsupported, shadow_rebuild
from services.bootstrap import all_projectors, projection_runners, run_projections, start, storage_for
from services.coordination import Concord
from services.errors import NotFound
from services.identity.access import Unauthenticated
from services.identity.authentication import dev_signer
from services.infrastructure import logs
from services.infrastructure.heap import settle_heap
from services.migrate import migrate as apply_migrations
from services.settings import Settings
from services.status import ProjectionStatus, projection_status

if TYPE_CHECKING:
    import uvicorn

app = typer.Typer(
    help="Concord: coordination of post-conflict assistance among ASEAN member states.",
    no_args_is_help=True,
    add_completion=False,
)


def _logging(settings: Settings | None = None) -> None:
    settings = settings or Settings()
    logs.configure(settings.log_format, settings.log_level)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to listen on [CONCORD_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on [CONCORD_PORT]")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="API processes, PostgreSQL only [CONCORD_WORKERS]")
    ] = None,
) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql) and, unless told otherwise, the projections."""
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
    """On PostgreSQL, only the worker holding the advisory lock projects; the others stand by."""
    settings = Settings()
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    runtime = await start(settings, run_projections=False)
    settle_heap()
    lease = ProjectionLease(runtime.read_engine, PROJECTIONS_LEASE) if runtime.storage.is_postgres else None
    lost = False
    try:
        if lease is not None:
            acquired = asyncio.create_task(lease.acquire())
            await _first(acquired, stopped.wait())
            if acquired.cancelled():  # stopped while standing by
                return
            acquired.result()  # a failure to reach the database ends the worker
        await run_projections(runtime)
        names = ", ".join(r.projector.name for r in runtime.runners)
        logging.getLogger("concord").info("projecting %s", names)
        watched = asyncio.create_task(lease.watch()) if lease is not None else None
        await _first(stopped.wait(), *([watched] if watched else []))
        lost = watched is not None and watched.done() and not watched.cancelled()
    finally:
        await runtime.close()
        if lease is not None:
            await lease.release()
    if lost:
        # Another worker may be active by now: stop, and let the supervisor start a stand-by.
        raise typer.Exit(1)


async def _first(*awaitables: Awaitable[object]) -> None:
    """Wait until the first of them finishes; cancel the rest."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@app.command()
def rebuild(
    name: Annotated[str, typer.Argument(help="the projection to rebuild, e.g. assistance_requests")],
    shadow: Annotated[
        bool,
        typer.Option("--shadow", help="PostgreSQL: build new tables beside the live ones, then switch"),
    ] = False,
) -> None:
    """Replay one projection from the start of the log: in place, or (--shadow) without downtime."""
    _logging()
    names = [p.name for p in all_projectors()]
    if name not in names:
        typer.echo(f"unknown projection {name!r}; known: {', '.join(names)}", err=True)
        raise typer.Exit(2)
    if shadow:
        try:
            position = asyncio.run(_shadow_rebuild(name))
        except ShadowUnsupported as refused:
            typer.echo(str(refused), err=True)
            raise typer.Exit(2) from None
        typer.echo(f"rebuilt {name} into new tables and switched them in at position {position}")
        return
    count = asyncio.run(_rebuild(name))
    typer.echo(f"rebuilt {name} from {count} events")


async def _shadow_rebuild(name: str) -> int:
    runtime = await start(Settings(), run_projections=False)
    settle_heap()
    try:
        projector = next(p for p in all_projectors() if p.name == name)
        head = await asyncio.to_thread(runtime.concord.recorder.max_notification_id) or 0
        progress = RebuildProgress(name, head)
        position = await shadow_rebuild(
            projector,
            engine=runtime.read_engine,
            recorder=runtime.concord.recorder,
            decode=runtime.decode,
            batch_size=runtime.settings.projection_rebuild_batch_size,
            on_batch=progress.show,
        )
        progress.done()
        return position
    finally:
        await runtime.close()


async def _rebuild(name: str) -> int:
    runtime = await start(Settings(), run_projections=False)
    settle_heap()
    try:
        runner = next(r for r in projection_runners(runtime, waker=None) if r.projector.name == name)
        head = await asyncio.to_thread(runtime.concord.recorder.max_notification_id) or 0
        progress = RebuildProgress(name, head)
        count = await runner.rebuild(
            on_batch=progress.show, batch_size=runtime.settings.projection_rebuild_batch_size
        )
        progress.done()
        return count
    finally:
        await runtime.close()


class RebuildProgress:
    """One line on stderr: redrawn in place on a terminal, a line per tenth of the way otherwise."""

    def __init__(self, name: str, head: int) -> None:
        self.name, self.head = name, head
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def show(self, position: int) -> None:
        share = 100 if self.head == 0 else min(100, position * 100 // self.head)
        if not self.tty and share // 10 == self.shown // 10:
            return
        self.shown = share
        start, end = ("\r", "") if self.tty else ("", "\n")
        sys.stderr.write(f"{start}{self.name}: position {position} of {self.head} ({share} %){end}")
        sys.stderr.flush()

    def done(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="the same seed writes the same scenario")] = 2026,
    scale: Annotated[float, typer.Option(help="1 is ~3,000 requests; 0.1 a tenth of everything")] = 1.0,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="only into an empty event store")] = False,
) -> None:
    """Write a demo post-conflict scenario through Concord's own commands (every invariant holds)."""
    from services.demo import Demo, is_empty  # noqa: PLC0415 - only this command needs it

    _logging()
    settings = Settings()
    if not 0 < scale <= 10:
        typer.echo("--scale must be more than 0 and at most 10", err=True)
        raise typer.Exit(2)
    concord = Concord(storage_for(settings).event_store_env)
    try:
        if if_empty and not is_empty(concord):
            typer.echo("the event store already holds events: no demo written")
            return
        bar = ProgressBar("demo")
        tally = Demo(concord, seed=seed, scale=scale).run(bar.show)
        bar.done()
    finally:
        concord.close()
    written = ", ".join(f"{n:,} {what}" for what, n in tally.written.items())
    typer.echo(f"wrote {written}; {tally.refused:,} commands refused by the domain, as a user would be")


class ProgressBar:
    """A bar on stderr, redrawn in place on a terminal; a line per tenth of the way otherwise."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def show(self, done: int, total: int, label: str) -> None:
        share = 100 if total == 0 else min(100, done * 100 // total)
        if share == self.shown or (not self.tty and share // 10 == self.shown // 10):
            return
        self.shown = share
        bar = "#" * (share // 4) + "-" * (25 - share // 4)
        start, end = ("\r", "") if self.tty else ("", "\n")
        sys.stderr.write(f"{start}{self.name} [{bar}] {share:3d} % {label:<30}{end}")
        sys.stderr.flush()

    def done(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


@app.command()
def export(
    kind: Annotated[str, typer.Argument(help="requests, offers, safe-havens, flows, movements or 3w")],
    out: Annotated[str, typer.Option(help="file to write; - for standard output")] = "-",
    crisis: Annotated[list[str] | None, typer.Option(help="only this crisis (repeatable)")] = None,
) -> None:
    """Write an HXL-tagged CSV export, unredacted (for operators with need-to-know)."""
    from services.api.exports.hxl_files import SOURCES  # noqa: PLC0415 - only this command needs it

    _logging()
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


@app.command("import")
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

    _logging()
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


@app.command()
def status() -> None:
    """Each projection's position, the head of the log, its lag and state; a failing one's error."""
    statuses = asyncio.run(_status())
    typer.echo(f"{'projection':<24} {'position':>10} {'head':>10} {'lag':>10}  state")
    for s in statuses:
        position = "-" if s.position is None else str(s.position)
        typer.echo(f"{s.name:<24} {position:>10} {s.head:>10} {s.lag:>10}  {s.state}")
    for s in statuses:
        if s.error is not None:
            since = s.failing_since.isoformat(timespec="seconds") if s.failing_since else "?"
            typer.echo(f"{s.name}: failing since {since} ({s.failures} failures so far): {s.error}")


async def _status() -> list[ProjectionStatus]:
    runtime = await start(Settings(), run_projections=False)
    try:
        return await projection_status(runtime)
    finally:
        await runtime.close()


@app.command()
def token(
    role: Annotated[Role, typer.Option(help="coordinator, donor, secretariat or viewer")],
    state: Annotated[MemberState | None, typer.Option(help="the coordinator's member state (ISO3)")] = None,
    org: Annotated[str | None, typer.Option(help="the donor's organisation id")] = None,
    subject: Annotated[
        str | None, typer.Option(help="who the token names (sub); by default one per role and scope")
    ] = None,
    hours: Annotated[float, typer.Option(help="how long the token is valid")] = 8.0,
) -> None:
    """Print a token from the development signer, which the local server accepts."""
    settings = Settings()
    try:
        signer = dev_signer(settings)
        organisation = UUID(org) if org else None
        typer.echo(
            signer.issue(
                subject=subject or dev_subject(role, state, organisation),
                role=role,
                member_state=state,
                organisation_id=organisation,
                ttl=int(hours * 3600),
            )
        )
    except (ValueError, Unauthenticated) as error:
        typer.echo(f"concord token: {error}", err=True)
        raise typer.Exit(2) from None


def dev_subject(role: Role, state: MemberState | None, organisation: UUID | None) -> str:
    """``dev-donor-<org>``: a subject of its own for each role and scope, so that two development
    principals never pass for one (in the audit trail, the event feed or anywhere a subject shows)."""
    return "-".join(
        ["dev", role.value, *([state.value] if state else []), *([str(organisation)] if organisation else [])]
    )


apikey = typer.Typer(help="Service-account API keys for integrations (only a hash is stored).")
app.add_typer(apikey, name="apikey")
OPERATOR = Actor(principal="operator:cli", role="operator", scope="any")


@apikey.command("create")
def apikey_create(
    name: Annotated[str, typer.Option(help="what the key is for, e.g. 'PHL logistics feed'")],
    role: Annotated[Role, typer.Option(help="the role the key acts in")],
    state: Annotated[MemberState | None, typer.Option(help="member state, for a coordinator")] = None,
    org: Annotated[str | None, typer.Option(help="organisation id, for a donor")] = None,
) -> None:
    """Issue a key; it is printed once and never stored."""
    concord = Concord(storage_for(Settings()).event_store_env)
    try:
        issued = concord.issue_api_key(
            OPERATOR,
            name=name,
            role=role,
            member_state=state,
            organisation_id=UUID(org) if org else None,
        )
    except (ValueError, Unauthenticated) as error:
        typer.echo(f"concord apikey create: {error}", err=True)
        raise typer.Exit(2) from None
    finally:
        concord.close()
    typer.echo(f"account {issued.account_id}")
    typer.echo(issued.key)


@apikey.command("revoke")
def apikey_revoke(account: Annotated[str, typer.Argument(help="the account id printed at creation")]) -> None:
    """Revoke a key at once: requests with it are refused from now on."""
    concord = Concord(storage_for(Settings()).event_store_env)
    try:
        concord.revoke_api_key(OPERATOR, UUID(account))
    except (ValueError, NotFound, InvalidTransition) as error:
        typer.echo(f"concord apikey revoke: {error}", err=True)
        raise typer.Exit(2) from None
    finally:
        concord.close()
    typer.echo(f"revoked {account}")


def main() -> None:
    app()
