"""The ``projects`` read model: each project's status and dates, its milestones and its results.

Funding is not copied here: it is read from the pledges and fund allocations at query time, so
that a project's funding and the FTS flows can never disagree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.projects import Project, ProjectStatus
from projections.projector import ProjectorBase, handles
from projections.projects.tables import project_milestones, project_results, projects

_P = Project


class ProjectsProjector(ProjectorBase):
    name = "projects"
    tables: tuple[Table, ...] = (projects, project_milestones, project_results)

    @handles(_P.Registered)
    async def _registered(self, event: _P.Registered, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            insert(projects).values(
                id=event.originator_id,
                crisis_id=event.crisis_id,
                member_state=event.member_state,
                title=event.title,
                description=event.description,
                sector=event.sector,
                admin_code=event.admin_code,
                implementers=",".join(event.implementers),
                budget=event.budget,
                currency=event.currency,
                usd_rate=str(event.usd_rate),
                usd_budget=event.usd_budget,
                planned_start=event.planned_start,
                planned_end=event.planned_end,
                status=ProjectStatus.PIPELINE.value,
                status_reason="",
                registered_at=event.timestamp,
                updated_at=event.timestamp,
                registered_position=position,
                position=position,
            )
        )

    @handles(_P.StatusChanged)
    async def _status(self, event: _P.StatusChanged, conn: AsyncConnection, position: int) -> None:
        status = ProjectStatus(event.status)
        values: dict[str, Any] = {"status": status.value, "status_reason": event.reason}
        if status is ProjectStatus.IMPLEMENTATION:
            started = await conn.scalar(
                select(projects.c.started_on).where(projects.c.id == event.originator_id)
            )
            values["started_on"] = started or event.on
        if status in (ProjectStatus.CLOSED, ProjectStatus.CANCELLED):
            values["ended_on"] = event.on
        await _touch(conn, event, position, **values)

    @handles(_P.MilestonePlanned)
    async def _planned(self, event: _P.MilestonePlanned, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            insert(project_milestones).values(
                milestone_id=event.milestone_id,
                project_id=event.originator_id,
                title=event.title,
                due_date=event.due_date,
                note="",
                planned_position=position,
            )
        )
        await _touch(conn, event, position)

    @handles(_P.MilestoneAchieved)
    async def _achieved(self, event: _P.MilestoneAchieved, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            update(project_milestones)
            .where(project_milestones.c.milestone_id == event.milestone_id)
            .values(achieved_on=event.achieved_on, note=event.note)
        )
        await _touch(conn, event, position)

    @handles(_P.ResultDefined)
    async def _defined(self, event: _P.ResultDefined, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            insert(project_results).values(
                result_id=event.result_id,
                project_id=event.originator_id,
                indicator=event.indicator,
                unit=event.unit,
                hxl_tag=event.hxl_tag,
                baseline=event.baseline,
                target=event.target,
                defined_position=position,
            )
        )
        await _touch(conn, event, position)

    @handles(_P.ResultMeasured)
    async def _measured(self, event: _P.ResultMeasured, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            update(project_results)
            .where(project_results.c.result_id == event.result_id)
            .values(achieved=event.achieved, measured_on=event.measured_on)
        )
        await _touch(conn, event, position)


async def _touch(conn: AsyncConnection, event: Any, position: int, **values: Any) -> None:
    await conn.execute(
        update(projects)
        .where(projects.c.id == event.originator_id)
        .values(updated_at=event.timestamp, position=position, **values)
    )
