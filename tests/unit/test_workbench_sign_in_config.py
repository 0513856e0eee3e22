"""How the workbench's pages learn to sign in (/workbench/config.json), and the one origin beyond
their own that their policy (and the dashboard's) lets them reach: the configured identity
provider's."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.settings import Settings
from tests.unit.test_workbench_routes import call

ISSUER = "https://id.example.org/realms/asean"
OPENID = {
    "environment": "production",
    "auth_issuer": ISSUER,
    "auth_jwks_url": f"{ISSUER}/protocol/openid-connect/certs",
    "auth_client_id": "concord-workbench",
    "auth_scopes": "openid concord",
}


async def test_with_a_client_id_the_pages_sign_in_at_the_provider_and_may_reach_its_origin_only(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, **OPENID)

    config = await call(settings, "GET", "/workbench/config.json")
    page = await call(settings, "GET", "/workbench/needs")
    callback = await call(settings, "GET", "/workbench/signed-in")
    signed_out = await call(settings, "GET", "/workbench/signed-out")
    library = await call(settings, "GET", "/workbench/vendor/oidc-client-ts.min.js")
    dashboard = await call(settings, "GET", "/")

    assert config.json() == {
        "signIn": "openid",
        "issuer": ISSUER,
        "clientId": "concord-workbench",
        "scopes": "openid concord",
    }
    policy = page.headers["content-security-policy"]
    assert "connect-src 'self' https://id.example.org;" in policy
    assert "frame-src" not in policy
    assert callback.headers["content-security-policy"] == policy
    assert signed_out.status_code == 200
    assert library.status_code == 200
    assert library.headers["content-type"].startswith("text/javascript")
    # The dashboard renews its token at the provider as the workbench does.
    assert dashboard.headers["content-security-policy"] == policy


async def test_without_a_client_id_no_page_may_reach_another_origin(tmp_path: Path) -> None:
    development = Settings(data_dir=tmp_path / "dev", auth_issuer=ISSUER, auth_jwks_url=f"{ISSUER}/certs")
    production = Settings(
        data_dir=tmp_path / "prod",
        environment="production",
        auth_issuer=ISSUER,
        auth_jwks_url=f"{ISSUER}/certs",
    )

    dev_config = (await call(development, "GET", "/workbench/config.json")).json()
    dev_page = await call(development, "GET", "/workbench/needs")
    prod_config = (await call(production, "GET", "/workbench/config.json")).json()
    prod_page = await call(production, "GET", "/workbench/needs")
    prod_dashboard = await call(production, "GET", "/")

    assert dev_config == {"signIn": "development"}
    assert "connect-src 'self';" in dev_page.headers["content-security-policy"]
    assert prod_config == {"signIn": None}
    assert "connect-src 'self';" in prod_page.headers["content-security-policy"]
    assert "connect-src 'self';" in prod_dashboard.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("issuer", "origin"),
    [
        ("https://id.example.org/realms/asean", "https://id.example.org"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("https://ID.example.org:8443/", "https://id.example.org:8443"),
    ],
)
def test_the_issuers_origin_is_its_scheme_host_and_port(issuer: str, origin: str) -> None:
    assert Settings(auth_issuer=issuer, auth_jwks_url=f"{issuer}/jwks").issuer_origin == origin


@pytest.mark.parametrize(
    ("given", "refusal"),
    [
        ({"auth_client_id": "concord-workbench"}, "CONCORD_AUTH_ISSUER"),
        (
            {"auth_client_id": "w", "auth_issuer": "id.example.org; script-src *", "auth_jwks_url": "x"},
            "must be an http",
        ),
        (
            {"auth_client_id": "w", "auth_issuer": "https://id.example.org:x", "auth_jwks_url": "x"},
            "must be an http",
        ),
    ],
)
def test_a_client_id_without_a_usable_issuer_is_refused(given: dict[str, str], refusal: str) -> None:
    with pytest.raises(ValueError, match=refusal):
        Settings(**given).check()  # type: ignore[arg-type]
