"""GraphiQL for development, served from this origin: no CDN, so it works offline, and under the
dashboard's Content-Security-Policy (scripts and styles from this origin only).

The vendored files and where they come from: ``static/graphiql/VENDORED.md``.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import FileResponse

from services.api.dashboard import PAGE_HEADERS as DASHBOARD_HEADERS
from services.api.dashboard import STATIC_DIR, static_file

GRAPHIQL_DIR = STATIC_DIR / "graphiql"
# GraphiQL's stylesheet embeds its fonts as data: URIs; nothing else is loosened.
PAGE_HEADERS = {
    **DASHBOARD_HEADERS,
    "Content-Security-Policy": DASHBOARD_HEADERS["Content-Security-Policy"] + "; font-src 'self' data:",
}


def page() -> FileResponse:
    return FileResponse(
        GRAPHIQL_DIR / "index.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS
    )


async def asset(name: str) -> FileResponse:
    return static_file(GRAPHIQL_DIR, name, PAGE_HEADERS)


def install(app: FastAPI) -> None:
    app.add_api_route("/static/graphiql/{name}", asset, methods=["GET"], include_in_schema=False)
