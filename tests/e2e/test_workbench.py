"""The workbench in a real headless Chromium against a real `concord serve`: a relief coordinator
signs in on the development page, posts a need and sees it at once; a double click or a retry after
a lost answer records once; the server's refusal shows at its field; axe-core finds no serious or
critical violation on any page, the dashboard included."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from domain.access import Role
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.e2e.test_dashboard import ARTIFACTS, WAIT_MS
from tests.e2e.test_served import (
    environment,
    free_port,
    graphql,
    running,
    wait_until_serving,
)

AXE = Path(__file__).resolve().parent / "axe" / "axe.min.js"
WORKBENCH_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "workbench.md"
OPEN_CRISIS = "mutation($i: OpenCrisisInput!) { openCrisis(input: $i) { crisis { id } } }"
REGISTER = (
    "mutation($i: RegisterOrganisationInput!) "
    "{ registerOrganisation(input: $i) { position organisation { id } } }"
)


@dataclass
class Served:
    base: str
    env: dict[str, str]
    backend: str
    viewer: str

    def needs_titled(self, title: str) -> int:
        query = "query { requests(first: 100) { edges { node { title } } } }"
        edges = graphql(self.base, query, {}, self.viewer)["requests"]["edges"]
        return sum(1 for edge in edges if edge["node"]["title"] == title)


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[Served]:
    """`concord serve` on a migrated database (the settings fixture's) with a crisis in the
    Philippines and one organisation. Tokens come from the development signer in this process, with
    the key the server reads: a `concord token` process each cost seconds of start-up per test."""
    port = free_port()
    env = environment(settings, CONCORD_PORT=str(port))
    signer = DevSigner(settings.data_dir, settings.auth_audience)
    secretariat = signer.issue(subject="secretariat@e2e", role=Role.SECRETARIAT)
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with running(["serve"], env, log) as server:
        wait_until_serving(base, server, log)
        crisis = {"name": "Marawi displacement", "affectedStates": ["PHL"], "startDate": "2026-11-01"}
        graphql(base, OPEN_CRISIS, {"i": crisis}, secretariat)
        registered = graphql(base, REGISTER, {"i": {"name": "JICA", "type": "DIALOGUE_PARTNER"}}, secretariat)
        # The tests read the crisis and the organisation at once, without a position: they are projected.
        position = str(registered["registerOrganisation"]["position"])
        graphql(base, "{ crises { id } }", {}, secretariat, **{"Concord-Consistent-With": position})
        backend = "postgres" if settings.database_url else "sqlite"
        yield Served(base, env, backend, signer.issue(subject="viewer@e2e", role=Role.VIEWER))


@pytest.fixture
def page(served: Served, chromium: Browser) -> Iterator[Page]:
    """A page in a browser context of the test's own."""
    context = chromium.new_context(
        locale="en-US", timezone_id="UTC", viewport={"width": 1440, "height": 1000}
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.set_default_timeout(WAIT_MS)
    yield page
    context.close()
    assert problems == []


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands (injected, never served)."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    results: dict[str, Any] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)"
        for violation in results["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def keep(page: Page, served: Served, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"workbench-{name}-{served.backend}.png"), full_page=True)


def sign_in_as_coordinator(page: Page, served: Served) -> None:
    page.goto(f"{served.base}/workbench/needs")
    page.wait_for_url(re.compile(r"/workbench/sign-in\?next="))
    page.select_option("#memberState", "PHL")
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.base}/workbench/needs")
    expect(page.locator(".who")).to_have_text("Signed in as Relief coordinator · Philippines")


def fill_need(page: Page, title: str, admin_code: str = "PH1536") -> None:
    page.goto(f"{page.url.split('/workbench')[0]}/workbench/needs/new")
    expect(page.locator("#crisisId option")).to_have_count(2)
    page.select_option("#crisisId", label="Marawi displacement")
    page.select_option("#sector", "SHL")
    expect(page.locator("#item")).to_be_enabled()
    page.select_option("#item", "SHL-TARP")
    page.fill("#quantity", "500")
    page.fill("#title", title)
    page.fill("#adminCode", admin_code)
    page.fill("#neededBy", (datetime.now(UTC).date() + timedelta(days=30)).isoformat())


def tab_to(page: Page, element_id: str) -> None:
    """Moves the focus with the Tab key alone until it reaches the element."""
    for _ in range(40):
        if page.evaluate("document.activeElement?.id") == element_id:
            return
        page.keyboard.press("Tab")
    pytest.fail(f"the Tab key never reached #{element_id}")


def fill_with_the_keyboard(page: Page) -> tuple[str, str, str]:
    """Completes the need form with keys alone, the admin area picked by its name; returns what the
    form said of a zero quantity and of another state's P-code as they were typed, and of the area."""
    expect(page.locator("#crisisId option")).to_have_count(2)
    tab_to(page, "crisisId")
    page.keyboard.press("ArrowDown")  # Marawi displacement
    page.keyboard.press("Tab")
    page.keyboard.type("Shelter")
    expect(page.locator("#item")).to_be_enabled()
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # the first shelter item
    page.keyboard.press("Tab")
    page.keyboard.type("0")
    zero_refused = page.locator("#quantity-error").inner_text()
    page.keyboard.press("Backspace")
    page.keyboard.type("750")
    tab_to(page, "title")
    page.keyboard.type("Tarpaulins for Saduc returnees")
    tab_to(page, "adminCode")
    expect(page.locator("#adminCode-areas option")).to_have_count(17 + 88)  # OCHA's regions, provinces
    page.keyboard.type("th15")
    foreign_area = page.locator("#adminCode-error").inner_text()
    for _ in range(4):
        page.keyboard.press("Backspace")
    page.keyboard.type("Lanao del Sur")  # picked by name: the field takes its P-code once left
    tab_to(page, "neededBy")
    expect(page.locator("#adminCode")).to_have_value("PH19036")
    area = page.locator("#adminCode-area").inner_text()
    due = datetime.now(UTC).date() + timedelta(days=30)
    page.keyboard.type(due.strftime("%m%d%Y"))
    tab_to(page, "transportNeeded")
    page.keyboard.press("Space")
    return zero_refused, foreign_area, area


def test_a_coordinator_signs_in_posts_a_need_with_the_keyboard_and_sees_it_at_once(
    served: Served, page: Page
) -> None:
    reads: list[dict[str, str]] = []
    page.on(
        "request",
        lambda request: (
            reads.append(request.headers) if '"operationName":"Needs"' in (request.post_data or "") else None
        ),
    )
    page.goto(f"{served.base}/workbench/needs")
    page.wait_for_url(re.compile(r"/workbench/sign-in"))
    expect(page.locator("#organisationId option")).to_have_count(1)  # JICA, from the read model
    sign_in_page = serious_violations(page)
    keep(page, served, "sign-in")
    sign_in_as_coordinator(page, served)
    expect(page.locator("#count")).to_have_text("0 needs")
    needs_page = serious_violations(page)

    page.keyboard.press("Tab")
    tab_to(page, "post-need")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{served.base}/workbench/needs/new")
    zero_refused, foreign_area, area = fill_with_the_keyboard(page)
    keep(page, served, "post-need")
    form_page = serious_violations(page)
    before_posting = len(reads)
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/workbench/needs"))
    posted = page.locator("tr.just-posted")
    expect(posted).to_contain_text("Tarpaulins for Saduc returnees")
    expect(page.locator("#posted")).to_be_focused()
    keep(page, served, "my-needs")
    row = posted.inner_text()
    page.goto(f"{served.base}/")  # the dashboard shares the tab's sign-in
    expect(page.locator("#live")).to_have_text("Live", timeout=WAIT_MS)
    dashboard = serious_violations(page)

    assert sign_in_page == []
    assert needs_page == []
    assert form_page == []
    assert dashboard == []
    assert "4 decimal places" in zero_refused  # checked as typed, before anything is sent
    assert "A P-code of Philippines: pick the area by name" in foreign_area
    assert area == "Lanao del Sur, Bangsamoro Autonomous Region In Muslim Mindanao (BARMM) (admin-2)"
    assert "SHL-" in row
    assert "750 piece" in row
    assert "PH19036" in row
    assert "needs transport" in row
    # The list is read after the command with its position (a live refresh may read after it).
    assert [r for r in reads[before_posting:] if r.get("concord-consistent-with", "").isdigit()]
    assert served.needs_titled("Tarpaulins for Saduc returnees") == 1


def test_a_double_click_and_a_retry_after_a_lost_answer_post_once(served: Served, page: Page) -> None:
    sign_in_as_coordinator(page, served)
    fill_need(page, "Family tents, double click")
    page.dblclick("button[type=submit]")
    page.wait_for_url(re.compile(r"/workbench/needs\?"))
    expect(page.locator("tr.just-posted")).to_contain_text("Family tents, double click")

    keys: list[str] = []
    lost: list[bool] = []

    def lose_the_first_answer(route: Route, request: Request) -> None:
        if '"operationName":"PostRequest"' not in (request.post_data or ""):
            route.continue_()
            return
        keys.append(request.headers["idempotency-key"])
        if lost:
            route.continue_()
            return
        route.fetch()  # the server records the need; the answer never reaches the page
        lost.append(True)
        route.abort("connectionreset")

    page.route("**/graphql", lose_the_first_answer)
    fill_need(page, "Family tents, retried")
    page.click("button[type=submit]")
    expect(page.locator("#need-problem")).to_contain_text("Not sent")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/workbench/needs\?"))
    expect(page.locator("tr.just-posted")).to_contain_text("Family tents, retried")

    assert served.needs_titled("Family tents, double click") == 1
    assert len(keys) == 2
    assert keys[0] == keys[1]  # the retry sent the same Idempotency-Key
    assert served.needs_titled("Family tents, retried") == 1


def test_the_servers_refusal_shows_at_the_field_it_names(served: Served, page: Page) -> None:
    sign_in_as_coordinator(page, served)
    fill_need(page, "Blankets")
    # A page whose rules lag the server's: the browser lets the value through, the server refuses.
    page.evaluate("document.querySelector('#adminCode').removeAttribute('pattern')")
    page.fill("#adminCode", "TH15")
    page.click("button[type=submit]")

    error = page.locator("#adminCode-error")
    expect(error).to_contain_text("is not a P-code of Philippines")
    expect(page.locator("#adminCode")).to_be_focused()
    expect(page.locator("#adminCode")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#need-problem")).to_contain_text("see the message below it")
    keep(page, served, "refused-field")
    page.fill("#adminCode", "PH15")
    page.click("button[type=submit]")  # corrected, under a new key: recorded
    page.wait_for_url(re.compile(r"/workbench/needs\?"))
    # The list reads with the command's position; the check below reads without one.
    expect(page.locator("tr.just-posted")).to_contain_text("Blankets")

    assert served.needs_titled("Blankets") == 1


def test_the_workbench_guides_development_sign_in_example_gives_a_token_the_api_accepts(
    served: Served,
) -> None:
    example = re.search(
        r"```sh\n(curl -s http://127\.0\.0\.1:8000/workbench/dev/token.*?)```",
        WORKBENCH_GUIDE.read_text(),
        re.S,
    )
    assert example is not None
    command = example.group(1).replace("http://127.0.0.1:8000", served.base)
    printed = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True).stdout
    token = json.loads(printed)["accessToken"]

    me = graphql(served.base, "{ me { role memberState } }", {}, token)

    assert me == {"me": {"role": "COORDINATOR", "memberState": "PHL"}}
