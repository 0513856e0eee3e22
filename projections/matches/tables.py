"""The ``matches`` read model's table."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Table, Uuid

from projections.columns import Quantity, SafeString, SafeText, UTCDateTime, metadata

matches = Table(
    "matches",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("crisis_id", Uuid, nullable=False),
    Column("request_id", Uuid, nullable=False, index=True),
    Column("offer_id", Uuid, nullable=False, index=True),
    Column("quantity", Quantity, nullable=False),
    Column("unit", SafeString(32), nullable=False),
    Column("status", SafeString(16), nullable=False),
    Column("over_cover", Boolean, nullable=False),
    Column("dispatched", Quantity),
    Column("received", Quantity),
    Column("reason", SafeText),
    Column("proposed_by", SafeString(200), nullable=False),
    Column("proposed_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("proposed_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
    Index("ix_matches_crisis_status", "crisis_id", "status"),
    # A coordinator's waiting matches: one status, newest first, each one's request looked up by its
    # key; the request's id in the index too, so that their count reads no row of the table.
    Index("ix_matches_status_position", "status", "proposed_position", "request_id"),
)
