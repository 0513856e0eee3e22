"""The match counts read model counts, per requesting state and status, what counting every match
of the state counted: on the demo's data, with matches accepted, declined, delivered and cancelled,
live and after a rebuild; and a page of the matches filtered by state and status carries that count."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.matches import MatchStatus
from projections.assistance_requests.tables import assistance_requests
from projections.match_counts.projector import MatchCountsProjector
from projections.match_counts.tables import match_counts
from projections.matches import queries
from projections.matches.tables import matches
from services.bootstrap import start
from services.coordination import Concord
from services.demo import Demo
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.conftest import fixed_today
from tests.integration.test_coverage_read_model import release_matches
from tests.integration.test_projections import runner_for

Cells = dict[tuple[str, str], int]


async def counted_over_every_match(engine: AsyncEngine) -> Cells:
    """The count the matches page made before the read model, kept here as the reference."""
    m, r = matches.c, assistance_requests.c
    query = (
        select(r.member_state, m.status, func.count())
        .select_from(matches.join(assistance_requests, r.id == m.request_id))
        .group_by(r.member_state, m.status)
    )
    async with engine.connect() as conn:
        return {(state, status): count for state, status, count in await conn.execute(query)}


async def cells(engine: AsyncEngine) -> Cells:
    c = match_counts.c
    async with engine.connect() as conn:
        rows = await conn.execute(select(c.member_state, c.status, c.matches))
        return {(state, status): count for state, status, count in rows}


async def test_the_match_counts_are_the_count_over_every_match(settings: Settings) -> None:
    concord = Concord(storage_for(settings).event_store_env, today=fixed_today)
    demo = Demo(concord, seed=7, scale=0.05)
    demo.run()
    runtime = await start(settings, today=fixed_today)
    try:
        await runtime.progress.wait_for(concord.recorder.max_notification_id() or 0, timeout=60)
        await release_matches(runtime, demo)
        await runtime.progress.wait_for(concord.recorder.max_notification_id() or 0, timeout=60)
        engine = runtime.read_engine
        reference, live = await counted_over_every_match(engine), await cells(engine)
        states = sorted({state for state, _status in reference})
        waiting = (MatchStatus.PROPOSED.value, MatchStatus.ACCEPTED.value)
        paged = {}
        for state in states:
            for statuses in ((MatchStatus.PROPOSED.value,), waiting, ()):
                where = queries.MatchFilter(statuses=statuses, requesting_states=(state,))
                prepared = (await queries.list_matches(engine, where, first=1, after=None))[2]
                built = (await queries.list_matches_built(engine, where, first=1, after=None))[2]
                paged[state, statuses] = (prepared, built)
        rebuilt_from = await runner_for(runtime, MatchCountsProjector(), 50).rebuild()  # type: ignore[arg-type]
        rebuilt = await cells(engine)
    finally:
        await runtime.close()
        concord.close()

    assert len({status for _state, status in reference}) >= 4, reference  # proposed … cancelled
    assert "released" in demo.tally.written
    assert live == reference
    assert rebuilt == live
    assert rebuilt_from > 0
    for (state, statuses), (prepared, built) in paged.items():
        expected = sum(
            n for (s, status), n in reference.items() if s == state and (status in statuses or not statuses)
        )
        assert (prepared, built) == (expected, expected), (state, statuses)
