"""Group commit on SQLite and PostgreSQL: shared transactions, and each command's own outcome."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from domain.access import Actor, Role
from domain.codes import MemberState
from domain.requests import AssistanceRequest
from services.coordination import Command, Concord, Recorded
from services.errors import Conflict
from services.idempotency import receipt_id
from services.identity.access import Principal
from services.infrastructure.group_commit import GroupCommitter
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.conftest import TODAY, fixed_today
from tests.factories import a_need

ACTOR = Actor(principal="tester", role="coordinator", scope="own-state", member_state="PHL")
PHL = Command(Principal("maria@dswd.gov.ph", Role.COORDINATOR, MemberState.PHL))
SECRETARIAT = Command(Principal("officer@asean.org", Role.SECRETARIAT))


@pytest.fixture
def concord(settings: Settings) -> Iterator[Concord]:
    app = Concord(storage_for(settings).event_store_env, today=fixed_today)
    yield app
    app.close()


def a_request(crisis: UUID | None = None) -> AssistanceRequest:
    return AssistanceRequest.post(crisis or UUID(int=1), MemberState.PHL, a_need(), today=TODAY, actor=ACTOR)


class CountingInsert:
    """The recorder's own insert, with a note of how many events each call carried."""

    def __init__(self, app: Concord) -> None:
        self._insert = app.recorder.insert_events
        self.calls: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, stored: Sequence[StoredEvent]) -> Sequence[int] | None:
        with self._lock:
            self.calls.append(len(stored))
        return self._insert(stored)


def commit_all(
    app: Concord, committer: GroupCommitter, aggregates: list[AssistanceRequest]
) -> list[int | BaseException]:
    """Each aggregate's events committed from its own thread: its last position, or the error."""

    def commit(aggregate: AssistanceRequest) -> int | BaseException:
        events = aggregate.collect_events()
        try:
            pending = committer.commit(events, [app.mapper.to_stored_event(e) for e in events])
        except IntegrityError as error:
            return error
        return pending.recordings[-1].notification.id

    with ThreadPoolExecutor(len(aggregates)) as pool:
        return list(pool.map(commit, aggregates))


def originator_at(app: Concord, position: int) -> UUID:
    (notification,) = app.recorder.select_notifications(position, 1)
    assert notification.id == position
    return UUID(str(notification.originator_id))


def test_a_stale_command_fails_alone_and_the_rest_of_its_batch_commits(concord: Concord) -> None:
    request = a_request()
    concord.save(request)
    fresh, stale = concord.get_request(request.id), concord.get_request(request.id)
    fresh.amend(a_need(priority=5), today=TODAY, actor=ACTOR)
    concord.save(fresh)
    stale.amend(a_need(priority=1), today=TODAY, actor=ACTOR)
    others = [a_request() for _ in range(4)]
    insert = CountingInsert(concord)
    # A long window and a batch of exactly five: all five commands share the first insert.
    committer = GroupCommitter(insert, committed=lambda _: None, window=5.0, max_batch=5)

    outcomes = commit_all(concord, committer, [*others, stale])
    committer.close()

    assert isinstance(outcomes[-1], IntegrityError)
    positions = outcomes[:-1]
    assert all(isinstance(p, int) for p in positions)
    assert [originator_at(concord, p) for p in positions] == [o.id for o in others]  # type: ignore[arg-type]
    assert insert.calls == [5, 1, 1, 1, 1, 1]  # the batch failed; then one by one
    assert concord.get_request(request.id).need.priority == 5


def test_commands_on_one_aggregate_never_share_a_batch(concord: Concord) -> None:
    request = a_request()
    concord.save(request)
    first, second = concord.get_request(request.id), concord.get_request(request.id)
    first.amend(a_need(priority=5), today=TODAY, actor=ACTOR)
    second.amend(a_need(priority=1), today=TODAY, actor=ACTOR)
    others = [a_request(), a_request()]
    insert = CountingInsert(concord)
    committer = GroupCommitter(insert, committed=lambda _: None, window=5.0, max_batch=4)

    outcomes = commit_all(concord, committer, [*others, first, second])
    committer.close()

    assert all(isinstance(p, int) for p in outcomes[:2])
    assert sorted(type(o).__name__ for o in outcomes[2:]) == ["IntegrityError", "int"]
    assert insert.calls == [3, 1]  # the second change of the request waited for the next batch
    winner = first if isinstance(outcomes[2], int) else second
    assert concord.get_request(request.id).need.priority == winner.need.priority


def test_a_committed_batch_is_announced_once_with_every_command_in_it(concord: Concord) -> None:
    announced: list[list[int]] = []
    committer = GroupCommitter(
        concord.recorder.insert_events,
        committed=lambda recordings: announced.append([r.notification.id for r in recordings]),
        window=5.0,
        max_batch=3,
    )

    positions = commit_all(concord, committer, [a_request() for _ in range(3)])
    committer.close()

    assert len(announced) == 1
    assert sorted(announced[0]) == sorted(positions)  # type: ignore[type-var]


def test_concurrent_commands_each_get_their_own_outcome(concord: Concord) -> None:
    crisis = concord.open_crisis(SECRETARIAT, "Marawi", [MemberState.PHL], date(2026, 11, 1)).aggregate.id
    target = concord.post_request(PHL, crisis, MemberState.PHL, a_need()).aggregate.id
    keyed = Command(PHL.principal, idempotency_key="post-once-0001")

    def post() -> Recorded[Any]:
        return concord.post_request(PHL, crisis, MemberState.PHL, a_need())

    def amend(i: int) -> Callable[[], Recorded[Any]]:
        return lambda: concord.amend_request(PHL, target, description=f"revision {i}")

    def post_once() -> Recorded[Any]:
        return concord.post_request(keyed, crisis, MemberState.PHL, a_need(title="Once"))

    work = [post] * 8 + [amend(i) for i in range(6)] + [post_once]

    def run(job: Callable[[], Recorded[Any]]) -> Recorded[Any] | Conflict:
        try:
            return job()
        except Conflict as error:  # redone three times on newer state, and still raced
            return error

    with ThreadPoolExecutor(len(work)) as pool:
        outcomes = list(pool.map(run, work))

    posts, amends, once = outcomes[:8], outcomes[8:14], outcomes[14]
    for recorded in posts:
        assert isinstance(recorded, Recorded)
        assert originator_at(concord, recorded.position) == recorded.aggregate.id
    assert isinstance(once, Recorded)  # its receipt is the last of its events, its request before it
    assert originator_at(concord, once.position) == receipt_id(PHL.principal, "post-once-0001")
    assert originator_at(concord, once.position - 1) == once.aggregate.id
    amended = [a for a in amends if isinstance(a, Recorded)]
    assert amended, "at least one amendment wins each round"
    assert concord.get_request(target).version == 1 + len(amended)
    assert len({a.position for a in amended}) == len(amended)
    again = post_once()
    assert again.replayed
    assert again.aggregate.id == once.aggregate.id
