"""Every role against every project operation, on a project of its own and on someone else's.

"Own" is a project of the coordinator's state (Philippines) that the donor's organisation
implements; "foreign" is Thailand's, implemented by another organisation.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from domain.access import Role
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving
from tests.conftest import migrated_sqlite
from tests.integration.test_access import expected
from tests.integration.test_projects_api import REGISTER, STATUS, organisation, project_input

PLAN = "mutation($i: PlanMilestoneInput!) { planMilestone(input: $i) { position } }"
ACHIEVE = "mutation($i: RecordMilestoneInput!) { recordMilestone(input: $i) { position } }"
DEFINE = "mutation($i: DefineResultInput!) { defineResult(input: $i) { position } }"
MEASURE = "mutation($i: RecordResultInput!) { recordResult(input: $i) { position } }"
ONE = "query($id: ID!) { project(id: $id) { id } }"
LIST = "{ projects { totalCount } }"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    settings = Settings(data_dir=tmp_path / "var")
    migrated_sqlite(settings.data_dir)
    async for running in serving(settings, DevSigner(settings.data_dir, settings.auth_audience)):
        yield running


Prepared = tuple[str, dict[str, Any], int | None]
Prepare = Callable[[Client, dict[str, str]], Awaitable[Prepared]]


async def _project(client: Client, orgs: dict[str, str], owner: str, *, started: bool) -> dict[str, Any]:
    state, org = ("PHL", orgs["own"]) if owner == "own" else ("THA", orgs["other"])
    values = project_input(client, org, memberState=state, adminCode=f"{state[:2]}15")
    data = await client.data(REGISTER, {"i": values})
    project = data["registerProject"]["project"]
    position = data["registerProject"]["position"]
    if started:
        changed = await client.data(STATUS, {"i": {"id": project["id"], "status": "IMPLEMENTATION"}})
        position = changed["changeProjectStatus"]["position"]
    return {**project, "position": position}


def _register(owner: str) -> Prepare:
    async def prepare(client: Client, orgs: dict[str, str]) -> Prepared:
        state = "PHL" if owner == "own" else "THA"
        values = project_input(client, orgs["own"], memberState=state, adminCode=f"{state[:2]}15")
        return REGISTER, {"i": values}, None

    return prepare


def _on_project(owner: str, document: str, started: bool, make: Callable[[dict[str, Any]], Any]) -> Prepare:
    async def prepare(client: Client, orgs: dict[str, str]) -> Prepared:
        project = await _project(client, orgs, owner, started=started)
        if document.startswith("mutation"):
            return document, {"i": make(project)}, None
        return document, {"id": project["id"]}, project["position"]

    return prepare


def _status(p: dict[str, Any]) -> dict[str, Any]:
    return {"id": p["id"], "status": "IMPLEMENTATION"}


def _plan(p: dict[str, Any]) -> dict[str, Any]:
    return {"projectId": p["id"], "title": "Roof on", "dueDate": "2027-09-01"}


def _achieve(p: dict[str, Any]) -> dict[str, Any]:
    return {"projectId": p["id"], "milestoneId": p["milestones"][0]["id"], "achievedOn": "2026-11-20"}


def _define(p: dict[str, Any]) -> dict[str, Any]:
    result = {"indicator": "Traders back", "unit": "trader", "baseline": "0", "target": "350"}
    return {"projectId": p["id"], "result": result}


def _measure(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "projectId": p["id"],
        "resultId": p["results"][0]["id"],
        "achieved": "12",
        "measuredOn": "2026-11-27",
    }


def _cases() -> list[tuple[str, str | None, Prepare]]:
    cases: list[tuple[str, str | None, Prepare]] = [("query.projects", None, _on_list())]
    for owner in ("own", "foreign"):
        cases += [
            ("mutation.registerProject", owner, _register(owner)),
            ("mutation.changeProjectStatus", owner, _on_project(owner, STATUS, False, _status)),
            ("mutation.planMilestone", owner, _on_project(owner, PLAN, False, _plan)),
            ("mutation.recordMilestone", owner, _on_project(owner, ACHIEVE, True, _achieve)),
            ("mutation.defineResult", owner, _on_project(owner, DEFINE, False, _define)),
            ("mutation.recordResult", owner, _on_project(owner, MEASURE, True, _measure)),
            ("query.project", owner, _on_project(owner, ONE, False, lambda p: None)),
        ]
    return cases


def _on_list() -> Prepare:
    async def prepare(_client: Client, _orgs: dict[str, str]) -> Prepared:
        return LIST, {}, None

    return prepare


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
async def test_the_matrix_of_roles_project_operations_and_owners(client: Client, role: Role) -> None:
    orgs = {
        "own": await organisation(client, "Marawi Builders"),
        "other": await organisation(client, "Isan Works"),
    }
    auth = client.bearer(
        role,
        state="PHL" if role is Role.COORDINATOR else None,
        org=uuid.UUID(orgs["own"]) if role is Role.DONOR else None,
    )
    recorder = client.http._transport.app.state.runtime.concord.recorder  # type: ignore[attr-defined]
    wrong = []
    for operation, owner, prepare in _cases():
        document, variables, position = await prepare(client, orgs)
        before = await asyncio.to_thread(recorder.max_notification_id)
        body = (await client.send(document, variables, as_=auth, after=position)).json()
        after = await asyncio.to_thread(recorder.max_notification_id)
        allowed = expected(role, operation, owner)
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
        if allowed == ("FORBIDDEN" in codes) or (allowed and codes):
            wrong.append((operation, owner, "allowed" if allowed else "denied", body))
        if not allowed and operation.startswith("mutation.") and after != before:
            wrong.append((operation, owner, "denied but stored", after - before))

    assert wrong == []
