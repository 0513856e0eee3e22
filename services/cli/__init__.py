"""The ``concord`` command: serve, migrate, project, rebuild, export, import, status, token, apikey.

One module per group of commands; this one names them, in the order ``concord --help`` lists them."""

from __future__ import annotations

import typer

from services.cli.credentials import apikey_create, apikey_revoke, token
from services.cli.projecting import project, rebuild, status
from services.cli.serving import serve
from services.cli.spreadsheets import export, import_
from services.cli.store import demo, migrate

app = typer.Typer(
    help="Concord: coordination of post-conflict assistance among ASEAN member states.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(serve)
app.command()(migrate)
app.command()(project)
app.command()(rebuild)
app.command()(demo)
app.command()(export)
app.command("import")(import_)
app.command()(status)
app.command()(token)

apikey = typer.Typer(help="Service-account API keys for integrations (only a hash is stored).")
app.add_typer(apikey, name="apikey")
apikey.command("create")(apikey_create)
apikey.command("revoke")(apikey_revoke)


def main() -> None:
    app()
