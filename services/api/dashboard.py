"""The dashboard at /: a static page that runs the named operations of graphql/operations/.

The page, its scripts and the operations' texts are public; the data is not: the page sends
the user's token with every operation, over HTTP and over the WebSocket of live updates.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, PlainTextResponse

STATIC_DIR = Path(__file__).resolve().parent / "static"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".topojson": "application/json",  # the map's outlines (package.json and lock files are not served)
    ".svg": "image/svg+xml",
}


def page_headers(*, connect_to: tuple[str, ...] = ()) -> dict[str, str]:
    """Scripts and styles from this origin only; data over this origin's HTTP and WebSocket, and
    the origins in ``connect_to`` (the workbench's identity provider)."""
    connect = " ".join(("'self'", *connect_to))
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src {connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        ),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-cache",
    }


PAGE_HEADERS = page_headers()


def operations_dir() -> Path:
    """graphql/operations/ of the source tree, or of the working directory (the image's)."""
    for root in (Path(__file__).resolve().parents[2], Path.cwd()):
        candidate = root / "graphql" / "operations"
        if candidate.is_dir():
            return candidate
    msg = "cannot find graphql/operations/ beside the code or in the working directory"
    raise FileNotFoundError(msg)


def static_file(directory: Path, name: str, headers: dict[str, str]) -> FileResponse:
    """One file of ``directory`` (never below it), of a kind a page loads."""
    path = directory / name
    if name.startswith(".") or "/" in name or path.suffix not in MEDIA_TYPES or not path.is_file():
        raise HTTPException(404, f"no asset {name!r}")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=headers)


async def operation(name: str) -> PlainTextResponse:
    """A named operation's text, so that the page (and any dashboard) runs exactly the contract."""
    directory = operations_dir()
    known = {path.stem: path for path in directory.glob("*.graphql")}
    if name not in known:
        raise HTTPException(404, f"no named operation {name!r}")
    return PlainTextResponse(
        known[name].read_text(encoding="utf-8"),
        media_type="application/graphql; charset=utf-8",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


def install(app: FastAPI, headers: dict[str, str] = PAGE_HEADERS) -> None:
    """The page, its assets and the operations' texts; left out of the OpenAPI document (not an API).
    ``headers``: the workbench's, when the page signs in and renews its token as the workbench does."""

    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type=MEDIA_TYPES[".html"], headers=headers)

    async def asset(name: str) -> FileResponse:
        return static_file(STATIC_DIR, name, headers)

    app.add_api_route("/", page, methods=["GET"], include_in_schema=False)
    app.add_api_route("/static/{name}", asset, methods=["GET"], include_in_schema=False)
    app.add_api_route("/operations/{name}.graphql", operation, methods=["GET"], include_in_schema=False)
