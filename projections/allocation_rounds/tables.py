"""The ``allocation_rounds`` read model's table."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, Table, Uuid

from projections.columns import SafeString, UTCDateTime, metadata

# One row per allocation round: what the secretariat lists rounds by, to open one for review (the
# round itself, with the needs and offers it read, is read from the event store).
allocation_rounds = Table(
    "allocation_rounds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("crisis_id", Uuid),  # null: every open crisis
    Column("ran_at", UTCDateTime, nullable=False),
    Column("ran_by", SafeString(200), nullable=False),
    Column("method", SafeString(100), nullable=False),
    Column("need_count", Integer, nullable=False),
    Column("offer_count", Integer, nullable=False),
    Column("proposal_count", Integer, nullable=False),
    Column("skipped_count", Integer, nullable=False),
    Column("min_state_coverage", Float, nullable=False),
    Column("weighted_coverage", Float, nullable=False),
    Column("greedy_min_state_coverage", Float, nullable=False),
    Column("greedy_weighted_coverage", Float, nullable=False),
    Column("position", BigInteger, nullable=False, unique=True),  # the round's, newest first
    Index("ix_allocation_rounds_crisis_position", "crisis_id", "position"),
)
