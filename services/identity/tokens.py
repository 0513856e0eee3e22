"""OAuth2 bearer tokens: JWTs checked against a JWKS, and a development signer for the embedded default.

Only RS256 and ES256 are accepted, and only with a key of the matching type named by ``kid``;
``iss``, ``aud``, ``exp`` and ``sub`` are required. Claims: ``role`` (coordinator, donor,
secretariat, viewer), ``member_state`` (ISO3, for coordinators) and ``org`` (organisation id,
for donors).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from domain.access import Role
from domain.codes import MemberState
from services.identity.access import Principal, Unauthenticated

ALGORITHMS = ("RS256", "ES256")
_KEY_TYPE_OF = {"RS256": "RSA", "ES256": "EC"}
DEV_ISSUER = "concord-dev"
DEV_KEY_FILE = "dev-signing-key.pem"
CLOCK_SKEW = 30


class KeySet:
    """Public keys by ``kid``, from a JWKS document fetched and refreshed, or given."""

    def __init__(
        self,
        fetch: Callable[[], Mapping[str, Any]] | None = None,
        *,
        keys: Mapping[str, Any] | None = None,
        refresh_after: float = 300.0,
        min_refresh_interval: float = 10.0,
    ) -> None:
        self._fetch = fetch
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._refresh_after = refresh_after
        self._min_interval = min_refresh_interval
        self._lock = threading.Lock()
        if keys is not None:
            self._load(keys)

    def _load(self, document: Mapping[str, Any]) -> None:
        keys = {}
        for entry in document.get("keys", []):
            if entry.get("use", "sig") != "sig" or "kid" not in entry:
                continue
            try:
                keys[entry["kid"]] = jwt.PyJWK(entry)
            except jwt.PyJWKError:
                continue
        self._keys = keys

    def key(self, kid: str) -> jwt.PyJWK | None:
        """The key for ``kid``; an unknown kid refreshes the set (at most every few seconds)."""
        now = time.monotonic()
        with self._lock:
            stale = now - self._fetched_at > self._refresh_after
            may_refresh = now - self._fetched_at > self._min_interval
            if self._fetch is not None and (stale or (kid not in self._keys and may_refresh)):
                try:
                    self._load(self._fetch())
                    self._fetched_at = now
                except Exception as error:
                    if not self._keys:
                        raise Unauthenticated("the identity provider's keys are unavailable") from error
            return self._keys.get(kid)


def jwks_fetcher(url: str, timeout: float = 5.0) -> Callable[[], Mapping[str, Any]]:
    def fetch() -> Mapping[str, Any]:
        client = jwt.PyJWKClient(url, cache_keys=False, cache_jwk_set=False, timeout=int(timeout))
        data: Mapping[str, Any] = client.fetch_data()
        return data

    return fetch


class TokenVerifier:
    def __init__(self, key_sets: list[tuple[str, KeySet]], audience: str) -> None:
        """``key_sets``: (issuer, its keys) — a token's ``iss`` picks the set that may sign it."""
        self._key_sets = dict(key_sets)
        self._audience = audience

    def principal(self, token: str) -> Principal:
        return self.verify(token)[0]

    def verify(self, token: str) -> tuple[Principal, float]:
        """The token's principal and the moment (epoch seconds) the token expires."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except (jwt.PyJWTError, ValueError, TypeError):
            raise Unauthenticated("malformed token") from None
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise Unauthenticated(f"tokens signed with {algorithm!r} are not accepted")
        issuer = unverified.get("iss")
        key_set = self._key_sets.get(issuer) if isinstance(issuer, str) else None
        if key_set is None:
            raise Unauthenticated("the token's issuer is not trusted")
        kid = header.get("kid")
        key = key_set.key(kid) if isinstance(kid, str) else None
        if key is None:
            raise Unauthenticated("the token's signing key (kid) is unknown")
        if key.key_type != _KEY_TYPE_OF[algorithm]:
            raise Unauthenticated("the token's algorithm does not match its key")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=issuer,
                leeway=CLOCK_SKEW,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"invalid token: {error}") from None
        return principal_from_claims(claims), float(claims["exp"])


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    try:
        role = Role(claims.get("role"))
        state = claims.get("member_state")
        organisation = claims.get("org")
        return Principal(
            subject=str(claims["sub"]),
            role=role,
            member_state=MemberState(state) if state else None,
            organisation_id=UUID(str(organisation)) if organisation else None,
            issuer=str(claims["iss"]) if "iss" in claims else None,
        )
    except (ValueError, KeyError) as error:
        raise Unauthenticated(f"the token's claims do not name a Concord principal: {error}") from None


class DevSigner:
    """An ES256 key kept in the data directory, so that the embedded default needs no provider."""

    def __init__(self, data_dir: Path, audience: str) -> None:
        self._path = data_dir / DEV_KEY_FILE
        self._audience = audience
        self._key = self._load_or_create()
        public = ECAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        self.kid = _thumbprint(public)
        self.jwks = {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "ES256"}]}

    def _load_or_create(self) -> ec.EllipticCurvePrivateKey:
        if self._path.exists():
            key = serialization.load_pem_private_key(self._path.read_bytes(), password=None)
            assert isinstance(key, ec.EllipticCurvePrivateKey)
            return key
        self._path.parent.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        return key

    def key_set(self) -> KeySet:
        return KeySet(keys=self.jwks)

    def issue(
        self,
        *,
        subject: str,
        role: Role,
        member_state: MemberState | None = None,
        organisation_id: UUID | None = None,
        ttl: int = 8 * 3600,
    ) -> str:
        Principal(subject, role, member_state, organisation_id)  # refuses incomplete claims
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": DEV_ISSUER,
            "aud": self._audience,
            "sub": subject,
            "iat": now,
            "exp": now + ttl,
            "role": role.value,
        }
        if member_state:
            claims["member_state"] = member_state.value
        if organisation_id:
            claims["org"] = str(organisation_id)
        return jwt.encode(claims, self._key, algorithm="ES256", headers={"kid": self.kid})


def _thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 thumbprint of an EC key, used as its ``kid``."""
    members = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode())
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
