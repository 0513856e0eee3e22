"""From an HTTP request's credentials to a Principal: bearer JWTs and service-account API keys."""

from __future__ import annotations

import time
from typing import Protocol

from services.identity.access import Principal, Unauthenticated
from services.identity.service_accounts import KEY_PREFIX
from services.identity.tokens import DEV_ISSUER, DevSigner, KeySet, TokenVerifier, jwks_fetcher
from services.settings import Settings

_CACHE_SIZE = 10_000


class ApiKeys(Protocol):
    """Where API keys are looked up: the command application, which identity does not import (it sits
    below the commands, which authorise through it)."""

    def principal_for_api_key(self, key: str) -> Principal: ...


class Authenticator:
    def __init__(self, verifier: TokenVerifier, api_keys: ApiKeys) -> None:
        self._verifier = verifier
        self._api_keys = api_keys
        # Verified JWTs, until they expire: a dashboard's token is checked once, not per request.
        self._verified: dict[str, tuple[Principal, float]] = {}

    def remembered(self, authorization: str | None, api_key: str | None = None) -> Principal | None:
        """A JWT verified before and not yet expired; no I/O, so safe on the event loop."""
        if api_key or not authorization:
            return None
        entry = self._verified.get(authorization)
        if entry is None or entry[1] <= time.time():
            return None
        return entry[0]

    def authenticate(self, authorization: str | None, api_key: str | None = None) -> Principal:
        """Blocking (an API key is looked up in the event store): call it off the event loop."""
        if api_key:
            return self._api_keys.principal_for_api_key(api_key.strip())
        if not authorization:
            raise Unauthenticated("send a bearer token (Authorization: Bearer …) or an API key")
        scheme, _, credentials = authorization.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() != "bearer" or not credentials:
            raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
        if credentials.startswith(KEY_PREFIX):
            # Never cached: a revoked key must stop working at once.
            return self._api_keys.principal_for_api_key(credentials)
        principal, expires = self._verifier.verify(credentials)
        if len(self._verified) >= _CACHE_SIZE:
            self._verified.clear()
        self._verified[authorization] = (principal, expires)
        return principal


def token_verifier(settings: Settings) -> TokenVerifier:
    """Trust the configured identity provider, and the development signer where it is on."""
    settings.check()
    key_sets: list[tuple[str, KeySet]] = []
    if settings.auth_issuer and settings.auth_jwks_url:
        key_sets.append((settings.auth_issuer, KeySet(jwks_fetcher(settings.auth_jwks_url))))
    if settings.dev_signer_enabled:
        key_sets.append((DEV_ISSUER, dev_signer(settings).key_set()))
    return TokenVerifier(key_sets, settings.auth_audience)


def dev_signer(settings: Settings) -> DevSigner:
    settings.check()
    if not settings.dev_signer_enabled:
        raise ValueError("the development signer is off (CONCORD_AUTH_DEV_SIGNER, CONCORD_ENVIRONMENT)")
    return DevSigner(settings.data_dir, settings.auth_audience)
