"""Replay equals live: the projects read model followed command by command is the one a rebuild
from the start of the log gives, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import select

from domain.access import Role
from domain.codes import MemberState, Sector
from domain.money import Conversion
from domain.organisations import OrganisationType
from domain.projects import ProjectStatus, ResultTerms
from projections.projects.projector import ProjectsProjector
from projections.projects.tables import project_milestones, project_results, projects
from projections.tracked import TrackedProjection
from services.bootstrap import Runtime, start
from services.coordination import Command
from services.identity.access import Principal
from services.settings import Settings
from tests.conftest import fixed_today

SECRETARIAT = Command(Principal("secretariat@asean.org", Role.SECRETARIAT))
PHL = Command(Principal("ana@dilg.gov.ph", Role.COORDINATOR, MemberState.PHL))


def runner(runtime: Runtime, batch_size: int) -> TrackedProjection:
    return TrackedProjection(
        ProjectsProjector(),
        engine=runtime.read_engine,
        recorder=runtime.concord.recorder,
        decode=runtime.concord.mapper.to_domain_event,
        batch_size=batch_size,
    )


def history(runtime: Runtime) -> list[Callable[[], Any]]:
    """Commands on three projects, each step to be projected as it happens."""
    concord = runtime.concord
    crisis = concord.open_crisis(SECRETARIAT, "Marawi", [MemberState.PHL], date(2026, 11, 1)).aggregate.id
    builder = concord.register_organisation(SECRETARIAT, "Marawi Builders", OrganisationType.NGO).aggregate.id
    ids: list[Any] = []

    def register(index: int) -> Any:
        project = concord.register_project(
            PHL, crisis, MemberState.PHL, title=f"Project {index}", sector=Sector.PB_REC,
            admin_code=f"PH15{index:02d}", implementers=[builder], budget=Decimal(1_000_000 + index),
            currency="USD", conversion=Conversion(Decimal(1), date(2026, 11, 28)),
            planned_start=date(2026, 11, 1), planned_end=date(2027, 12, 31),
            milestones=[("Dialogue convened", date(2026, 11, 15))],
            results=[ResultTerms("Villages reached", "village", Decimal(0), Decimal(40), "#reached")],
        ).aggregate  # fmt: skip
        ids.append(project)
        return project

    def step(index: int) -> None:
        project = ids[index]
        concord.change_project_status(PHL, project.id, ProjectStatus.IMPLEMENTATION)
        milestone = next(iter(project.milestones))
        concord.record_milestone(PHL, project.id, milestone, date(2026, 11, 14), "with the elders")
        result = next(iter(project.results))
        concord.record_result(PHL, project.id, result, Decimal(index + 3), date(2026, 11, 27))
        concord.plan_milestone(PHL, project.id, "Peace committee formed", date(2027, 3, 1))

    def suspend() -> None:
        concord.change_project_status(PHL, ids[2].id, ProjectStatus.SUSPENDED, "clashes nearby")

    return [*(partial(register, i) for i in range(3)), *(partial(step, i) for i in range(3)), suspend]


async def read_model(runtime: Runtime) -> list[list[Sequence[Any]]]:
    tables = []
    async with runtime.read_engine.connect() as conn:
        for table, key in (
            (projects, "id"),
            (project_milestones, "milestone_id"),
            (project_results, "result_id"),
        ):
            rows = await conn.execute(select(table).order_by(table.c[key]))
            tables.append([tuple(row) for row in rows])
    return tables


async def test_the_projects_read_model_followed_live_equals_a_rebuild(settings: Settings) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        live = runner(runtime, batch_size=1)
        for command in await asyncio.to_thread(history, runtime):
            await asyncio.to_thread(command)
            await live.catch_up()
        followed = await read_model(runtime)

        rebuild = runner(runtime, batch_size=500)
        await rebuild.reset()
        await rebuild.catch_up()
        rebuilt = await read_model(runtime)
    finally:
        await runtime.close()

    assert [len(rows) for rows in followed] == [3, 6, 3]
    assert followed == rebuilt
    status = list(projects.c.keys()).index("status")
    statuses = sorted(row[status] for row in followed[0])
    assert statuses == ["implementation", "implementation", "suspended"]
