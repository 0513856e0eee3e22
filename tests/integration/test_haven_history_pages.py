"""A safe haven's history read page by page from the event store, on SQLite and PostgreSQL: each
page starts from the haven as it stood (its nearest snapshot plus later events), and the pages
together are the history replayed from the first event, every change once and in order, as each
caller may see it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from domain.access import Role
from domain.codes import MemberState, Sector
from domain.havens import HavenStatus, SafeHaven
from services.api.schema.history import changes_of, history_page
from services.api.schema.history_types import Change
from services.api.schema.safe_haven_types import HAVEN_HISTORY
from services.coordination import Concord
from services.identity.access import Owner, Principal
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.conftest import fixed_today
from tests.snapshot_scenarios import ACTOR, INTERVAL, Snappy


@pytest.fixture
def haven(settings: Settings) -> Iterator[tuple[Concord, UUID]]:
    """A haven with 60 events in 17 saves, snapshotted every few events, read by another Concord."""
    env = storage_for(settings).event_store_env
    writer, reader = Snappy(env, today=fixed_today), Concord(env, today=fixed_today)
    try:
        haven = SafeHaven.designate(
            uuid4(),
            MemberState.PHL,
            name="Balo-i evacuation centre",
            admin_code="PH1536",
            latitude=Decimal("8.0041"),
            longitude=Decimal("124.2850"),
            capacity_day=500,
            services=[Sector.SHL],
            actor=ACTOR,
        )
        movement = uuid4()
        while haven.version < 60:
            step = haven.version % 7
            if step == 3:
                haven.reserve(movement, 2, date(2026, 12, 1), actor=ACTOR)
            elif step == 4:
                haven.release(movement, actor=ACTOR)
            elif step == 5:
                haven.change_status(HavenStatus.SUSPENDED, "shelling nearby", actor=ACTOR)
            elif step == 6:
                haven.change_status(HavenStatus.OPEN, "", actor=ACTOR)
            elif haven.version % 2 or haven.occupancy < 3:
                haven.admit(5, actor=ACTOR)
            else:
                haven.record_departure(3, actor=ACTOR)
            if haven.version % 4 in (0, 3):
                writer.save(haven)
        writer.save(haven)
        assert writer.snapshots is not None
        assert len(list(writer.snapshots.get(haven.id))) >= 60 // INTERVAL - 1
        yield reader, haven.id
    finally:
        writer.close()
        reader.close()


HOST = Principal("coordinator-PHL@test", Role.COORDINATOR, member_state=MemberState.PHL)
VIEWER = Principal("viewer@test", Role.VIEWER)


def _page(concord: Concord, haven_id: UUID, first: int, after: str | None, caller: Principal) -> Any:
    return history_page(concord, HAVEN_HISTORY, caller, haven_id, first, after)


def _pages(concord: Concord, haven_id: UUID, sizes: list[int], caller: Principal) -> list[Any]:
    pages: list[Any] = []
    after, has_next = None, True
    while has_next:
        assert len(pages) <= 100, "the cursor does not move on"
        page = _page(concord, haven_id, sizes[len(pages) % len(sizes)], after, caller)
        pages.append(page)
        has_next, after = page.page_info.has_next_page, page.page_info.end_cursor
    return pages


def test_paging_through_a_havens_history_gives_every_change_once_in_order(
    haven: tuple[Concord, UUID],
) -> None:
    concord, haven_id = haven
    events = list(concord.events.get(haven_id))
    owners = [Owner(member_state=MemberState.PHL)]
    whole: dict[Principal, list[Change]] = {
        caller: changes_of(HAVEN_HISTORY, events, caller, owners=lambda _haven: owners)
        for caller in (HOST, VIEWER)
    }

    @hypothesis_settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        sizes=st.lists(st.integers(1, 100), min_size=1, max_size=5), caller=st.sampled_from([HOST, VIEWER])
    )
    def check(sizes: list[int], caller: Principal) -> None:
        pages = _pages(concord, haven_id, sizes, caller)

        assert [edge.node for page in pages for edge in page.edges] == whole[caller]
        assert {page.total_count for page in pages} == {60}
        assert [len(page.edges) for page in pages[:-1]] == [
            sizes[i % len(sizes)] for i in range(len(pages) - 1)
        ]

    check()


def test_a_page_without_need_to_know_leaves_out_the_place_and_small_counts(
    haven: tuple[Concord, UUID],
) -> None:
    concord, haven_id = haven

    later = _page(concord, haven_id, 10, _cursor(concord, haven_id, 20), VIEWER)
    host = _page(concord, haven_id, 10, _cursor(concord, haven_id, 20), HOST)

    def counts(page: Any) -> set[str | None]:
        return {
            value
            for edge in page.edges
            for c in edge.node.changes
            if c.field in ("occupancy", "reserved")
            for value in (c.before, c.after)
        }

    fields = {change.field for edge in later.edges for change in edge.node.changes}
    assert [edge.node.version for edge in later.edges] == list(range(21, 31))
    assert not fields & {"adminCode", "location.latitude", "location.longitude"}
    assert "2" in counts(host)  # room held for a movement of two
    assert not {"1", "2", "3", "4"} & counts(later)
    assert None in counts(later)
    assert {owner for edge in later.edges for owner in edge.node.policy_owners} == {Owner(MemberState.PHL)}


def _cursor(concord: Concord, haven_id: UUID, version: int) -> str:
    page = _page(concord, haven_id, version, None, HOST)
    cursor: str | None = page.page_info.end_cursor
    assert cursor is not None
    return cursor
