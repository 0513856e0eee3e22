"""What a rebuild sends is what SQLAlchemy would send: the types' own bind processors, shortened,
give the same values; and the collector's thresholds come back after catch-ups, however nested."""

from __future__ import annotations

import gc
from datetime import UTC, timedelta, timezone
from typing import Any, cast

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import TypeDecorator
from sqlalchemy.engine import Dialect, make_url

from projections.catchup import FEWER_COLLECTIONS_THRESHOLD, fewer_collections
from projections.columns import Day, Quantity, UTCDateTime

DIALECTS: list[Dialect] = [
    make_url(url).get_dialect()() for url in ("sqlite+aiosqlite://", "postgresql+asyncpg://")
]
zones = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-9, minutes=-30))])


def bound(kind: type[TypeDecorator[Any]], dialect: Dialect, value: Any) -> tuple[Any, Any]:
    """``value`` as the type binds it now, and as TypeDecorator's own bind_processor would."""
    impl = cast(TypeDecorator[Any], kind().dialect_impl(dialect))
    ours, theirs = impl.bind_processor(dialect), TypeDecorator.bind_processor(impl, dialect)
    return (value if ours is None else ours(value)), (value if theirs is None else theirs(value))


@given(value=st.none() | st.datetimes(timezones=zones) | st.datetimes())
def test_times_bind_as_sqlalchemy_binds_them(value: Any) -> None:
    for dialect in DIALECTS:
        ours, theirs = bound(UTCDateTime, dialect, value)
        assert type(ours) is type(theirs)
        assert ours == theirs


@given(value=st.none() | st.decimals())
def test_quantities_bind_as_sqlalchemy_binds_them(value: Any) -> None:
    for dialect in DIALECTS:
        ours, theirs = bound(Quantity, dialect, value)
        assert type(ours) is type(theirs)
        assert repr(ours) == repr(theirs)


@given(value=st.none() | st.dates() | st.datetimes())
def test_days_bind_as_sqlalchemy_binds_them(value: Any) -> None:
    for dialect in DIALECTS:
        impl = Day().dialect_impl(dialect)
        ours, theirs = impl.bind_processor(dialect), Day.impl().dialect_impl(dialect).bind_processor(dialect)
        got = value if ours is None else ours(value)
        expected = value if theirs is None else theirs(value)
        assert type(got) is type(expected)
        assert got == expected


def test_the_collector_thresholds_come_back_after_overlapping_catch_ups() -> None:
    before = gc.get_threshold()
    first, second = fewer_collections(), fewer_collections()
    first.__enter__()
    assert gc.get_threshold()[0] >= FEWER_COLLECTIONS_THRESHOLD
    second.__enter__()
    first.__exit__(None, None, None)  # the first to start ends first
    assert gc.get_threshold()[0] >= FEWER_COLLECTIONS_THRESHOLD
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
