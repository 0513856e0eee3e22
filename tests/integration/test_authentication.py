"""Bearer tokens against a real JWKS endpoint: valid ones pass, every forgery is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from typer.testing import CliRunner

from domain.access import Role
from domain.codes import MemberState
from services.api.app import create_app
from services.cli import app as cli
from services.identity.access import Unauthenticated
from services.identity.tokens import KeySet, TokenVerifier, jwks_fetcher
from services.settings import Settings

ISSUER = "https://idp.example.asean"
AUDIENCE = "concord"


class IdentityProvider:
    """Signs tokens and serves its JWKS over HTTP, counting how often it is fetched."""

    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.published: list[dict[str, Any]] = [
            {**RSAAlgorithm.to_jwk(self.rsa.public_key(), as_dict=True), "kid": "rsa-1", "use": "sig"},
            {**ECAlgorithm.to_jwk(self.ec.public_key(), as_dict=True), "kid": "ec-1", "use": "sig"},
        ]
        self.fetches = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                body = json.dumps({"keys": provider.published}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "maria@dswd.gov.ph",
            "iat": now,
            "exp": now + 600,
            "role": "coordinator",
            "member_state": "PHL",
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def rs256(self, kid: str = "rsa-1", **overrides: Any) -> str:
        return jwt.encode(self.claims(**overrides), self.rsa, algorithm="RS256", headers={"kid": kid})

    def es256(self, **overrides: Any) -> str:
        return jwt.encode(self.claims(**overrides), self.ec, algorithm="ES256", headers={"kid": "ec-1"})


@pytest.fixture(scope="module")
def provider() -> Iterator[IdentityProvider]:
    idp = IdentityProvider()
    yield idp
    idp.server.shutdown()


@pytest.fixture
def verifier(provider: IdentityProvider) -> TokenVerifier:
    return TokenVerifier([(ISSUER, KeySet(jwks_fetcher(provider.url)))], AUDIENCE)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def test_rs256_and_es256_tokens_from_the_provider_are_accepted(
    provider: IdentityProvider, verifier: TokenVerifier
) -> None:
    by_rsa = verifier.principal(provider.rs256())
    by_ec = verifier.principal(
        provider.es256(role="donor", member_state=None, org="8c5d5f1e-6f0a-4a53-9a53-2b8f9f1d7c11")
    )

    assert (by_rsa.role, by_rsa.member_state) == (Role.COORDINATOR, MemberState.PHL)
    assert by_ec.role is Role.DONOR
    assert str(by_ec.organisation_id) == "8c5d5f1e-6f0a-4a53-9a53-2b8f9f1d7c11"


def test_keys_are_cached_not_fetched_per_token(provider: IdentityProvider, verifier: TokenVerifier) -> None:
    before = provider.fetches
    for _ in range(5):
        verifier.principal(provider.rs256())

    assert provider.fetches - before == 1


def test_alg_none_is_refused(provider: IdentityProvider, verifier: TokenVerifier) -> None:
    forged = _unsigned({"alg": "none", "typ": "JWT", "kid": "rsa-1"}, provider.claims()) + "."

    with pytest.raises(Unauthenticated, match="not accepted"):
        verifier.principal(forged)


def test_hs256_signed_with_the_public_key_is_refused(
    provider: IdentityProvider, verifier: TokenVerifier
) -> None:
    public_pem = provider.rsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, provider.claims())
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()

    with pytest.raises(Unauthenticated, match="not accepted"):
        verifier.principal(f"{signing_input}.{_b64(signature)}")


def test_an_rs256_header_on_an_ec_key_is_refused(provider: IdentityProvider, verifier: TokenVerifier) -> None:
    token = jwt.encode(provider.claims(), provider.rsa, algorithm="RS256", headers={"kid": "ec-1"})

    with pytest.raises(Unauthenticated):
        verifier.principal(token)


def test_an_expired_token_is_refused(provider: IdentityProvider, verifier: TokenVerifier) -> None:
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.principal(provider.rs256(exp=int(time.time()) - 3600))


def test_a_token_for_another_audience_is_refused(provider: IdentityProvider, verifier: TokenVerifier) -> None:
    with pytest.raises(Unauthenticated, match=r"(?i)audience"):
        verifier.principal(provider.rs256(aud="another-service"))


def test_a_token_from_an_untrusted_issuer_is_refused(
    provider: IdentityProvider, verifier: TokenVerifier
) -> None:
    with pytest.raises(Unauthenticated, match="issuer"):
        verifier.principal(provider.rs256(iss="https://evil.example"))


def test_an_unknown_kid_is_refused_after_one_refresh(
    provider: IdentityProvider, verifier: TokenVerifier
) -> None:
    verifier.principal(provider.rs256())
    before = provider.fetches

    with pytest.raises(Unauthenticated, match="kid"):
        verifier.principal(provider.rs256(kid="rotated-away"))
    with pytest.raises(Unauthenticated, match="kid"):
        verifier.principal(provider.rs256(kid="rotated-away"))

    assert provider.fetches - before <= 1  # refreshes are rate-limited, not one per token


@pytest.mark.parametrize("missing", ["exp", "aud", "iss", "sub"])
def test_a_token_without_a_required_claim_is_refused(
    provider: IdentityProvider, verifier: TokenVerifier, missing: str
) -> None:
    with pytest.raises(Unauthenticated):
        verifier.principal(provider.rs256(**{missing: None}))


@pytest.mark.parametrize(
    "claims",
    [
        {"role": "admin"},
        {"role": "coordinator", "member_state": None},
        {"role": "donor", "member_state": None},
    ],
)
def test_claims_that_name_no_concord_principal_are_refused(
    provider: IdentityProvider, verifier: TokenVerifier, claims: dict[str, Any]
) -> None:
    with pytest.raises(Unauthenticated):
        verifier.principal(provider.rs256(**claims))


def test_a_signature_by_another_key_is_refused(provider: IdentityProvider, verifier: TokenVerifier) -> None:
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(provider.claims(), impostor, algorithm="RS256", headers={"kid": "rsa-1"})

    with pytest.raises(Unauthenticated, match="invalid token"):
        verifier.principal(token)


def test_production_refuses_the_development_signer() -> None:
    with pytest.raises(ValueError, match="refusing to start"):
        Settings(environment="production", auth_dev_signer=True).check()
    assert not Settings(environment="production").dev_signer_enabled
    assert Settings().dev_signer_enabled


def test_an_api_that_trusts_no_issuer_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Production without an identity provider would answer every request 401 without a word."""
    with pytest.raises(ValueError, match="refusing to start: no identity provider"):
        create_app(Settings(environment="production", data_dir=tmp_path))
    with pytest.raises(ValueError, match="refusing to start: no identity provider"):
        create_app(Settings(auth_dev_signer=False, data_dir=tmp_path))
    monkeypatch.setenv("CONCORD_ENVIRONMENT", "production")
    monkeypatch.setenv("CONCORD_DATA_DIR", str(tmp_path))
    served = CliRunner().invoke(cli, ["serve"])

    assert served.exit_code == 2
    assert "CONCORD_AUTH_ISSUER" in served.output
    provider = {"auth_issuer": ISSUER, "auth_jwks_url": "https://idp.example.asean/jwks"}
    assert create_app(Settings(environment="production", data_dir=tmp_path, **provider))
