"""Every read-model table and the projections' tracking table. Alembic migrations create them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
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

from domain.text import replace_unsafe

_BindProcessor = Callable[[Any], Any]


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

    def bind_processor(self, dialect: Dialect) -> _BindProcessor | None:
        if dialect.name != "sqlite":  # process_bind_param gives the value back: not called per value
            return self.impl_instance.bind_processor(dialect)
        if self.impl_instance.bind_processor(dialect) is None:
            return _text_or_none  # process_bind_param, in one call per value instead of two
        return super().bind_processor(dialect)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else _tidy(Decimal(value))


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _tidy(value: Decimal) -> Decimal:
    """500.0000 from NUMERIC(28, 4) reads back as 500, as it was posted; 2.5000 as 2.5."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)  # SQLite stores UTC wall times without a zone


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every back end (SQLite keeps no zone and returns naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is not None and dialect.name == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def bind_processor(self, dialect: Dialect) -> _BindProcessor | None:
        if dialect.name != "sqlite":  # process_bind_param gives the value back: not called per value
            return self.impl_instance.bind_processor(dialect)
        slow = super().bind_processor(dialect)
        assert slow is not None

        def process(value: Any) -> Any:
            """The text SQLite's DATETIME stores (its default format), without building the dict
            of fields its format string takes; the UTC wall time by exact timedelta arithmetic,
            2.5 times cheaper than astimezone and replace (whose keyword parsing is most of it)."""
            if type(value) is not datetime or value.tzinfo is None:
                return slow(value)
            return (_NAIVE_EPOCH + (value - _EPOCH)).isoformat(" ", "microseconds")

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Day(TypeDecorator[date]):
    """A DATE, bound for SQLite as the text SQLAlchemy's SQLite DATE stores (its default format)
    by isoformat rather than a format string over a dict of fields: 1.5 µs a value, in a rebuild."""

    impl = Date
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> _BindProcessor | None:
        slow = self.impl_instance.bind_processor(dialect)
        if dialect.name != "sqlite" or slow is None:
            return slow

        def process(value: Any) -> Any:
            return value.isoformat() if type(value) is date else slow(value)

        return process


class SafeString(TypeDecorator[str]):
    """VARCHAR whose text is written with ``domain.text.replace_unsafe``, and cut to the column's
    length: the one place text goes into read-model rows. Commands refuse such text now; events
    recorded before may still carry it, and PostgreSQL refuses NUL in text and text longer than its
    column, either of which halted a read model on one event. The event keeps the whole text."""

    impl = String
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> _BindProcessor | None:
        length: int | None = getattr(self.impl_instance, "length", None)
        return _fitted(_safe(self.impl_instance.bind_processor(dialect)), length)


class SafeText(TypeDecorator[str]):
    """TEXT, written as SafeString is."""

    impl = Text
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> _BindProcessor | None:
        return _safe(self.impl_instance.bind_processor(dialect))


def _fitted(then: _BindProcessor, length: int | None) -> _BindProcessor:
    """Text longer than its column cut to it, its last character an ellipsis to show the cut."""
    if length is None:
        return then

    def process(value: Any) -> Any:
        if type(value) is str and len(value) > length:
            value = value[: length - 1] + "\u2026"
        return then(value)

    return process


def _safe(then: _BindProcessor | None) -> _BindProcessor:
    """Called per value (a rebuild binds millions): the check runs in C for the usual clean text."""

    def process(value: Any) -> Any:
        if type(value) is str and not value.isprintable():
            value = replace_unsafe(value)
        return value if then is None else then(value)

    return process


metadata = MetaData()

projection_tracking = Table(
    "projection_tracking",
    metadata,
    Column("projection", SafeString(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Set while the projection fails (the last error and since when); ``failures`` only grows.
    Column("error", SafeText),
    Column("failing_since", UTCDateTime),
    Column("failures", BigInteger, nullable=False, server_default="0"),
)

assistance_requests = Table(
    "assistance_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("crisis_id", Uuid, nullable=False),
    Column("member_state", SafeString(3), nullable=False),
    Column("sector", SafeString(8), nullable=False),
    Column("item", SafeString(32), nullable=False),
    Column("title", SafeString(200), nullable=False),
    Column("description", SafeText, nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("unit", SafeString(32), nullable=False),
    Column("committed", Quantity, nullable=False),
    Column("in_transit", Quantity, nullable=False),
    Column("delivered", Quantity, nullable=False),
    Column("priority", SmallInteger, nullable=False),
    Column("needed_by", Day, nullable=False),
    Column("admin_code", SafeString(16), nullable=False),
    Column("transport_needed", Boolean, nullable=False),
    Column("escort_needed", Boolean, nullable=False),
    Column("status", SafeString(24), nullable=False),
    Column("cancellation_reason", SafeText),
    Column("safe_haven_id", Uuid, index=True),  # needs of a safe haven's population
    Column("version", Integer, nullable=False),
    Column("posted_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("posted_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
    Index("ix_assistance_requests_state_status", "member_state", "status"),
    Index("ix_assistance_requests_crisis", "crisis_id", "status"),
    Index("ix_assistance_requests_place_item", "member_state", "admin_code", "item"),
    Index("ix_assistance_requests_sector", "sector"),
    Index("ix_assistance_requests_priority", "priority"),
)

#: What accepted matches commit to each request, and by whom (the self-claim rule's evidence).
request_commitments = Table(
    "request_commitments",
    metadata,
    Column("match_id", Uuid, primary_key=True),
    Column("request_id", Uuid, nullable=False, index=True),
    Column("quantity", Quantity, nullable=False),
    Column("organisation_id", Uuid),
    Column("offering_state", SafeString(3)),
    Column("dispatched", Quantity, nullable=False),
    Column("delivered", Quantity, nullable=False),
    Column("received", Boolean, nullable=False),
    Column("committed_at", UTCDateTime, nullable=False),
)

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
)

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

# Service-account API keys: who issued each (the issuer's whole scope, to list one's own), never
# the secret, which no event holds either.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", SafeString(200), nullable=False),
    Column("role", SafeString(16), nullable=False),
    Column("member_state", SafeString(3)),
    Column("organisation_id", SafeString(36)),
    Column("key_hint", SafeString(8), nullable=False),
    Column("issued_by", SafeText, nullable=False),
    Column("issued_by_role", SafeString(16), nullable=False),
    Column("issued_by_member_state", SafeString(3)),
    Column("issued_by_organisation_id", SafeString(36)),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("revoked_by", SafeText),
    Column("issued_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
    Index("ix_api_keys_issuer", "issued_by_role", "issued_by_member_state", "issued_by_organisation_id"),
)

pledges = Table(
    "pledges",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False, index=True),
    Column("destination_kind", SafeString(16), nullable=False),
    Column("destination_id", Uuid, nullable=False, index=True),
    Column("amount", Quantity, nullable=False),
    Column("currency", SafeString(3), nullable=False),
    Column("usd_rate", Quantity, nullable=False),
    Column("rate_date", Day, nullable=False),
    Column("usd_amount", Quantity, nullable=False),
    Column("earmarking", SafeString(24), nullable=False),
    Column("in_kind", Boolean, nullable=False),
    Column("status", SafeString(16), nullable=False),
    Column("paid", Quantity, nullable=False),
    Column("usd_paid", Quantity, nullable=False),
    Column("due_date", Day),
    Column("pledged_at", UTCDateTime, nullable=False),
    Column("committed_at", UTCDateTime),
    Column("last_paid_on", Day),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("made_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
)

pledge_payments = Table(
    "pledge_payments",
    metadata,
    Column("payment_id", Uuid, primary_key=True),
    Column("pledge_id", Uuid, nullable=False, index=True),
    Column("amount", Quantity, nullable=False),
    Column("usd_amount", Quantity, nullable=False),
    Column("paid_on", Day, nullable=False),
    Column("refunded", Quantity, nullable=False),
    Column("usd_refunded", Quantity, nullable=False),
)

funds = Table(
    "funds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", SafeString(200), nullable=False),
    Column("member_state", SafeString(3)),
    Column("received", Quantity, nullable=False),
    Column("refunded", Quantity, nullable=False),
    Column("allocated", Quantity, nullable=False),
    Column("disbursed", Quantity, nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("opened_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
)

# A fund's allocations, paged in the order they were approved (by the fund's version after each).
fund_allocations = Table(
    "fund_allocations",
    metadata,
    Column("allocation_id", Uuid, primary_key=True),
    Column("fund_id", Uuid, nullable=False),
    Column("version", BigInteger, nullable=False),  # the fund's version after the approval
    Column("window", SafeString(16), nullable=False),
    Column("destination_kind", SafeString(16), nullable=False),
    Column("destination_id", Uuid, nullable=False),
    Column("usd_amount", Quantity, nullable=False),
    Column("disbursed", Quantity, nullable=False),
    Column("rationale", SafeText, nullable=False),
    Column("decided_by", SafeString(200), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    Index("ix_fund_allocations_fund_version", "fund_id", "version", unique=True),
)

# One row per money event of a fund, with the running totals after it: the fund's ledger, paged by
# version, so that reading a long ledger never loads the fund's whole history.
fund_ledger = Table(
    "fund_ledger",
    metadata,
    Column("fund_id", Uuid, primary_key=True),
    Column("version", BigInteger, primary_key=True),  # the fund's version after the event
    Column("at", UTCDateTime, nullable=False),
    Column("kind", SafeString(16), nullable=False),
    Column("usd_amount", Quantity, nullable=False),
    Column("received", Quantity, nullable=False),  # contributions received less refunds, so far
    Column("allocated", Quantity, nullable=False),
    Column("disbursed", Quantity, nullable=False),
    Column("balance", Quantity, nullable=False),
    Column("position", BigInteger, nullable=False),
    # When the money moved: a contribution's payment date; for the others, the day it was recorded.
    Column("value_date", Day, nullable=False),
    Column("allocation_id", Uuid),  # the allocation an allocation or disbursement entry is of
    Column("disbursement_id", Uuid),
)

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

projects = Table(
    "projects",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("crisis_id", Uuid, nullable=False, index=True),
    Column("member_state", SafeString(3), nullable=False),
    Column("title", SafeString(200), nullable=False),
    Column("description", SafeText, nullable=False),
    Column("sector", SafeString(8), nullable=False),
    Column("admin_code", SafeString(16), nullable=False),
    Column("implementers", SafeText, nullable=False),  # organisation ids, comma-separated
    Column("budget", Quantity, nullable=False),
    Column("currency", SafeString(3), nullable=False),
    Column("usd_rate", SafeString(40), nullable=False),  # exact: NUMERIC(28, 4) would round a dong's rate
    Column("usd_budget", Quantity, nullable=False),
    Column("planned_start", Day, nullable=False),
    Column("planned_end", Day, nullable=False),
    Column("status", SafeString(16), nullable=False),
    Column("status_reason", SafeText, nullable=False),
    Column("started_on", Day),
    Column("ended_on", Day),
    Column("registered_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("registered_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
    Index("ix_projects_state_status", "member_state", "status"),
    Index("ix_projects_admin_code", "admin_code"),
)

project_milestones = Table(
    "project_milestones",
    metadata,
    Column("milestone_id", Uuid, primary_key=True),
    Column("project_id", Uuid, nullable=False, index=True),
    Column("title", SafeString(200), nullable=False),
    Column("due_date", Day, nullable=False),
    Column("achieved_on", Day),
    Column("note", SafeText, nullable=False),
    Column("planned_position", BigInteger, nullable=False),
)

project_results = Table(
    "project_results",
    metadata,
    Column("result_id", Uuid, primary_key=True),
    Column("project_id", Uuid, nullable=False, index=True),
    Column("indicator", SafeString(200), nullable=False),
    Column("unit", SafeString(32), nullable=False),
    Column("hxl_tag", SafeString(100), nullable=False),
    Column("baseline", Quantity, nullable=False),
    Column("target", Quantity, nullable=False),
    Column("achieved", Quantity),
    Column("measured_on", Day),
    Column("defined_position", BigInteger, nullable=False),
)

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
