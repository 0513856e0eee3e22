"""Where Concord relies on eventsourcing's internals: written for eventsourcing 9.5.6.

Three steps of eventsourcing are done differently, each measured to matter:

- ``save_through`` is ``Application.save`` with the insert handed over (to the group commit,
  ``services.infrastructure.group_commit``), so that the commands waiting for the event store share one
  transaction instead of one each. Around the insert it repeats what ``save`` and ``_record`` do:
  collect the aggregates' events, map them to stored events, put the saved aggregates in the
  repository's cache (unless it fast-forwards) and take the snapshots that are due.
- ``replay`` is ``project_aggregate`` without its per-event ``isinstance`` check against a
  runtime-checkable protocol, which costs more than applying a small event.
- ``FastDecoder`` is ``Mapper.to_domain_event``, for every event a projection reads (a rebuild
  decodes the whole log). The mapper spends most of its time in the standard library's JSON
  decoder, which calls a Python hook on every object, and in looking up each event's class again.
  Here orjson parses the state, one pass applies the transcodings bottom-up, as the hook does, each
  topic's class is looked up once, and recurring UUIDs (crises, matches) are built once; the event
  is then made as the mapper makes it (``object.__new__`` and its ``__dict__``). The stored format
  does not change. ``python -m bench.internals``: 13.4 → 8.6 µs of CPU an event (2026-12-06, load
  average about 11); a rebuild spends about 50 µs an event in all. Whatever this path might read
  differently goes to the mapper, which then decodes it (or raises) as it always has: a float
  anywhere (orjson reads integers beyond 64 bits as floats), anything orjson refuses (NaN, lone
  surrogates), an unknown transcoding, a class with upcasting (``class_version``), ids that are not
  UUIDs, and mappers with a cipher or a compressor.

``Concord`` also overrides ``Application._record``, the step of ``save`` that writes, to time it.
On an upgrade, compare ``Application.save``, ``_record``, ``_take_snapshots``,
``project_aggregate``, ``Mapper.to_domain_event`` (its steps after decoding), ``JSONTranscoder``
(``names``, its object hook, the ``_type_``/``_data_`` wrapping) and the default transcodings with
these: ``tests/unit/test_eventsourcing_internals.py`` fails on another version, and checks each
against the library's own; ``tests/unit/test_fast_decoding.py`` compares the two decoders over every
event class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    Recording,
    StoredEvent,
    UUIDAsHex,
    find_id_convertor,
)
from eventsourcing.utils import resolve_topic

from services.infrastructure.transcodings import DateAsISO

#: The release these rewrites follow, line for line.
WRITTEN_FOR = {"eventsourcing": "9.5.6"}

#: Records one command's events (mapped to stored events) in one transaction; their recordings.
Insert = Callable[[Sequence[DomainEventProtocol[UUID]], Sequence[StoredEvent]], list[Recording[UUID]]]


def save_through(app: Application[UUID], insert: Insert, *aggregates: Aggregate) -> list[Recording[UUID]]:
    """``app.save(*aggregates)``, with ``insert`` doing the write; no recordings if nothing changed."""
    processing = ProcessingEvent[UUID]()
    processing.collect_events(*aggregates)
    stored = [app.mapper.to_stored_event(event) for event in processing.events]
    if not stored:
        return []
    recordings = insert(processing.events, stored)
    if app.repository.cache and not app.repository.fastforward:
        for aggregate_id, aggregate in processing.aggregates.items():
            app.repository.cache.put(aggregate_id, aggregate)
    app._take_snapshots(processing)  # noqa: SLF001 - the step of Application.save repeated here
    return recordings


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """eventsourcing's ``project_aggregate`` without its per-event ``isinstance`` check against a
    runtime-checkable protocol, which costs more than applying a small event."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


Decode = Callable[[StoredEvent], Any]
_Decoders = dict[str, Callable[[Any], Any]]


def fast_decoder(mapper: Mapper[Any]) -> Decode:
    """``mapper.to_domain_event``, made faster when its transcoder is eventsourcing's JSON one."""
    if mapper.cipher is not None or mapper.compressor is not None:
        return mapper.to_domain_event
    if type(mapper.transcoder) is not JSONTranscoder:
        return mapper.to_domain_event
    return FastDecoder(mapper)


_NOTHING = object()
_SCALARS = frozenset({str, int, bool, type(None)})  # parsed values that hold no object: floats aside


class _Unusual(Exception):
    """The state holds a value only the mapper reads exactly (a float)."""


class FastDecoder:
    """A stored event (or notification) to the domain event ``mapper`` would make of it."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        transcoder = mapper.transcoder
        assert isinstance(transcoder, JSONTranscoder)
        self._mapper = mapper
        self._walk = _walker(_decoders(transcoder))
        self._classes: dict[str, tuple[type[Any], Callable[[Any], Any]] | None] = {}

    def __call__(self, stored: StoredEvent) -> Any:
        try:
            known = self._classes[stored.topic]
        except KeyError:
            known = self._learn(stored.topic)
        if known is None or type(stored.originator_id) is not UUID:
            return self._mapper.to_domain_event(stored)
        try:
            state = self._walk(orjson.loads(stored.state))
        except Exception:  # the mapper reads it again, and raises its own error if it has one
            return self._mapper.to_domain_event(stored)
        if type(state) is not dict or "class_version" in state:
            return self._mapper.to_domain_event(stored)
        cls, convert = known
        # As the mapper finishes an event: ids and version after the state, no __init__ called.
        state["originator_id"] = convert(stored.originator_id)
        state["originator_version"] = stored.originator_version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def _learn(self, topic: str) -> tuple[type[Any], Callable[[Any], Any]] | None:
        """The class of ``topic`` and its UUID ids' convertor; None if only the mapper should
        read it (a class that upcasts, or one the mapper would refuse)."""
        known: tuple[type[Any], Callable[[Any], Any]] | None = None
        try:
            cls = resolve_topic(topic)
            if getattr(cls, "class_version", 1) == 1:
                known = (cls, find_id_convertor(cls, UUID))
        except Exception:  # the mapper raises its own error for it
            known = None
        self._classes[topic] = known
        return known


def _decoders(transcoder: JSONTranscoder) -> _Decoders:
    """Each registered transcoding's decode, by name; eventsourcing's own (and our dates) as the
    C function they call, which accepts and refuses exactly what they do."""
    plain: dict[type[Any], Callable[[Any], Any]] = {
        UUIDAsHex: lru_cache(maxsize=4096)(UUID),  # ids recur; a UUID is immutable, so shared
        DecimalAsStr: Decimal,
        DatetimeAsISO: datetime.fromisoformat,
        DateAsISO: date.fromisoformat,
    }
    names = transcoder.names
    return {name: plain.get(type(transcoding), transcoding.decode) for name, transcoding in names.items()}


def _walker(decoders: _Decoders) -> Callable[[Any], Any]:
    """What the JSON transcoder's object hook makes of a parsed document, bottom-up through every
    object and list in it; raises _Unusual at a float, KeyError at an unknown transcoding."""

    def value(item: Any) -> Any:
        kind = type(item)
        if kind is dict:
            return obj(item)
        if kind is list:
            return [value(x) for x in item]
        if kind is float:
            raise _Unusual
        return item

    def obj(d: dict[str, Any]) -> Any:
        for key, item in d.items():
            kind = type(item)
            if kind is dict:
                # Most objects are transcoded scalars ({"_type_": name, "_data_": "..."}): decoded
                # here, as the hook would, without a call of this function for each.
                if (
                    len(item) == 2
                    and type(name := item.get("_type_")) is str
                    and type(data := item.get("_data_", _NOTHING)) in _SCALARS
                ):
                    d[key] = decoders[name](data)
                else:
                    d[key] = obj(item)
            elif kind is list:
                d[key] = [value(x) for x in item]
            elif kind is float:
                raise _Unusual
        if len(d) == 2 and "_type_" in d and "_data_" in d:
            return decoders[d["_type_"]](d["_data_"])
        return d

    return value
