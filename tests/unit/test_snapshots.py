"""Snapshots of long aggregates: a read from a snapshot and later events equals the replay of
every event, at the latest version and at every earlier one, on the in-memory store."""

from __future__ import annotations

import dataclasses
import enum
import logging
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

import domain.codes
from domain.access import Role
from domain.codes import MemberState
from domain.crises import Crisis
from domain.errors import InvalidInput
from domain.funds import AllocationBalance, FundWindow, StabilityFund
from domain.money import Conversion
from domain.organisations import OrganisationType
from domain.pledges import DestinationKind, Earmarking
from domain.requests import AssistanceRequest
from services.api.schema.history import changes_of
from services.api.schema.request_types import REQUEST_HISTORY
from services.coordination import Command, Concord
from services.identity.access import Principal
from services.infrastructure.snapshots import SNAPSHOT_INTERVALS, StateSnapshot, portable, state_transcodings
from tests.conftest import fixed_today
from tests.factories import a_need
from tests.snapshot_scenarios import (
    ACTOR,
    INTERVAL,
    SCENARIOS,
    Scenario,
    Snappy,
    assert_snapshots_agree,
    live,
    replayed,
    v1_fund_snapshot,
)

MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
SECRETARIAT = Command(Principal("officer@asean.org", Role.SECRETARIAT))
PHL = Command(Principal("maria@dswd.gov.ph", Role.COORDINATOR, MemberState.PHL))


def test_concord_snapshots_its_long_aggregates_unless_told_not_to() -> None:
    assert Concord(MEMORY).snapshots is not None
    assert Concord({**MEMORY, "IS_SNAPSHOTTING_ENABLED": "n"}).snapshots is None
    assert set(SNAPSHOT_INTERVALS) >= {StabilityFund, AssistanceRequest}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
@hypothesis_settings(max_examples=25)
@given(data=st.data())
def test_a_snapshot_and_later_events_equal_the_replay_of_all_events(scenario: Scenario, data: Any) -> None:
    app = Snappy(MEMORY, today=fixed_today)
    aggregate_id = live(app, scenario, data, saves=data.draw(st.integers(2, 14)))
    assert_snapshots_agree(app, aggregate_id)


def amended_seven_times(app: Concord) -> AssistanceRequest:
    """A request posted and amended seven times, saved each time: snapshots at versions 3 and 6."""
    request = AssistanceRequest.post(uuid4(), MemberState.PHL, a_need(), today=fixed_today(), actor=ACTOR)
    app.save(request)
    for priority in [1, 2, 3, 4, 5, 1, 2]:
        request.amend(a_need(priority=priority), today=fixed_today(), actor=ACTOR)
        app.save(request)
    return request


def test_a_request_as_of_any_moment_is_unchanged_by_snapshots() -> None:
    app = Snappy(MEMORY, today=fixed_today)
    request = amended_seven_times(app)
    assert app.snapshots is not None
    assert [s.originator_version for s in app.snapshots.get(request.id)] == [3, 6]
    for event in app.events.get(request.id):
        as_of = app.request_as_of(request.id, event.timestamp)  # type: ignore[attr-defined]
        assert vars(as_of) == vars(app.repository.get(request.id, version=event.originator_version))


def test_a_request_as_of_a_moment_replays_only_the_events_after_the_snapshot_taken_by_then() -> None:
    app = Snappy(MEMORY, today=fixed_today)
    request = amended_seven_times(app)
    assert app.snapshots is not None
    snapshots = {s.originator_version: s.timestamp for s in app.snapshots.get(request.id)}  # type: ignore[attr-defined]
    read_after: list[int | None] = []
    get = app.events.get

    def recording(originator_id: Any, **kwargs: Any) -> Any:
        read_after.append(kwargs.get("gt"))
        return get(originator_id, **kwargs)

    app.events.get = recording  # type: ignore[method-assign]
    latest = app.request_as_of(request.id, snapshots[6])
    between = app.request_as_of(request.id, snapshots[3])

    assert read_after == [6, 3]
    assert latest.version >= 6
    assert between.version >= 3


def test_a_requests_history_pages_start_from_its_snapshots_and_add_up_to_the_whole() -> None:
    app = Snappy(MEMORY, today=fixed_today)
    request = amended_seven_times(app)
    request.cancel("duplicate", actor=ACTOR)
    app.save(request)
    whole = changes_of(REQUEST_HISTORY, app.events.get(request.id), SECRETARIAT.principal)
    for size in range(1, 10):
        pages, after = [], 0
        while True:
            page = app.history_page(AssistanceRequest, "request", request.id, after=after, limit=size)
            assert page.total == 9
            pages += changes_of(REQUEST_HISTORY, page.events, SECRETARIAT.principal, start=page.start)
            if len(page.events) < size:
                break
            after = page.events[-1].originator_version
        assert pages == whole, size


def test_commands_on_the_fund_read_it_from_its_latest_snapshot() -> None:
    """Through the commands (and their group commit): payments in, an allocation out."""
    app = Snappy(MEMORY, today=fixed_today)
    fund = app.open_fund(SECRETARIAT, "ASEAN Stability Fund").aggregate.id
    organisation = app.register_organisation(SECRETARIAT, "JICA", OrganisationType.DIALOGUE_PARTNER)
    donor = Command(Principal("aiko@jica.go.jp", Role.DONOR, organisation_id=organisation.aggregate.id))
    usd = Conversion(Decimal(1), date(2026, 11, 20))
    pledge = app.make_pledge(
        donor,
        destination_kind=DestinationKind.FUND,
        destination_id=fund,
        amount=Decimal(1000),
        currency="USD",
        conversion=usd,
        earmarking=Earmarking.UNEARMARKED,
    ).aggregate.id
    app.commit_pledge(donor, pledge, date(2026, 12, 31), "JICA-1")
    for _ in range(7):
        app.record_payment(donor, pledge, Decimal(10), usd, fixed_today())
    crisis = app.open_crisis(SECRETARIAT, "Marawi", [MemberState.PHL], date(2026, 11, 1)).aggregate.id
    request = app.post_request(PHL, crisis, MemberState.PHL, a_need()).aggregate.id
    app.allocate_from_fund(
        SECRETARIAT,
        fund,
        window=FundWindow.RESERVE,
        destination_kind=DestinationKind.REQUEST,
        destination_id=request,
        usd_amount=Decimal(65),
        rationale="rapid response",
    )
    assert app.get_fund(fund).balance == Decimal(5)
    assert_snapshots_agree(app, fund)
    assert_snapshots_agree(app, pledge)


def test_only_kinds_that_can_have_snapshots_look_for_one() -> None:
    """Looking costs a query: a crisis (never snapshotted) is read from its events alone, while
    a request (snapshotted) and a read of unknown kind still look."""
    app = Concord(MEMORY, today=fixed_today)
    assert app.snapshots is not None
    looked: list[object] = []
    get = app.snapshots.get

    def counting_get(*args: Any, **kwargs: Any) -> Any:
        looked.append(kwargs.get("originator_id", args[0] if args else None))
        return get(*args, **kwargs)

    app.snapshots.get = counting_get  # type: ignore[method-assign]
    crisis = app.open_crisis(SECRETARIAT, "Marawi", [MemberState.PHL], date(2026, 11, 1)).aggregate.id
    request = app.post_request(PHL, crisis, MemberState.PHL, a_need()).aggregate.id
    assert looked == []  # posting read the crisis without looking for a snapshot
    assert app.get_crisis(crisis).id == crisis
    assert looked == []
    app.amend_request(PHL, request, priority=5)
    assert looked == [request]
    assert app.repository_for(object) is app.repository
    assert app.repository_for(AssistanceRequest) is app.repository
    plain = Concord({**MEMORY, "IS_SNAPSHOTTING_ENABLED": "n"})
    assert plain.repository_for(Crisis) is plain.repository


def test_a_snapshot_that_cannot_be_written_does_not_fail_the_command(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = Snappy(MEMORY, today=fixed_today)
    assert app.snapshots is not None

    def refuse(*_: Any, **__: Any) -> None:
        raise OSError("disk full")

    app.snapshots.put = refuse  # type: ignore[method-assign,assignment]
    fund = StabilityFund.open("Fund", actor=ACTOR)
    for _ in range(INTERVAL):
        fund.receive(uuid4(), uuid4(), Decimal(1), actor=ACTOR)
    with caplog.at_level(logging.ERROR):
        app.save(fund)
    assert vars(app.repository.get(fund.id)) == vars(replayed(app, fund.id))
    assert "could not snapshot" in caplog.text


def test_state_containers_keep_their_types_through_json() -> None:
    app = Concord(MEMORY)
    value = {"pairs": {uuid4(): (1, "a")}, "set": frozenset({MemberState.PHL}), "list": [(Decimal("1.50"),)]}
    decoded = app.mapper.transcoder.decode(app.mapper.transcoder.encode(portable(value)))
    assert decoded == value
    assert type(decoded["list"][0]) is tuple
    assert str(decoded["list"][0][0]) == "1.50"


def test_a_mutable_set_in_state_is_refused_rather_than_written_as_a_list() -> None:
    with pytest.raises(TypeError, match="frozenset"):
        portable({"ids": {1, 2}})


def test_every_domain_enum_and_value_object_has_a_transcoding() -> None:
    names = {t.name for t in state_transcodings()}
    assert {"domain.codes:MemberState", "domain.funds:Allocation", "domain.requests:Commitment"} <= names
    assert not any(name.endswith(("Event", "Created")) for name in names)


def test_an_enum_that_json_would_write_plain_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class Plain(enum.StrEnum):
        A = "a"

    monkeypatch.setattr(domain.codes, "Plain", Plain, raising=False)
    Plain.__module__ = "domain.codes"
    with pytest.raises(TypeError, match="JSON type"):
        state_transcodings()


def test_the_snapshot_class_is_the_one_concord_stores() -> None:
    app = Snappy(MEMORY, today=fixed_today)
    fund = StabilityFund.open("Fund", actor=ACTOR)
    for _ in range(INTERVAL - 1):
        fund.receive(uuid4(), uuid4(), Decimal(1), actor=ACTOR)
    app.save(fund)
    assert app.snapshots is not None
    [snapshot] = app.snapshots.get(fund.id)
    assert type(snapshot) is StateSnapshot
    assert dataclasses.is_dataclass(snapshot)


# A snapshot of a fund as the code before StabilityFund.class_version 2 stored it (commit f2a5cda):
# opened, 1000.50 USD received, allocation 2 (300 USD) fully disbursed, allocation 3 (200.25 USD)
# 50 USD disbursed; the fund's id is UUID(int=1) and its version 6.
V1_FUND_SNAPSHOT = Path(__file__).parent.parent / "data" / "fund-snapshot-v1.json"


def test_a_fund_snapshot_stored_before_v2_reads_as_totals_and_the_open_allocations() -> None:
    app = Concord(MEMORY)
    stored = StoredEvent(
        originator_id=UUID(int=1),
        originator_version=6,
        topic=get_topic(StateSnapshot),
        state=V1_FUND_SNAPSHOT.read_bytes().strip(),
    )
    fund = app.mapper.to_domain_event(stored).mutate(None)  # type: ignore[attr-defined]

    assert isinstance(fund, StabilityFund)
    assert (fund.id, fund.version, fund.name) == (UUID(int=1), 6, "ASEAN Stability Fund")
    assert (fund.received, fund.refunded, fund.allocated, fund.disbursed, fund.balance) == (
        Decimal("1000.50"), Decimal(0), Decimal("500.25"), Decimal(350), Decimal("500.25"),
    )  # fmt: skip
    assert fund.open_allocations == {UUID(int=3): AllocationBalance(Decimal("200.25"), Decimal(50))}

    fund.disburse(UUID(int=3), Decimal("150.25"), actor=ACTOR)
    with pytest.raises(InvalidInput, match="fully disbursed"):
        fund.disburse(UUID(int=2), Decimal(1), actor=ACTOR)
    fund.collect_events()
    assert (fund.disbursed, fund.open_allocations) == (Decimal("500.25"), {})
    again = app.mapper.to_domain_event(app.mapper.to_stored_event(StateSnapshot.take(fund)))
    assert again.state["class_version"] == 2  # type: ignore[attr-defined]
    assert vars(again.mutate(None)) == vars(fund)  # type: ignore[attr-defined]


def test_a_v1_fund_snapshot_in_the_store_is_read_and_later_commands_carry_on() -> None:
    """Written with every allocation in full, as before v2, it is read back upcast: the same fund its
    events give, on which commands go on and later snapshots are v2."""
    app = Concord(MEMORY, today=fixed_today)
    assert app.snapshots is not None
    fund = StabilityFund.open("ASEAN Stability Fund", actor=ACTOR)
    fund.receive(uuid4(), uuid4(), Decimal(1000), actor=ACTOR)
    roofs, school, well = (
        fund.allocate(FundWindow.RESERVE, DestinationKind.REQUEST, uuid4(), Decimal(usd), "why", actor=ACTOR)
        for usd in ("300", "200", "100")
    )
    fund.disburse(roofs, Decimal(300), actor=ACTOR)
    fund.disburse(school, Decimal(50), actor=ACTOR)
    app.save(fund)
    app.snapshots.put([v1_fund_snapshot(app, fund.id)])
    [stored] = app.snapshots.recorder.select_events(fund.id)
    assert b'"domain.funds:Allocation"' in stored.state
    assert b"class_version" not in stored.state
    [snapshot] = app.snapshots.get(fund.id)
    assert vars(snapshot.mutate(None)) == vars(replayed(app, fund.id))  # type: ignore[attr-defined]

    read = app.get_fund(fund.id)  # from the snapshot, with no later event
    assert (read.version, read.allocated, read.disbursed, read.balance) == (
        7, Decimal(600), Decimal(350), Decimal(400),
    )  # fmt: skip
    assert read.open_allocations == {
        school: AllocationBalance(Decimal(200), Decimal(50)),
        well: AllocationBalance(Decimal(100)),
    }
    assert vars(read) == vars(replayed(app, fund.id))

    app.disburse(SECRETARIAT, fund.id, school, Decimal(150))
    with pytest.raises(InvalidInput, match="fully disbursed"):
        app.disburse(SECRETARIAT, fund.id, roofs, Decimal(1))
    app.take_snapshot(fund.id)
    latest = app.snapshots.get(fund.id, desc=True, limit=1)
    assert [s.state["class_version"] for s in latest] == [2]  # type: ignore[attr-defined]
    after = app.get_fund(fund.id)
    assert vars(after) == vars(replayed(app, fund.id))
    assert (after.disbursed, list(after.open_allocations)) == (Decimal(500), [well])
