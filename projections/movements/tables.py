"""The ``movements`` read model's tables: movements, and the displacement stocks they change."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Integer, SmallInteger, Table, Uuid

from projections.columns import Day, SafeString, UTCDateTime, metadata

movements = Table(
    "movements",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("crisis_id", Uuid, nullable=False, index=True),
    Column("kind", SafeString(32), nullable=False),
    Column("status", SafeString(32), nullable=False, index=True),
    Column("origin_country", SafeString(3), nullable=False),
    Column("origin_admin_code", SafeString(16)),
    Column("origin_haven_id", Uuid),
    Column("destination_state", SafeString(3), nullable=False, index=True),
    Column("destination_admin_code", SafeString(16), nullable=False),
    Column("destination_admin1", SafeString(8), nullable=False),
    Column("destination_haven_id", Uuid),
    Column("people", Integer, nullable=False),
    Column("people_arrived", Integer),
    Column("group_counts", JSON, nullable=False),  # "female:0-4" … "male:60+" → people
    Column("vulnerable", JSON, nullable=False),
    Column("planned_departure", Day, nullable=False),
    Column("planned_arrival", Day, nullable=False),
    Column("departed_on", Day),
    Column("arrived_on", Day),
    Column("voluntariness_confirmed_by", SafeString(200)),
    Column("voluntariness_method", SafeString(40)),
    Column("voluntariness_confirmed_on", Day),
    Column("cleared_risk", SafeString(16)),
    Column("planned_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("planned_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
)


#: One row per change of an area's displacement stocks (an assessment or a movement's arrival).
displacement_changes = Table(
    "displacement_changes",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("area", SmallInteger, primary_key=True),  # a movement changes two areas at one position
    Column("crisis_id", Uuid, nullable=False, index=True),
    Column("country", SafeString(3), nullable=False),
    Column("admin_code", SafeString(16), nullable=False, index=True),
    Column("as_of", Day, nullable=False),
    Column("displaced", Integer, nullable=False),
    Column("returned", Integer, nullable=False),
    Column("resettled", Integer, nullable=False),
    Column("source", SafeString(200), nullable=False),
    Column("source_id", Uuid, nullable=False),
)
