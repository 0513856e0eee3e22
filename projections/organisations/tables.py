"""The ``organisations`` read model's table."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Table, Uuid

from projections.columns import SafeString, UTCDateTime, metadata

organisations = Table(
    "organisations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", SafeString(200), nullable=False),
    Column("organisation_type", SafeString(48), nullable=False),
    Column("hxl_name", SafeString(200), nullable=False),
    Column("member_state", SafeString(3)),
    Column("iati_identifier", SafeString(100)),
    Column("suspended", Boolean, nullable=False),
    Column("registered_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("registered_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
    Index("ix_organisations_name", "name"),
)
