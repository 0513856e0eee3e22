"""Every read-model table and the projections' tracking table. Alembic migrations create them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    Uuid,
)
from sqlalchemy.types import TypeEngine


class Quantity(TypeDecorator[Decimal]):
    """Exact decimals: NUMERIC on PostgreSQL, text on SQLite (whose NUMERIC would round via float)."""

    impl = Numeric(28, 4)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(28, 4, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else _tidy(Decimal(value))


def _tidy(value: Decimal) -> Decimal:
    """500.0000 from NUMERIC(28, 4) reads back as 500, as it was posted; 2.5000 as 2.5."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every back end (SQLite keeps no zone and returns naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is not None and dialect.name == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


metadata = MetaData()

projection_tracking = Table(
    "projection_tracking",
    metadata,
    Column("projection", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

assistance_requests = Table(
    "assistance_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("member_state", String(3), nullable=False),
    Column("sector", String(8), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("unit", String(32), nullable=False),
    Column("priority", SmallInteger, nullable=False),
    Column("needed_by", Date, nullable=False),
    Column("admin_code", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("cancellation_reason", Text),
    Column("version", Integer, nullable=False),
    Column("posted_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("posted_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
    Index("ix_assistance_requests_state_status", "member_state", "status"),
    Index("ix_assistance_requests_sector", "sector"),
    Index("ix_assistance_requests_priority", "priority"),
)

organisations = Table(
    "organisations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("organisation_type", String(48), nullable=False),
    Column("hxl_name", String(200), nullable=False),
    Column("member_state", String(3)),
    Column("suspended", Boolean, nullable=False),
    Column("registered_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("registered_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
    Index("ix_organisations_name", "name"),
)
