"""GraphiQL in a real headless Chromium against `concord serve`: it renders from this origin alone,
with no CSP violation or console error, and runs a query."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import expect, sync_playwright

from services.settings import Settings
from tests.e2e.test_dashboard import BROWSER_FLAGS, CHROMIUM, WAIT_MS
from tests.e2e.test_served import CONCORD, cli_token, environment, free_port, running, wait_until_serving

QUERY = "{ crises { name } }"
# Heard before any script of the page runs, so that no violation goes unnoticed.
_WATCH_CSP = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


def test_graphiql_renders_offline_under_the_csp_and_runs_a_query(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    port = free_port()
    env = environment(settings, CONCORD_PORT=str(port))
    subprocess.run([CONCORD, "migrate"], env=env, check=True, capture_output=True)
    base = f"http://127.0.0.1:{port}"

    with running(["serve"], env, tmp_path / "serve.log") as server:
        wait_until_serving(base, server, tmp_path / "serve.log")
        headers = json.dumps({"Authorization": f"Bearer {cli_token(env, '--role', 'viewer')}"})
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_FLAGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.add_init_script(_WATCH_CSP)
            problems: list[str] = []
            elsewhere: list[str] = []
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on(
                "request", lambda r: None if r.url.startswith((base, "data:")) else elsewhere.append(r.url)
            )

            page.goto(f"{base}/graphql?q={quote(QUERY)}&headers={quote(headers)}", wait_until="networkidle")
            expect(page.locator(".graphiql-execute-button")).to_be_visible(timeout=WAIT_MS)
            page.locator(".graphiql-execute-button").click()
            expect(page.locator(".result-window")).to_contain_text('"crises": []', timeout=WAIT_MS)
            violations = page.evaluate("window.cspViolations")
            browser.close()

    assert violations == []
    assert problems == []
    assert elsewhere == []
