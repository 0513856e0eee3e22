"""``concord migrate`` and ``demo``: the tables, and a scenario written into the event store."""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli.terminal import ProgressBar, configure_logging
from services.settings import Settings


def migrate() -> None:
    """Create or upgrade every table: event store, tracking, read models."""
    from services.infrastructure.storage import storage_for  # noqa: PLC0415 - only the commands that use it import it
    from services.migrate import migrate as apply_migrations  # noqa: PLC0415

    configure_logging()
    apply_migrations(storage_for(Settings()))


def demo(
    seed: Annotated[int, typer.Option(help="the same seed writes the same scenario")] = 2026,
    scale: Annotated[float, typer.Option(help="1 is ~3,000 requests; 0.1 a tenth of everything")] = 1.0,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="only into an empty event store")] = False,
) -> None:
    """Write a demo post-conflict scenario through Concord's own commands (every invariant holds)."""
    from services.coordination import Concord  # noqa: PLC0415
    from services.demo import Demo, is_empty  # noqa: PLC0415 - only this command needs it
    from services.infrastructure.storage import storage_for  # noqa: PLC0415

    configure_logging()
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
