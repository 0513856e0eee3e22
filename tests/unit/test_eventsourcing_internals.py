"""The eventsourcing internals Concord relies on (services/infrastructure/eventsourcing_internals.py)
behave as the installed library's own steps do, and the library is the release they were written for:
an upgrade of eventsourcing fails here first."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from importlib.metadata import version
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest
from eventsourcing.application import Application, project_aggregate
from eventsourcing.domain import Aggregate, DomainEventProtocol, event
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Recording,
    StoredEvent,
    UUIDAsHex,
    find_id_convertor,
)
from eventsourcing.utils import resolve_topic

from services.coordination import Concord
from services.infrastructure.eventsourcing_internals import (
    WRITTEN_FOR,
    FastDecoder,
    fast_decoder,
    replay,
    save_through,
)
from services.infrastructure.group_commit import GroupCommitter

RECHECK = (
    "services/infrastructure/eventsourcing_internals.py was written for another eventsourcing: "
    "compare it with the new release as its docstring says, then move WRITTEN_FOR on"
)
MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
TOPIC = "domain.requests:AssistanceRequest.Amended"
ID = UUID(int=7)


class Tally(Aggregate):
    """A small aggregate whose id follows from its name, so that two stores can hold the same one."""

    @staticmethod
    def create_id(name: str) -> UUID:
        return uuid5(NAMESPACE_URL, name)

    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0

    @event("Counted")
    def count_one(self) -> None:
        self.count += 1


class Tallies(Application[UUID]):
    snapshotting_intervals = {Tally: 2}  # noqa: RUF012 - eventsourcing reads it from the class
    # A cache that is not fast-forwarded is filled by each save (and only then).
    env = {"AGGREGATE_CACHE_MAXSIZE": "10", "AGGREGATE_CACHE_FASTFORWARD": "n"}  # noqa: RUF012


@pytest.fixture
def tallies() -> Iterator[tuple[Tallies, Tallies]]:
    """Two stores: one written by ``Application.save``, the other by ``save_through``."""
    library, ours = Tallies(), Tallies()
    yield library, ours
    library.close()
    ours.close()


def _saved_three_times(app: Tallies, save: Any) -> tuple[Tally, list[int]]:
    tally = Tally("tents")
    positions = [recording.notification.id for recording in save(app, tally)]
    for _ in range(2):
        tally.count_one()
        positions += [recording.notification.id for recording in save(app, tally)]
    return tally, positions


def _through_the_group_commit(app: Tallies, *aggregates: Aggregate) -> list[Recording[UUID]]:
    committer = GroupCommitter(app.recorder.insert_events, committed=lambda recordings: None)
    try:

        def insert(
            events: Sequence[DomainEventProtocol[UUID]], stored: Sequence[StoredEvent]
        ) -> list[Recording[UUID]]:
            return committer.commit(events, stored).recordings

        return save_through(app, insert, *aggregates)
    finally:
        committer.close()


def test_the_installed_eventsourcing_is_the_release_the_internals_follow() -> None:
    """An upgrade stops here until eventsourcing_internals.py is compared with the new
    ``Application.save``, ``_record``, ``_take_snapshots``, ``project_aggregate`` and
    ``Mapper.to_domain_event``."""
    assert {name: version(name) for name in WRITTEN_FOR} == WRITTEN_FOR, RECHECK


def test_saving_through_an_insert_stores_caches_and_snapshots_as_application_save_does(
    tallies: tuple[Tallies, Tallies],
) -> None:
    library, ours = tallies
    theirs, their_positions = _saved_three_times(library, lambda app, tally: app.save(tally))
    mine, my_positions = _saved_three_times(ours, _through_the_group_commit)

    assert my_positions == their_positions == [1, 2, 3]

    def stored(app: Tallies) -> list[tuple[UUID, int, str]]:
        return [(s.originator_id, s.originator_version, s.topic) for s in app.recorder.select_events(mine.id)]

    assert stored(ours) == stored(library)
    assert (
        [s.originator_version for s in ours.snapshots.get(mine.id)]
        == [  # type: ignore[union-attr]
            s.originator_version
            for s in library.snapshots.get(theirs.id)  # type: ignore[union-attr]
        ]
        == [2]
    )
    assert ours.repository.cache is not None
    assert library.repository.cache is not None
    assert ours.repository.cache.get(mine.id) is mine
    assert library.repository.cache.get(theirs.id) is theirs


def test_saving_nothing_new_records_nothing(tallies: tuple[Tallies, Tallies]) -> None:
    _, ours = tallies
    tally = Tally("tents")
    _through_the_group_commit(ours, tally)

    assert _through_the_group_commit(ours, tally) == []
    assert ours.recorder.max_notification_id() == 1


def test_replay_builds_the_aggregate_project_aggregate_builds(tallies: tuple[Tallies, Tallies]) -> None:
    library, _ = tallies
    tally, _ = _saved_three_times(library, lambda app, tally: app.save(tally))
    events = list(library.events.get(tally.id))

    replayed, projected = replay(None, events), project_aggregate(None, events)

    assert isinstance(replayed, Tally)
    assert vars(replayed) == vars(projected) == vars(tally)


def test_application_save_writes_through_record_which_concord_times() -> None:
    concord = Concord({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    writes: list[float] = []
    concord.on_write(writes.append)
    try:
        concord.save(Tally("tents"))
    finally:
        concord.close()

    assert len(writes) == 1


@pytest.fixture
def concord() -> Iterator[Concord]:
    app = Concord(MEMORY)
    yield app
    app.close()


def test_the_mapper_makes_an_event_of_its_state_and_ids_without_calling_its_class(concord: Concord) -> None:
    """A state missing the class's fields still decodes: no ``__init__`` runs, as in the module."""
    stored = StoredEvent(ID, 3, TOPIC, b'{"note": "partial"}')

    event = concord.mapper.to_domain_event(stored)

    assert type(event) is resolve_topic(TOPIC)
    assert vars(event) == {"note": "partial", "originator_id": ID, "originator_version": 3}
    assert list(vars(event)) == ["note", "originator_id", "originator_version"]


def test_the_mapper_reads_a_class_version_from_the_state_and_drops_it(concord: Concord) -> None:
    stored = StoredEvent(ID, 3, TOPIC, b'{"class_version": 1, "note": "v1"}')

    assert vars(concord.mapper.to_domain_event(stored)) == {
        "note": "v1",
        "originator_id": ID,
        "originator_version": 3,
    }
    assert getattr(resolve_topic(TOPIC), "class_version", 1) == 1


def test_the_json_transcoder_keeps_its_transcodings_by_name_and_writes_type_and_data(
    concord: Concord,
) -> None:
    transcoder = concord.mapper.transcoder
    assert type(transcoder) is JSONTranscoder
    names = transcoder.names
    assert type(names["uuid_hex"]) is UUIDAsHex
    assert type(names["decimal_str"]) is DecimalAsStr
    assert type(names["datetime_iso"]) is DatetimeAsISO

    written = json.loads(transcoder.encode({"id": ID, "amount": Decimal("1.50")}))

    assert written == {
        "id": {"_type_": "uuid_hex", "_data_": ID.hex},
        "amount": {"_type_": "decimal_str", "_data_": "1.50"},
    }
    assert transcoder.decode(transcoder.encode({"id": ID})) == {"id": ID}


def test_the_default_transcodings_decode_as_the_functions_the_module_calls_instead() -> None:
    when = "2026-12-06T23:00:00.123456+00:00"

    assert UUIDAsHex().decode(ID.hex) == UUID(ID.hex)
    assert DecimalAsStr().decode("1.50").as_tuple() == Decimal("1.50").as_tuple()
    assert DatetimeAsISO().decode(when) == datetime.fromisoformat(when)


def test_an_events_id_is_converted_as_the_mapper_converts_it() -> None:
    convert = find_id_convertor(resolve_topic(TOPIC), UUID)

    assert convert(ID) == ID
    assert type(convert(ID)) is UUID


def test_the_mapper_the_application_makes_has_neither_cipher_nor_compressor(concord: Concord) -> None:
    """Else the fast decoder would step aside, and rebuilds would decode at the mapper's pace."""
    assert concord.mapper.cipher is None
    assert concord.mapper.compressor is None
    assert isinstance(fast_decoder(concord.mapper), FastDecoder)
