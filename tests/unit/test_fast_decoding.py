"""The fast decoder reads every stored event as eventsourcing's mapper does: the same class and the
same values of the same types, or the same failure."""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
import types
import typing
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import StoredEvent
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

import domain
from domain.access import Actor
from services.coordination import Concord
from services.infrastructure.eventsourcing_internals import FastDecoder, fast_decoder

MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
APP = Concord(MEMORY)
DECODE = fast_decoder(APP.mapper)


def _event_classes() -> Iterator[type[Any]]:
    """Every event class of the domain, nested in its aggregate."""

    def walk(owner: Any, depth: int) -> Iterator[type[Any]]:
        for value in vars(owner).values():
            if isinstance(value, type) and value.__module__.startswith("domain."):
                if issubclass(value, DomainEvent):
                    yield value
                if depth < 2:
                    yield from walk(value, depth + 1)

    for module_info in pkgutil.iter_modules(domain.__path__, f"{domain.__name__}."):
        yield from walk(importlib.import_module(module_info.name), 0)


EVENT_CLASSES = sorted(set(_event_classes()), key=lambda cls: f"{cls.__module__}:{cls.__qualname__}")

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: orjson would read those as floats
    | st.floats()  # NaN and infinities too, which the standard library writes and orjson refuses
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
zones = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))])


def strategy_for(hint: Any) -> st.SearchStrategy[Any]:
    """Values of an event field's type, edge cases included."""
    if hint is Any:
        return json_values
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy_for(arg) for arg in args))
    if origin is list:
        return st.lists(strategy_for(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(st.text(max_size=8), strategy_for(args[1]), max_size=3)
    simple: dict[Any, st.SearchStrategy[Any]] = {
        type(None): st.none(),
        str: st.text(),
        int: st.integers(),
        bool: st.booleans(),
        Decimal: st.decimals(),  # NaN, sNaN and infinities too
        UUID: st.uuids(),
        date: st.dates(),
        datetime: st.datetimes(timezones=zones) | st.datetimes(),
        Actor: st.builds(
            Actor,
            principal=st.text(),
            role=st.text(),
            scope=st.text(),
            member_state=st.none() | st.text(),
            organisation_id=st.none() | st.text(),
            correlation_id=st.none() | st.text(),
            idempotency_key=st.none() | st.text(),
        ),
    }
    return simple[hint]


def events_of(cls: type[Any]) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    fields = {
        field.name: st.uuids() if field.name == "originator_id" else strategy_for(hints[field.name])
        for field in dataclasses.fields(cls)
    }
    return st.builds(cls, **fields)


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 is not 1.0 nor True; NaN is NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float | Decimal):
        return repr(a) == repr(b)
    if dataclasses.is_dataclass(a):
        return same(vars(a), vars(b))
    return bool(a == b)


def decoded_alike(stored: StoredEvent) -> None:
    """The fast decoder's event is the mapper's, or both fail with the same kind of error."""
    try:
        expected = APP.mapper.to_domain_event(stored)
    except Exception as error:
        with pytest.raises(type(error)):
            DECODE(stored)
        return
    got = DECODE(stored)
    assert type(got) is type(expected)
    assert same(vars(got), vars(expected)), (vars(got), vars(expected))


def test_the_application_gets_the_fast_decoder() -> None:
    assert isinstance(DECODE, FastDecoder)


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=lambda cls: cls.__qualname__)
@hypothesis_settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_every_event_type_decodes_as_the_mapper_decodes_it(cls: type[Any], data: Any) -> None:
    event = data.draw(events_of(cls))
    try:
        stored = APP.mapper.to_stored_event(event)
    except UnicodeEncodeError:  # a lone surrogate in a string: never stored, so never read
        return
    decoded_alike(stored)


TOPIC = "domain.requests:AssistanceRequest.Amended"
wrapped = st.builds(
    lambda name, data: {"_type_": name, "_data_": data},
    st.sampled_from([*APP.mapper.transcoder.names, "unknown"]),  # type: ignore[attr-defined]
    json_values,
)
states = st.dictionaries(st.text(max_size=8), json_values | wrapped, max_size=6)


@hypothesis_settings(max_examples=200, deadline=None)
@given(state=states | json_values, ascii_only=st.booleans(), topic=st.sampled_from([TOPIC, "no.such:Topic"]))
def test_any_stored_state_reads_as_the_mapper_reads_it(state: Any, ascii_only: bool, topic: str) -> None:
    text = json.dumps(state, ensure_ascii=ascii_only)
    stored = StoredEvent(UUID(int=7), 3, topic, text.encode("utf8", "surrogatepass"))
    decoded_alike(stored)


@given(state=st.binary(max_size=64))
def test_any_bytes_read_as_the_mapper_reads_them(state: bytes) -> None:
    decoded_alike(StoredEvent(UUID(int=7), 3, TOPIC, state))


def test_ids_that_are_not_uuids_and_upcast_classes_are_left_to_the_mapper() -> None:
    state = json.dumps({"timestamp": {"_type_": "datetime_iso", "_data_": "2026-01-01T00:00:00+00:00"}})
    decoded_alike(StoredEvent(str(UUID(int=7)), 3, TOPIC, state.encode()))
    decoded_alike(StoredEvent(UUID(int=7), 3, TOPIC, json.dumps({"class_version": 2}).encode()))
