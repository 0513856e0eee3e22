"""Uploads through POST /imports/requests: an export edited and uploaded again round-trips; bad rows
are refused one by one; the same file twice posts nothing twice (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from domain.access import Role
from domain.codes import MemberState
from services.bootstrap import start
from services.cli import app
from services.coordination import Command
from services.identity.access import Principal
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.api import Client, serving
from tests.integration.test_exports import caught_up
from tests.sheets import as_csv, request_row, sheet


@pytest.fixture
async def client(settings: Settings, signer: DevSigner) -> AsyncIterator[Client]:
    async for running in serving(settings, signer):
        yield running


async def upload(client: Client, content: bytes, *, commit: bool, as_: dict[str, str] | None = None) -> Any:
    response = await client.http.post(
        "/imports/requests",
        params={"commit": str(commit).lower()},
        content=content,
        headers={"Content-Type": "text/csv", **(as_ if as_ is not None else client.coordinator())},
    )
    assert response.status_code == 200, response.text
    return response.json()


def head(client: Client) -> int:
    runtime = client.http._transport.app.state.runtime  # type: ignore[attr-defined]
    return int(runtime.concord.recorder.max_notification_id() or 0)


async def test_an_export_edited_and_uploaded_again_round_trips(client: Client) -> None:
    await client.post(title="Tarpaulins", quantity="500")
    await client.post(title="Hygiene kits", sector="WSH", item="WSH-HYGIENE", unit="kit", quantity="200")
    await caught_up(client)
    exported = await client.http.get("/exports/requests.csv", headers=client.coordinator())
    lines = list(csv.reader(io.StringIO(exported.text)))
    header, tags, rows = lines[0], lines[1], lines[2:]
    quantity = header.index("Requested")
    first = next(r for r in rows if r[header.index("Title")] == "Tarpaulins")
    first[quantity] = "650"
    added = dict(zip(header, rows[0], strict=True)) | {
        "Request": "",
        "Title": "Family tents",
        "Requested": "40",
    }
    edited = as_csv([header, tags, *rows, [added[h] for h in header]])

    preview = await upload(client, edited, commit=False)
    committed = await upload(client, edited, commit=True)
    await client.data("{ crises { id } }", after=committed["position"])
    again = await client.http.get("/exports/requests.csv", headers=client.coordinator())
    reexported = await upload(client, again.content, commit=True)

    assert sorted(r["status"] for r in preview["rows"]) == ["amend", "post", "unchanged"]
    assert sorted(r["status"] for r in committed["rows"]) == ["amended", "posted", "unchanged"]
    reread = list(csv.DictReader(io.StringIO(again.text)))[1:]
    assert {(r["Title"], r["Requested"]) for r in reread} == {
        ("Tarpaulins", "650"), ("Hygiene kits", "200"), ("Family tents", "40")
    }  # fmt: skip
    assert reexported["summary"]["unchanged"] == 3
    assert reexported["position"] == 0


async def test_200_rows_with_3_bad_post_197_and_a_second_upload_posts_none(client: Client) -> None:
    rows = [request_row(client.crisis_id, n) for n in range(200)]
    rows[17]["Requested"] = "lots"
    rows[80]["Item"] = "NOT-AN-ITEM"
    rows[150]["Admin area"] = "TH1001"
    content = as_csv(sheet(rows))

    preview = await upload(client, content, commit=False)
    before = head(client)
    committed = await upload(client, content, commit=True)
    after = head(client)
    second = await upload(client, content, commit=True)

    errors = [(r["line"], r["errors"][0]["field"]) for r in preview["rows"] if r["status"] == "error"]
    assert errors == [(20, "quantity"), (83, "item"), (153, "adminCode")]
    assert preview["summary"]["post"] == 197
    assert committed["summary"]["posted"] == 197
    assert committed["summary"]["error"] == 3
    assert second["summary"]["already-posted"] == 197
    assert head(client) == after > before


async def test_an_upload_is_refused_as_problem_details(client: Client) -> None:
    content = as_csv(sheet([request_row(client.crisis_id)]))

    anonymous = await client.http.post("/imports/requests", content=content)
    viewer = await client.http.post("/imports/requests", content=content, headers=client.bearer(Role.VIEWER))
    garbage = await client.http.post(
        "/imports/requests", content=b"no,hashtags\n1,2\n", headers=client.coordinator()
    )

    assert [anonymous.status_code, viewer.status_code, garbage.status_code] == [401, 403, 400]
    assert garbage.headers["content-type"] == "application/problem+json"
    assert garbage.json()["code"] == "BAD_USER_INPUT"


async def test_concord_import_posts_a_files_rows_once_and_names_the_bad_ones(
    settings: Settings, signer: DevSigner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    runtime = await start(settings, run_projections=False)
    try:
        secretariat = Command(Principal("officer@asean.org", Role.SECRETARIAT))
        opened = runtime.concord.open_crisis(secretariat, "Marawi", [MemberState.PHL], date(2026, 11, 1))
    finally:
        await runtime.close()
    rows = [request_row(opened.aggregate.id, n, **{"Needed by": "2030-01-31"}) for n in range(5)]
    rows[3]["Priority"] = "urgent"
    upload_file = tmp_path / "needs.csv"
    upload_file.write_bytes(as_csv(sheet(rows)))
    monkeypatch.setenv("CONCORD_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("CONCORD_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("CONCORD_DATABASE_URL", raising=False)
    token = signer.issue(subject="maria@dswd.gov.ph", role=Role.COORDINATOR, member_state=MemberState.PHL)
    command = ["import", "requests", str(upload_file), "--token", token]
    runner = CliRunner()

    first = await asyncio.to_thread(runner.invoke, app, command)
    second = await asyncio.to_thread(runner.invoke, app, command)
    viewer = signer.issue(subject="v@test", role=Role.VIEWER)
    refused = await asyncio.to_thread(runner.invoke, app, [*command[:3], "--token", viewer])

    assert first.exit_code == 1  # a row was refused: scripts notice
    assert "4 posted, 1 error" in first.stdout
    assert "line 6: priority:" in first.stderr
    assert "4 already-posted, 1 error" in second.stdout
    assert refused.exit_code == 2
