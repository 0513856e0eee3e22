"""The read models' column types, and the one ``MetaData`` their tables join (complete once
``projections.tables`` is imported). Alembic migrations create the tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, DateTime, Dialect, MetaData, Numeric, String, Text, TypeDecorator
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
        return None if value is None else tidy(Decimal(value))


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def tidy(value: Decimal) -> Decimal:
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


def as_written(column_type: Any) -> Callable[[Any], Any] | None:
    """What a value of ``column_type`` reads back as, once written (for exact decimals of at most
    four places and text): for a projector that holds a batch's rows back and reads them itself;
    None where the value reads back as it was written."""
    if isinstance(column_type, Quantity):
        return lambda value: None if value is None else tidy(value)
    if isinstance(column_type, SafeString):
        return _fitted(_safe(None), getattr(column_type.impl_instance, "length", None))
    if isinstance(column_type, SafeText):
        return _safe(None)
    return None


metadata = MetaData()
