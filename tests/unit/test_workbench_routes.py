"""The workbench's routes: the development sign-in exists in development only, and its tokens are
the development signer's, naming the principal chosen."""

from __future__ import annotations

from pathlib import Path

import httpx

from domain.access import Role
from domain.codes import MemberState, Sector
from services.api.app import create_app
from services.identity.authentication import token_verifier
from services.settings import Settings


async def call(settings: Settings, method: str, path: str, **kwargs: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://concord") as client:
        return await client.request(method, path, **kwargs)  # type: ignore[arg-type]


async def test_production_has_no_development_sign_in(tmp_path: Path) -> None:
    production = Settings(
        environment="production",
        data_dir=tmp_path,
        auth_issuer="https://id.example.org/",
        auth_jwks_url="https://id.example.org/jwks",
    )

    page = await call(production, "GET", "/workbench/sign-in")
    minted = await call(production, "POST", "/workbench/dev/token", json={"role": "secretariat"})
    needs = await call(production, "GET", "/workbench/needs")

    assert page.status_code == 404
    assert minted.status_code == 404
    assert needs.status_code == 200
    assert "script-src 'self'" in needs.headers["content-security-policy"]
    assert not (tmp_path / "dev-signing-key.pem").exists()


async def test_development_sign_in_mints_a_token_of_the_development_signer(tmp_path: Path) -> None:
    development = Settings(data_dir=tmp_path)

    page = await call(development, "GET", "/workbench/sign-in")
    minted = await call(
        development, "POST", "/workbench/dev/token", json={"role": "coordinator", "memberState": "PHL"}
    )
    incomplete = await call(development, "POST", "/workbench/dev/token", json={"role": "donor"})
    unknown = await call(development, "POST", "/workbench/dev/token", json={"role": "admiral"})

    principal = token_verifier(development).principal(minted.json()["accessToken"])
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert minted.headers["cache-control"] == "no-store"
    assert (principal.role, principal.member_state) == (Role.COORDINATOR, MemberState.PHL)
    assert incomplete.status_code == 422
    assert "organisation" in incomplete.json()["detail"]
    assert unknown.status_code == 422


async def test_the_code_lists_are_the_domains(tmp_path: Path) -> None:
    listed = (await call(Settings(data_dir=tmp_path), "GET", "/workbench/codes.json")).json()

    philippines = next(state for state in listed["memberStates"] if state["code"] == "PHL")
    assert philippines == {"code": "PHL", "name": "Philippines", "pcodePrefixes": ["PH", "PHL"]}
    assert [sector["code"] for sector in listed["sectors"]] == [sector.name for sector in Sector]
    assert {"code": "PRO_GBV", "name": Sector.PRO_GBV.label} in listed["sectors"]
