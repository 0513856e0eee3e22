"""The workbench's production sign-in in a real headless Chromium: `concord serve` in production mode
trusts a real OpenID Connect provider (oidc-provider from the npm registry, run with node); a relief
coordinator signs in through the provider's login form (code flow with PKCE), the header names the
role and state, the access token works on the API, it is renewed before it expires, and signing out
ends the session at the provider too. The dashboard signs in at the same provider and renews its
token as the workbench does, with no reload."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.test_dashboard import ARTIFACTS, BROWSER_FLAGS, CHROMIUM, WAIT_MS
from tests.e2e.test_served import CONCORD, free_port, graphql, running, wait_until_serving
from tests.e2e.test_workbench import serious_violations

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc"
NODE = shutil.which("node")
NPM = shutil.which("npm")
CLIENT_ID = "concord-workbench"
ACCESS_TOKEN_SECONDS = 65  # oidc-client-ts renews 60 s before expiry: here every few seconds
ACCOUNTS = {
    "ana.reyes": {"password": "tarpaulin-42", "claims": {"role": "coordinator", "member_state": "PHL"}},
    "jica.desk": {
        "password": "pledge-17",
        "claims": {"role": "donor", "org": "6f1c2b9e-3a4d-4e5f-9a8b-7c6d5e4f3a2b"},
    },
    "secretariat": {"password": "asean-10", "claims": {"role": "secretariat"}},
    "viewer": {"password": "read-only", "claims": {"role": "viewer"}},
}
TOKEN = "sessionStorage.getItem('concord.token')"


@dataclass
class Deployment:
    base: str
    issuer: str


@pytest.fixture(scope="session")
def provider_install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """oidc-provider installed from its lock file (`npm ci`) into a folder of the test run."""
    if NODE is None or NPM is None:
        if os.environ.get("CI"):
            pytest.fail("node and npm are not installed; CI must install them", pytrace=False)
        pytest.skip("node and npm are not installed (apt-get install nodejs npm)")
    target = tmp_path_factory.mktemp("identity-provider")
    for name in ("package.json", "package-lock.json", "provider.js"):
        shutil.copy(PROVIDER_DIR / name, target / name)
    subprocess.run(
        [NPM, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=target,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


@pytest.fixture
def deployment(provider_install: Path, tmp_path: Path) -> Iterator[Deployment]:
    """The identity provider, and `concord serve` in production mode trusting it, on SQLite."""
    port, provider_port = free_port(), free_port()
    base, issuer = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{provider_port}"
    setup = tmp_path / "provider.json"
    setup.write_text(
        json.dumps(
            {
                "port": provider_port,
                "clientId": CLIENT_ID,
                "redirectUris": [f"{base}/workbench/signed-in"],
                "postLogoutRedirectUris": [f"{base}/workbench/signed-out"],
                "audience": "concord",
                "scope": "concord",
                "accessTokenSeconds": ACCESS_TOKEN_SECONDS,
                "accounts": ACCOUNTS,
            }
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")}
    env.update(
        CONCORD_DATA_DIR=str(tmp_path / "var"),
        CONCORD_PORT=str(port),
        CONCORD_ENVIRONMENT="production",
        CONCORD_AUTH_ISSUER=issuer,
        CONCORD_AUTH_JWKS_URL=f"{issuer}/jwks",
        CONCORD_AUTH_CLIENT_ID=CLIENT_ID,
        CONCORD_AUTH_SCOPES="openid concord",
    )
    subprocess.run([CONCORD, "migrate"], env=env, check=True, capture_output=True)
    provider_log = tmp_path / "provider.log"
    assert NODE is not None
    with provider_log.open("wb") as out:
        provider = subprocess.Popen(
            [NODE, "provider.js", str(setup)], cwd=provider_install, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for_provider(issuer, provider, provider_log)
        log = tmp_path / "serve.log"
        with running(["serve"], env, log) as server:
            wait_until_serving(base, server, log)
            yield Deployment(base, issuer)
    finally:
        provider.terminate()
        provider.wait(10)


def wait_for_provider(issuer: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the identity provider exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"the identity provider did not start: {log.read_text()[-2000:]}")


@pytest.fixture
def page(deployment: Deployment) -> Iterator[Page]:
    """Chromium failing the test on any page error or Content-Security-Policy violation."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_FLAGS)
        page = browser.new_page(locale="en-US", timezone_id="UTC", viewport={"width": 1440, "height": 1000})
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on(
            "console",
            lambda message: (
                problems.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        page.set_default_timeout(WAIT_MS)
        yield page
        browser.close()
        assert problems == []


def keep(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"workbench-{name}.png"), full_page=True)


def log_in_at_the_provider(page: Page, deployment: Deployment, login: str, password: str) -> None:
    page.wait_for_url(re.compile(rf"^{re.escape(deployment.issuer)}/interaction/"))
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("button[type=submit]")


def renewed_token(page: Page, first: str) -> str:
    """The tab's token once the client has renewed it (polled: the page's policy forbids eval)."""
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        token = page.evaluate(TOKEN)
        if token and token != first:
            return str(token)
        page.wait_for_timeout(250)
    pytest.fail("the access token was not renewed before it expired")


def test_a_coordinator_signs_in_at_the_provider_is_renewed_silently_and_signs_out(
    deployment: Deployment, page: Page
) -> None:
    policy = httpx.get(f"{deployment.base}/workbench/needs").headers["content-security-policy"]
    config = httpx.get(f"{deployment.base}/workbench/config.json").json()
    dashboard_policy = httpx.get(f"{deployment.base}/").headers["content-security-policy"]
    development_page = httpx.get(f"{deployment.base}/workbench/sign-in").status_code

    page.goto(f"{deployment.base}/workbench/needs")
    log_in_at_the_provider(page, deployment, "ana.reyes", "not-her-password")
    expect(page.get_by_role("alert")).to_have_text("Unknown user name or wrong password.")
    keep(page, "provider-login")
    log_in_at_the_provider(page, deployment, "ana.reyes", "tarpaulin-42")

    page.wait_for_url(f"{deployment.base}/workbench/needs")
    expect(page.locator(".who")).to_have_text("Signed in as Relief coordinator · Philippines")
    expect(page.locator("#count")).to_have_text("0 needs")
    keep(page, "signed-in-openid")
    needs_page = serious_violations(page)
    first = page.evaluate(TOKEN)
    me = graphql(deployment.base, "{ me { role memberState } }", {}, first)

    renewed = renewed_token(page, first)
    renewed_me = graphql(deployment.base, "{ me { subject role } }", {}, renewed)
    page.goto(f"{deployment.base}/workbench/needs/new")  # a new page keeps the tab's sign-in
    expect(page.locator(".who")).to_have_text("Signed in as Relief coordinator · Philippines")
    expect(page.locator("#crisisId")).to_be_visible()

    page.click("#signout")
    page.wait_for_url(re.compile(rf"^{re.escape(deployment.issuer)}/session/end"))
    page.click("button[name=logout]")
    page.wait_for_url(f"{deployment.base}/workbench/signed-out")
    signed_out_page = serious_violations(page)
    keep(page, "signed-out")
    left_behind = page.evaluate(TOKEN)
    page.click("text=Sign in again")
    log_in_at_the_provider(page, deployment, "secretariat", "asean-10")  # the provider asks again
    page.wait_for_url(f"{deployment.base}/workbench/")
    expect(page.locator(".who")).to_have_text("Signed in as Secretariat")

    assert f"connect-src 'self' {deployment.issuer};" in policy  # discovery and tokens, nothing else
    assert "frame-src" not in policy  # renewal uses the refresh token, never a hidden frame
    assert dashboard_policy == policy  # the dashboard renews its token at the provider too
    assert config == {
        "signIn": "openid",
        "issuer": deployment.issuer,
        "clientId": CLIENT_ID,
        "scopes": "openid concord",
    }
    assert development_page == 404
    assert me == {"me": {"role": "COORDINATOR", "memberState": "PHL"}}
    assert renewed_me == {"me": {"subject": "ana.reyes", "role": "COORDINATOR"}}
    assert left_behind is None
    assert needs_page == []
    assert signed_out_page == []


def test_the_dashboard_signs_in_at_the_provider_and_renews_its_token_without_a_reload(
    deployment: Deployment, page: Page
) -> None:
    loads: list[str] = []  # documents loaded (a change of the address by history.replaceState is none)
    page.on("load", lambda loaded: loads.append(loaded.url))
    sent: list[str] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.headers.get("authorization", ""))
            if request.url.endswith("/graphql")
            else None
        ),
    )
    page.goto(f"{deployment.base}/")
    expect(page.locator("#signin")).to_be_visible()
    page.click("text=Sign in with your organisation's account")
    log_in_at_the_provider(page, deployment, "viewer", "read-only")
    page.wait_for_url(f"{deployment.base}/")
    expect(page.locator("body")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#live")).to_have_text("Live", timeout=WAIT_MS)
    keep(page, "dashboard-openid")
    dashboard = serious_violations(page)
    first = page.evaluate(TOKEN)
    loaded_at = len(loads)

    renewed = renewed_token(page, first)
    sent.clear()
    with page.expect_response(
        lambda r: '"operationName":"FundingByDonor"' in (r.request.post_data or "")
    ) as read:
        page.select_option("#crisis", "")  # the board reads everything again, as on a change of filter
    answer = read.value.json()
    expect(page.locator("#board")).to_be_visible()
    expect(page.locator("#problem")).to_be_hidden()
    renewed_me = graphql(deployment.base, "{ me { subject role } }", {}, renewed)

    assert loads[loaded_at:] == []  # renewed in place: no reload, no trip to the provider
    assert sent, "the board read nothing after the renewal"
    assert f"Bearer {first}" not in sent  # every read after the renewal carried a renewed token
    assert all(header.startswith("Bearer ey") for header in sent)
    assert "errors" not in answer  # the API took the renewed token
    assert answer["data"]["flowTotals"] == []
    assert renewed_me == {"me": {"subject": "viewer", "role": "VIEWER"}}
    assert dashboard == []
