"""The dashboard's map in a real headless Chromium: every member state shaded by its coverage, the
safe havens as points inside their state with their occupancy in their names, and each haven's
point only for those with need-to-know (README, Data responsibility): the secretariat sees every
haven, a host state's coordinator its own, a viewer none, and no exact coordinate reaches a
viewer's page at all; axe-core finds no serious or critical violation."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Response, expect, sync_playwright

from domain.codes import MemberState
from services.demo import PLACES
from services.settings import Settings
from tests.e2e.dashboard_data import ADMIT, DESIGNATE, Loader
from tests.e2e.test_dashboard import ARTIFACTS, BROWSER_FLAGS, CHROMIUM, WAIT_MS
from tests.e2e.test_served import CONCORD, cli_token, environment, free_port, running, wait_until_serving
from tests.e2e.test_workbench import serious_violations

SITTWE = tuple(str(value) for value in PLACES["MMR012"][:2])  # the second haven's latitude, longitude
SAFE_HAVENS = '"operationName":"SafeHavens"'
STATES = """[...document.querySelectorAll('#map-states g.state')].map((g) => ({
  state: g.dataset.state, band: g.getAttribute('class'), name: g.getAttribute('aria-label'),
  marker: g.querySelector('circle.marker') !== null }))"""
# Each plotted haven with its name, and whether its point lies inside its member state's outline.
HAVENS = """[...document.querySelectorAll('#map-havens circle')].map((c) => {
  const point = new DOMPoint(Number(c.getAttribute('cx')), Number(c.getAttribute('cy')));
  const inside = [...document.querySelectorAll('#map-states g.state')].filter(
    (g) => g.querySelector('path').isPointInFill(point)).map((g) => g.dataset.state);
  return { name: c.getAttribute('aria-label'), inside }; })"""


def open_dashboard(
    browser: Browser, base: str, token: str, problems: list[str], answers: list[Response] | None = None
) -> Page:
    """The dashboard loaded with ``token``; ``answers`` collects the API's answers to SafeHavens."""
    page = browser.new_page(locale="en-US", timezone_id="UTC", viewport={"width": 1440, "height": 1400})
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
    )
    if answers is not None:
        page.on(
            "response",
            lambda answer: (
                answers.append(answer) if SAFE_HAVENS in (answer.request.post_data or "") else None
            ),
        )
    page.goto(f"{base}/#token={token}")
    expect(page.locator("#map-states g.state")).to_have_count(len(MemberState), timeout=WAIT_MS)
    page.wait_for_function("document.body.dataset.loaded === 'true'", timeout=WAIT_MS)
    return page


@dataclass
class Seen:
    """What one principal's dashboard shows of the safe havens, and what the API gave it."""

    points: list[dict[str, Any]]
    note: str
    rows: list[str]
    locations: list[Any]
    content: str
    violations: list[str]


def what_is_seen(page: Page, answers: list[Response], shot: str) -> Seen:
    """The map's haven points, its note and haven table (read at once: a live refresh may redraw
    it meanwhile), every location the API's SafeHavens answers gave the page, and the page itself."""
    expect(page.locator("#map-havens-body tr")).to_have_count(2, timeout=WAIT_MS)
    page.locator(".map-tables summary").click()
    expect(page.locator(".map-tables")).to_have_attribute("open", "")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("section[aria-labelledby='map-title']").screenshot(path=str(ARTIFACTS / f"{shot}.png"))
    return Seen(
        points=page.evaluate(HAVENS),
        note=page.locator("#map-note").inner_text(),
        rows=page.locator("#map-havens-body").inner_text().splitlines(),
        locations=[haven["location"] for answer in answers for haven in answer.json()["data"]["safeHavens"]],
        content=page.content(),
        violations=serious_violations(page),
    )


def load(base: str, env: dict[str, str]) -> Loader:
    """The dashboard test's data, and a second safe haven near Sittwe, with three people in it."""
    loader = Loader(base, env)
    latitude, longitude, _ = PLACES["MMR012"]  # near Sittwe, as the demo's havens
    data = loader.load()  # Balo-i evacuation centre, Lanao del Sur: 250 sheltered of 300
    sittwe = loader.send(
        DESIGNATE,
        {
            "crisisId": data.rakhine, "memberState": "MMR", "name": "Sittwe relief camp",
            "adminCode": "MMR012", "latitude": str(latitude), "longitude": str(longitude),
            "capacityDay": 150, "capacityNight": 150,
        },
        loader.mmr,
    )["designateSafeHaven"]["safeHaven"]["id"]  # fmt: skip
    loader.send(ADMIT, {"id": sittwe, "people": 3}, loader.mmr)
    return loader


def test_the_map_shades_every_member_state_and_places_the_havens_it_may_show(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    env = environment(settings, CONCORD_PORT=str(port))
    subprocess.run([CONCORD, "migrate"], env=env, check=True, capture_output=True)
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    backend = "postgres" if settings.database_url else "sqlite"
    problems: list[str] = []

    with running(["serve"], env, log) as server:
        wait_until_serving(base, server, log)
        loader = load(base, env)
        viewer = cli_token(env, "--role", "viewer")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_FLAGS)
            seen: dict[str, Seen] = {}
            for who, token in (("secretariat", loader.secretariat), ("host", loader.mmr), ("viewer", viewer)):
                answers: list[Response] = []
                page = open_dashboard(browser, base, token, problems, answers)
                seen[who] = what_is_seen(page, answers, f"dashboard-map-{who}-{backend}")
                if who == "secretariat":
                    states: list[dict[str, Any]] = page.evaluate(STATES)
                    table = page.locator("#map-coverage-body").inner_text().splitlines()
            browser.close()

    by_state = {s["state"]: s for s in states}
    assert set(by_state) == {s.value for s in MemberState}
    assert all(s["band"].startswith("state coverage-") for s in states)
    # Two needs in the Philippines, one in Myanmar, of which none is committed; the rest have none.
    assert by_state["PHL"]["band"] == "state coverage-0"
    assert by_state["PHL"]["name"] == "Philippines: 2 needs, 0% committed, gap 1,700"
    assert by_state["MMR"]["name"] == "Myanmar: 1 need, 0% committed, gap 40"
    assert by_state["SGP"]["band"] == "state coverage-none"
    assert by_state["SGP"]["name"] == "Singapore: no needs posted"
    assert by_state["SGP"]["marker"]  # too small an outline to see: a marker too
    assert sorted(seen["secretariat"].points, key=lambda h: h["name"]) == [
        {"name": "Balo-i evacuation centre (Philippines): 250 sheltered of 300, open", "inside": ["PHL"]},
        {"name": "Sittwe relief camp (Myanmar): 3 sheltered of 150, open", "inside": ["MMR"]},
    ]
    assert len(table) == len(MemberState)
    assert "Philippines\t2\t1,700\t0\t0%\t1,700" in table
    assert seen["secretariat"].rows == [
        "Balo-i evacuation centre\tPhilippines\t250\t300\topen\t8.0095, 124.2937",
        f"Sittwe relief camp\tMyanmar\t3\t150\topen\t{SITTWE[0]}, {SITTWE[1]}",
    ]
    # The host state's coordinator: its own haven's point, not another state's.
    assert seen["host"].points == [
        {"name": "Sittwe relief camp (Myanmar): 3 sheltered of 150, open", "inside": ["MMR"]}
    ]
    assert seen["host"].note.startswith("1 safe haven not on the map")
    # A viewer is given no exact location and no count under five: the map draws no haven, and no
    # coordinate is anywhere on its page.
    viewer_seen = seen["viewer"]
    assert viewer_seen.locations
    assert all(location is None for location in viewer_seen.locations)
    assert viewer_seen.points == []
    assert viewer_seen.note.startswith("2 safe havens not on the map")
    assert viewer_seen.rows == [
        "Balo-i evacuation centre\tPhilippines\t250\t300\topen\twithheld",
        "Sittwe relief camp\tMyanmar\t<5\t150\topen\twithheld",
    ]
    assert [part for part in ("8.0095", "124.2937", *SITTWE) if part in viewer_seen.content] == []
    assert [seen[who].violations for who in seen] == [[], [], []]
    assert problems == []
