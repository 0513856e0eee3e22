"""One typed settings object, read from ``CONCORD_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
    projection_poll_interval: float = Field(
        default=1.0, gt=0, description="fallback poll, seconds, where no wake-up signal exists"
    )
    postgres_pool_size: int = Field(default=10, ge=1)

    @property
    def uses_postgres(self) -> bool:
        return self.database_url is not None
