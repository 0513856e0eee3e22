"""The ``crises`` read model's table."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Table, Uuid

from projections.columns import Day, SafeString, UTCDateTime, metadata

crises = Table(
    "crises",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", SafeString(200), nullable=False),
    Column("affected_states", SafeString(64), nullable=False),  # ISO3 codes, comma-separated
    Column("start_date", Day, nullable=False),
    Column("phase", SafeString(24), nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("opened_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
)
