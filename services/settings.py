"""One typed settings object, read from ``CONCORD_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONCORD_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="postgresql://user:password@host:port/dbname; unset means embedded SQLite",
    )
    data_dir: Path = Field(default=Path("var"), description="where the embedded SQLite file lives")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    projections: Literal["in-process", "external"] = Field(
        default="in-process",
        description="run projection workers inside the API process, or leave them to `concord project`",
    )
    consistency_timeout: float = Field(
        default=5.0, gt=0, description="seconds a Concord-Consistent-With read waits at most"
    )
    projection_batch_size: int = Field(default=500, ge=1, le=10_000)
    projection_rebuild_batch_size: int = Field(
        default=5000, ge=1, le=100_000, description="events per transaction of `concord rebuild`"
    )
    projection_catch_up_after: int = Field(
        default=5000,
        ge=1,
        description="a projection more positions behind the head catches up in a rebuild's batches",
    )
    projection_poll_interval: float = Field(
        default=1.0, gt=0, description="fallback poll, seconds, where no wake-up signal exists"
    )
    postgres_pool_size: int = Field(default=10, ge=1)
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="API processes of `concord serve` (several: PostgreSQL only)",
    )
    ready_max_lag: int = Field(
        default=1000, ge=0, description="/readyz fails while a projection is more positions behind"
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one JSON object a line, with the correlation id"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    opentelemetry: bool = Field(
        default=False,
        description="FastAPI's OpenTelemetry spans, metrics and logs for each request (to a provider "
        "configured in the environment); off, no request pays for looking one up",
    )
    command_db_timeout: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="seconds a request may wait for the event store in all, retries included; "
        "then 503 SERVICE_UNAVAILABLE with Retry-After",
    )
    group_commit_window_ms: float = Field(
        default=0.0, ge=0, le=100, description="how long a command may wait for others to share its commit"
    )
    group_commit_max_batch: int = Field(default=64, ge=1, le=1000, description="commands per commit at most")

    environment: Literal["development", "production"] = Field(
        default="development",
        description="production: no development signer, no GraphiQL, no introspection, "
        "no field suggestions in GraphQL errors, no /docs or /redoc",
    )
    auth_audience: str = Field(default="concord", description="the `aud` every token must carry")
    auth_issuer: str | None = Field(default=None, description="the identity provider's `iss`")
    auth_jwks_url: str | None = Field(default=None, description="where the provider publishes its JWKS")
    auth_client_id: str | None = Field(
        default=None,
        description="the workbench's public client at the identity provider (code flow with PKCE); "
        "unset: the workbench offers no OpenID Connect sign-in",
    )
    auth_scopes: str = Field(
        default="openid",
        description="the scopes the workbench asks for: whatever the provider needs to issue an access "
        "token for the `concord` audience, and a refresh token for silent renewal",
    )
    auth_dev_signer: bool | None = Field(
        default=None,
        description="accept tokens from `concord token`; on by default in development only",
    )
    rate_limit_per_minute: int = Field(
        default=1200, ge=1, description="requests per principal (shared out among the API processes)"
    )
    rate_limit_burst: int = Field(default=200, ge=1, description="requests a principal may send at once")
    rate_limit_failed_auth_per_minute: int = Field(
        default=60, ge=1, description="failed authentications per client address (then 429)"
    )
    rate_limit_failed_auth_burst: int = Field(
        default=30, ge=1, description="failed authentications a client address may make at once"
    )

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def dev_signer_enabled(self) -> bool:
        return (not self.is_production) if self.auth_dev_signer is None else self.auth_dev_signer

    def check(self) -> None:
        """Refuse settings that must never run: production with the development signer."""
        if self.is_production and self.dev_signer_enabled:
            msg = "refusing to start: CONCORD_AUTH_DEV_SIGNER is on but CONCORD_ENVIRONMENT=production"
            raise ValueError(msg)
        if (self.auth_issuer is None) != (self.auth_jwks_url is None):
            msg = "set both CONCORD_AUTH_ISSUER and CONCORD_AUTH_JWKS_URL, or neither"
            raise ValueError(msg)
        if self.auth_client_id and not self.auth_issuer:
            msg = "CONCORD_AUTH_CLIENT_ID needs the provider it is registered with: set CONCORD_AUTH_ISSUER"
            raise ValueError(msg)
        if self.auth_issuer and self.auth_client_id and self.issuer_origin is None:
            msg = "CONCORD_AUTH_ISSUER must be an http(s) URL for the workbench's sign-in"
            raise ValueError(msg)

    @property
    def issuer_origin(self) -> str | None:
        """The identity provider's origin (scheme://host[:port]), which the workbench's pages may reach."""
        if not self.auth_issuer:
            return None
        parts = urlsplit(self.auth_issuer)
        try:
            port = parts.port
        except ValueError:
            return None
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            return None
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        return f"{parts.scheme}://{host}{f':{port}' if port else ''}"

    def check_serving(self) -> None:
        """Refuse, besides what ``check`` refuses, an API that trusts no issuer of credentials
        (production without an identity provider): it would answer every request 401 without
        saying why. Commands that serve no requests (migrate, project, rebuild) need none."""
        self.check()
        if self.auth_issuer is None and not self.dev_signer_enabled:
            msg = (
                "refusing to start: no identity provider is configured (set CONCORD_AUTH_ISSUER and "
                "CONCORD_AUTH_JWKS_URL)"
                + (
                    " and CONCORD_ENVIRONMENT=production has no development signer"
                    if self.is_production
                    else " and the development signer is off (CONCORD_AUTH_DEV_SIGNER)"
                )
                + ", so every request would be refused"
            )
            raise ValueError(msg)

    @property
    def uses_postgres(self) -> bool:
        return self.database_url is not None
