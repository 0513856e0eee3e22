"""Rows looked up by id, on SQLite and PostgreSQL: any number of ids, however many queries it takes.

A single ``IN (...)`` list of every id fails past the bind-parameter limit (asyncpg 32,767; SQLite
32,766 by default, 250,000 as Debian builds it): the CSV and IATI exports look up every flow's ends
at once.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from decimal import Decimal

import pytest

from domain.access import Role
from domain.codes import MemberState, Sector
from domain.money import Conversion
from domain.organisations import OrganisationType
from domain.project_parts import ResultTerms
from projections import querying
from projections.assistance_requests import queries as request_queries
from projections.organisations import queries as organisation_queries
from projections.projects import queries as project_queries
from projections.who_what_where import queries as who_what_where
from services.bootstrap import Runtime
from services.coordination import Command
from services.identity.access import Principal

SECRETARIAT = Command(Principal("secretariat", Role.SECRETARIAT))


async def registered_organisations(runtime: Runtime, count: int) -> list[uuid.UUID]:
    def write() -> tuple[list[uuid.UUID], int]:
        recorded = [
            runtime.concord.register_organisation(SECRETARIAT, f"Partner {index}", OrganisationType.NGO)
            for index in range(count)
        ]
        return [r.aggregate.id for r in recorded], recorded[-1].position

    ids, position = await asyncio.to_thread(write)
    assert await runtime.progress.wait_for(position, timeout=30)
    return ids


async def registered_projects(
    runtime: Runtime, count: int, implementers: list[list[uuid.UUID]] | None = None
) -> list[uuid.UUID]:
    def write() -> tuple[list[uuid.UUID], int]:
        concord = runtime.concord
        states = [MemberState.PHL]
        crisis = concord.open_crisis(SECRETARIAT, "Marawi recovery", states, date(2026, 11, 1)).aggregate.id
        recorded = [
            concord.register_project(
                SECRETARIAT,
                crisis,
                MemberState.PHL,
                title=f"Classrooms, block {index}",
                sector=Sector.PB_EDX,
                admin_code="PH1536",
                implementers=implementers[index] if implementers else [],
                budget=Decimal(250_000),
                currency="USD",
                conversion=Conversion(Decimal(1), date(2026, 11, 28)),
                planned_start=date(2026, 12, 1),
                planned_end=date(2027, 6, 30),
                milestones=[("Foundations laid", date(2027, 2, 1))],
                results=[ResultTerms("Classrooms built", "classroom", Decimal(0), Decimal(index + 1))],
            )
            for index in range(count)
        ]
        return [r.aggregate.id for r in recorded], recorded[-1].position

    ids, position = await asyncio.to_thread(write)
    assert await runtime.progress.wait_for(position, timeout=30)
    return ids


async def test_every_organisation_asked_for_is_found_across_several_queries(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = await registered_organisations(runtime, 7)
    monkeypatch.setattr(querying, "IDS_PER_QUERY", 3)

    asked = [*known, *known[:2], uuid.uuid4()]  # repeats and an unknown id, as DataLoaders may send
    found = await organisation_queries.organisations_by_id(runtime.query_engine, asked)

    assert sorted(found) == sorted(known)
    assert {found[i].name for i in known} == {f"Partner {n}" for n in range(7)}


async def test_more_ids_than_the_database_binds_in_one_statement_are_looked_up(runtime: Runtime) -> None:
    known = await registered_organisations(runtime, 2)
    past_the_limit = 250_001 if runtime.settings.database_url is None else 32_768
    unknown = [uuid.uuid4() for _ in range(past_the_limit)]
    engine = runtime.query_engine

    found = await organisation_queries.organisations_by_id(engine, [*unknown, *known])
    commitments = await request_queries.commitments_by_request(engine, unknown)
    projects = await project_queries.projects_by_id(engine, unknown)

    assert sorted(found) == sorted(known)
    assert len(commitments) == past_the_limit
    assert not any(commitments.values())
    assert projects == {}


async def test_every_project_asked_for_comes_with_its_milestones_and_results(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = await registered_projects(runtime, 5)
    monkeypatch.setattr(querying, "IDS_PER_QUERY", 2)

    found = await project_queries.projects_by_id(runtime.query_engine, [*known, uuid.uuid4()])
    every = await project_queries.all_projects(runtime.query_engine)

    assert sorted(found) == sorted(known)
    assert [p.id for p in every] == known  # oldest first
    for project in (*found.values(), *every):
        assert [m.title for m in project.milestones] == ["Foundations laid"]
        [result] = project.results
        assert result.target == Decimal(known.index(project.id) + 1)


async def test_every_implementer_of_the_3w_is_named_across_several_queries(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    partners = await registered_organisations(runtime, 4)
    await registered_projects(runtime, 2, implementers=[partners[:2], partners[2:]])
    monkeypatch.setattr(querying, "IDS_PER_QUERY", 1)

    lines = await who_what_where.who_what_where(runtime.query_engine, activities=["project"])

    assert sorted((line.organisation_id, line.organisation_name) for line in lines) == sorted(
        (partner, f"Partner {index}") for index, partner in enumerate(partners)
    )
