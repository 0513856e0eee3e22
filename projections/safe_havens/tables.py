"""The ``safe_havens`` read model's tables: each haven, and the places approved movements reserve."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, Table, Uuid

from projections.columns import Quantity, SafeString, UTCDateTime, metadata

safe_havens = Table(
    "safe_havens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("crisis_id", Uuid, nullable=False, index=True),
    Column("member_state", SafeString(3), nullable=False),
    Column("name", SafeString(200), nullable=False),
    Column("admin1", SafeString(8), nullable=False),
    Column("admin_code", SafeString(16), nullable=False),
    Column("latitude", Quantity, nullable=False),
    Column("longitude", Quantity, nullable=False),
    Column("capacity_day", Integer, nullable=False),
    Column("capacity_night", Integer, nullable=False),
    Column("occupancy", Integer, nullable=False),
    Column("reserved", Integer, nullable=False, server_default="0"),  # for approved movements
    Column("services", SafeString(200), nullable=False),  # HXL #sector codes, comma-separated
    Column("status", SafeString(16), nullable=False),
    Column("designated_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("designated_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
)

haven_reservations = Table(
    "haven_reservations",
    metadata,
    Column("haven_id", Uuid, primary_key=True),
    Column("movement_id", Uuid, primary_key=True),
    Column("people", Integer, nullable=False),
)
