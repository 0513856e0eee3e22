"""The ``offers`` read model's table."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Table, Uuid

from projections.columns import Day, Quantity, SafeString, SafeText, UTCDateTime, metadata

offers = Table(
    "offers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("crisis_id", Uuid, nullable=False),
    Column("organisation_id", Uuid),
    Column("offering_state", SafeString(3)),
    Column("sector", SafeString(8), nullable=False),
    Column("item", SafeString(32), nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("allocated", Quantity, nullable=False),
    Column("unit", SafeString(32), nullable=False),
    Column("available_from", Day, nullable=False),
    Column("available_until", Day, nullable=False),
    Column("serves", SafeString(64), nullable=False),  # ISO3 codes, comma-separated
    Column("delivery_mode", SafeString(16), nullable=False),
    Column("standby_capacity", SafeString(100)),
    Column("description", SafeText, nullable=False),
    Column("withdrawn", Boolean, nullable=False),
    Column("posted_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("posted_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
    Index("ix_offers_crisis_item", "crisis_id", "item"),
    # One offering party's offers (needSuggestions, a donor's offers page).
    Index("ix_offers_organisation", "organisation_id"),
    Index("ix_offers_offering_state", "offering_state"),
    # The matcher's suggestions: every filter of theirs answered from the index alone.
    Index(
        "ix_offers_item_available",
        "item",
        "available_from",
        "available_until",
        "withdrawn",
        "crisis_id",
        "standby_capacity",
        "serves",
    ),
)
