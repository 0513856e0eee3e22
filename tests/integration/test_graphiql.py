"""GraphiQL (development only) is served from this origin, under the dashboard's strict CSP."""

from __future__ import annotations

import re
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.api.graphiql import GRAPHIQL_DIR
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving
from tests.conftest import migrated_sqlite

ROOT = Path(__file__).resolve().parents[2]
_REFERENCE = re.compile(r'(?:src|href)="([^"]*)"')


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    settings = Settings(data_dir=tmp_path / "var")
    migrated_sqlite(settings.data_dir)
    async for running in serving(
        settings, DevSigner(settings.data_dir, settings.auth_audience), with_crisis=False
    ):
        yield running


async def test_the_page_loads_only_files_of_this_origin(client: Client) -> None:
    page = await client.http.get("/graphql", headers={"accept": "text/html"})
    references = [r for r in _REFERENCE.findall(page.text) if r != "data:,"]
    assets = {r: await client.http.get(r) for r in references}

    policy = page.headers["content-security-policy"]
    assert page.status_code == 200
    assert "script-src 'self';" in policy
    assert "unsafe" not in policy
    assert "//" not in page.text  # no origin but this one: no http://, https:// or //cdn…
    assert "<style" not in page.text
    assert re.findall(r"<script[^>]*>([^<]+)</script>", page.text) == []  # no inline script
    assert sorted(references) == sorted(
        f"/static/graphiql/{name}"
        for name in (
            "graphiql.min.css",
            "plugin-explorer.css",
            "graphiql-page.css",
            "react.production.min.js",
            "react-dom.production.min.js",
            "graphiql.min.js",
            "plugin-explorer.umd.js",
            "graphiql-page.js",
        )
    )
    for reference, response in assets.items():
        assert response.status_code == 200, reference
        assert response.headers["content-security-policy"] == policy
        kind = "text/javascript" if reference.endswith(".js") else "text/css"
        assert response.headers["content-type"].startswith(kind), reference


async def test_the_lock_file_and_the_licences_are_there_but_only_pages_files_are_served(
    client: Client,
) -> None:
    lock = await client.http.get("/static/graphiql/package-lock.json")
    licence = await client.http.get("/static/graphiql/graphiql-LICENSE.md")

    assert lock.status_code == 404
    assert licence.status_code == 200
    assert (GRAPHIQL_DIR / "package-lock.json").is_file()


def test_the_package_ships_every_file_the_page_loads() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"][
        "services.api"
    ]
    package = ROOT / "services" / "api"
    shipped = {
        path.relative_to(package).as_posix()
        for pattern in patterns
        for path in package.glob(pattern)
        if path.is_file()
    }
    page = (GRAPHIQL_DIR / "index.html").read_text()
    needed = ["static/graphiql/index.html"] + [
        r.removeprefix("/") for r in _REFERENCE.findall(page) if r.startswith("/static/")
    ]

    assert sorted(set(needed) - shipped) == []
    assert {p.name for p in GRAPHIQL_DIR.glob("*LICENSE*")} <= {Path(s).name for s in shipped}


async def test_production_serves_no_graphiql_files(tmp_path: Path) -> None:
    provider = {"auth_issuer": "https://id.example.org/", "auth_jwks_url": "https://id.example.org/jwks"}
    settings = Settings(
        data_dir=tmp_path / "var", environment="production", auth_dev_signer=False, **provider
    )
    migrated_sqlite(settings.data_dir)
    async for client in serving(settings, DevSigner(settings.data_dir, "concord"), with_crisis=False):
        script = await client.http.get("/static/graphiql/graphiql.min.js")

    assert script.status_code == 404
