"""Where Concord relies on eventsourcing's internals: written for eventsourcing 9.5.6.

Two steps of ``eventsourcing.application.Application`` are done differently, each measured to matter:

- ``save_through`` is ``Application.save`` with the insert handed over (to the group commit,
  ``services.infrastructure.group_commit``), so that the commands waiting for the event store share one
  transaction instead of one each. Around the insert it repeats what ``save`` and ``_record`` do:
  collect the aggregates' events, map them to stored events, put the saved aggregates in the
  repository's cache (unless it fast-forwards) and take the snapshots that are due.
- ``replay`` is ``project_aggregate`` without its per-event ``isinstance`` check against a
  runtime-checkable protocol, which costs more than applying a small event.

``Concord`` also overrides ``Application._record``, the step of ``save`` that writes, to time it.
On an upgrade, compare ``Application.save``, ``_record``, ``_take_snapshots`` and
``project_aggregate`` with these: ``tests/unit/test_eventsourcing_internals.py`` fails on another
version, and checks each against the library's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import Recording, StoredEvent

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
