"""The ``security_incidents`` read model's table."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Table, Uuid

from projections.columns import Day, SafeString, SafeText, UTCDateTime, metadata

security_incidents = Table(
    "security_incidents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("crisis_id", Uuid, index=True),
    Column("member_state", SafeString(3), nullable=False, index=True),
    Column("admin_code", SafeString(16), nullable=False),
    Column("admin1", SafeString(8), nullable=False),
    Column("occurred_on", Day, nullable=False),
    Column("kind", SafeString(32), nullable=False),
    Column("severity", SafeString(16), nullable=False),
    Column("status", SafeString(8), nullable=False, index=True),
    Column("description", SafeText, nullable=False),
    Column("affected_organisations", JSON, nullable=False),
    Column("reported_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("reported_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
    # A state's incidents a page at a time, newest report first, read from the index in order.
    Index("ix_security_incidents_state_reported", "member_state", "reported_position"),
)
