"""Snapshots of long aggregates, written as JSON like their events.

An aggregate's state holds what JSON lacks: enums, frozen dataclasses, tuples, frozensets and
dicts keyed by UUID. ``StateSnapshot`` wraps the containers JSON would flatten (a tuple would
come back a list, a UUID key would not encode at all); the transcodings here write the wrappers,
every enum and every state dataclass of ``domain``. A snapshot is only a shortcut: deleting any
of them (e.g. after renaming a state class) leaves every aggregate readable from its events.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import logging
import pkgutil
from collections.abc import Iterator
from functools import cached_property
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import (
    Application,
    ProcessingEvent,
    ProjectorFunction,
    Repository,
    project_aggregate,
)
from eventsourcing.domain import Aggregate, DomainEvent, Snapshot
from eventsourcing.persistence import Transcoder, Transcoding
from eventsourcing.utils import get_topic, register_topic

import domain
from domain.access import Actor
from domain.funds import StabilityFund
from domain.havens import SafeHaven
from domain.offers import Offer
from domain.pledges import Pledge
from domain.projects import Project
from domain.requests import AssistanceRequest
from domain.security import SecurityArea

log = logging.getLogger(__name__)

#: Aggregates that gain an event per use of something else (a contribution, an admission, an
#: incident, a match), and how many events apart their snapshots are.
SNAPSHOT_INTERVALS: dict[type[Aggregate], int] = {
    StabilityFund: 100,
    SafeHaven: 100,
    SecurityArea: 100,
    Offer: 100,
    AssistanceRequest: 100,
    Pledge: 100,
    Project: 100,
}


class _Pairs:
    """A dict whose keys are not all strings, as a list of [key, value] pairs."""

    def __init__(self, pairs: list[list[Any]]) -> None:
        self.pairs = pairs


class _Tuple:
    def __init__(self, items: list[Any]) -> None:
        self.items = items


class _FrozenSet:
    def __init__(self, items: list[Any]) -> None:
        self.items = items


def portable(value: Any) -> Any:
    """``value`` with every container JSON would change replaced by a wrapper that has a transcoding."""
    kind = type(value)
    if kind is dict:
        if all(type(key) is str for key in value):
            return {key: portable(item) for key, item in value.items()}
        return _Pairs([[portable(key), portable(item)] for key, item in value.items()])
    if kind is list:
        return [portable(item) for item in value]
    if kind is tuple:
        return _Tuple([portable(item) for item in value])
    if kind is frozenset:
        return _FrozenSet([portable(item) for item in value])
    if kind is set:
        msg = "a mutable set in aggregate state: use a frozenset"
        raise TypeError(msg)
    return value


class PairsAsList(Transcoding):
    type = _Pairs
    name = "pairs"

    def encode(self, obj: _Pairs) -> list[list[Any]]:
        return obj.pairs

    def decode(self, data: list[list[Any]]) -> dict[Any, Any]:
        return dict(data)


class TupleAsList(Transcoding):
    type = _Tuple
    name = "tuple"

    def encode(self, obj: _Tuple) -> list[Any]:
        return obj.items

    def decode(self, data: list[Any]) -> tuple[Any, ...]:
        return tuple(data)


class FrozenSetAsList(Transcoding):
    type = _FrozenSet
    name = "frozenset"

    def encode(self, obj: _FrozenSet) -> list[Any]:
        return obj.items

    def decode(self, data: list[Any]) -> frozenset[Any]:
        return frozenset(data)


class EnumAsValue(Transcoding):
    def __init__(self, kind: type[enum.Enum]) -> None:
        self.type = kind
        self.name = get_topic(kind)

    def encode(self, obj: enum.Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> enum.Enum:
        return self.type(data)  # type: ignore[no-any-return]


class DataclassAsDict(Transcoding):
    """A frozen value object of the domain, field by field (its fields may hold wrappers' types)."""

    def __init__(self, kind: type[Any]) -> None:
        self.type = kind
        self.name = get_topic(kind)
        self.fields = [f.name for f in dataclasses.fields(kind)]
        if not all(f.init for f in dataclasses.fields(kind)):
            msg = f"{kind.__qualname__} has fields its constructor does not take"
            raise TypeError(msg)

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: portable(getattr(obj, name)) for name in self.fields}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


def _domain_classes() -> Iterator[type[Any]]:
    for module_info in pkgutil.iter_modules(domain.__path__, f"{domain.__name__}."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                yield value


def state_transcodings() -> list[Transcoding]:
    """The wrappers', and one for every enum and value dataclass of ``domain`` (Actor has its own)."""
    found: list[Transcoding] = [PairsAsList(), TupleAsList(), FrozenSetAsList()]
    for kind in _domain_classes():
        if issubclass(kind, enum.Enum):
            if issubclass(kind, (str, int, float)):
                # JSON would write its members as plain values, never asking for a transcoding.
                msg = f"{kind.__qualname__} mixes in a JSON type: its members would come back plain"
                raise TypeError(msg)
            found.append(EnumAsValue(kind))
        elif (
            dataclasses.is_dataclass(kind)
            and not issubclass(kind, (DomainEvent, Aggregate))
            and kind is not Actor
        ):
            found.append(DataclassAsDict(kind))
    return found


def register_state_transcodings(transcoder: Transcoder) -> None:
    for transcoding in state_transcodings():
        transcoder.register(transcoding)  # type: ignore[attr-defined]


class StateSnapshot(Snapshot):
    """An aggregate's state at one version; its stored topic names this class, so a move registers
    the topic it was stored under before (below)."""

    @classmethod
    def take(cls, aggregate: Any) -> StateSnapshot:
        taken = super().take(aggregate)
        return dataclasses.replace(taken, state=portable(taken.state))


#: The module StateSnapshot was released in: snapshots stored then still read as this class.
register_topic("services.snapshots:StateSnapshot", StateSnapshot)


class Snapshotting(Application[UUID]):
    """The Concord application's snapshots: taken every ``SNAPSHOT_INTERVALS`` events of an aggregate,
    after its command committed; ``IS_SNAPSHOTTING_ENABLED=n`` turns them off (reads then replay)."""

    snapshotting_intervals: ClassVar[dict[type[Any], int]] = dict(SNAPSHOT_INTERVALS)

    @cached_property
    def _events_only(self) -> Repository[UUID]:
        """The repository without the snapshot store, for kinds that never have snapshots."""
        return Repository(self.events)

    def repository_for(self, kind: type[Any]) -> Repository[UUID]:
        """Where to read an aggregate of ``kind``: looking for a snapshot costs a query of its own,
        so only kinds that may have one (or a base of such a kind) look."""
        if self.snapshots is None or self.repository.cache is not None:
            return self.repository
        if any(issubclass(snapshotted, kind) for snapshotted in self.snapshotting_intervals):
            return self.repository
        return self._events_only

    def take_snapshot(
        self,
        aggregate_id: UUID,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = project_aggregate,
    ) -> None:
        assert self.snapshots is not None
        aggregate = self.repository.get(aggregate_id, version=version, projector_func=projector_func)
        self.snapshots.put([StateSnapshot.take(aggregate)])

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """A snapshot is a shortcut: failing to write one must not fail the command that committed."""
        try:
            super()._take_snapshots(processing_event)
        except Exception:
            log.exception("could not snapshot %s", sorted(map(str, processing_event.aggregates)))
