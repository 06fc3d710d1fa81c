"""Real Chromium, driven by Playwright, against the live server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)  # in CI a browser test must run, never skip
        pytest.skip(message)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop shares the thread with the ORM
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return live_server.url


def demo_code() -> str:
    """The code of seed_demo's TOTP secret now (every demo person who decides or exports signs in with it)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    from accounts.management.commands.seed_demo import DEMO_TOTP_SECRET

    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, next(yield_hotp_counters_from_time())))


def sign_in(page, base, email, password="socialgov-demo"):
    page.goto(f"{base}/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/accounts/2fa/authenticate/" in page.url:  # a decider: the second factor, as in an authenticator app
        page.fill("input[name=code]", demo_code())
        page.click("main button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/2fa/" not in url)


def test_a_demo_user_signs_in_and_sees_the_dashboard(page, demo):
    sign_in(page, demo, "employee@example.com")

    page.wait_for_url(f"{demo}/")
    assert page.locator("h1").inner_text() == "My work"
    assert "Marketing" in page.locator("main").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)


def test_it_security_without_mfa_is_sent_to_enrol_and_can(page, demo):
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    from accounts.tests.factories import PASSWORD, UserFactory

    UserFactory(email="new-it@example.com", groups=["it_security"])

    # when a new IT security person signs in without two-factor set up
    sign_in(page, demo, "new-it@example.com", PASSWORD)

    # then they are asked to confirm their password, then to enrol
    page.wait_for_url("**/accounts/reauthenticate/**")
    assert "two-factor" in page.locator(".messages").inner_text().lower()
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/totp/activate/**")

    # and once enrolled with the shown secret, they reach their work
    secret = page.locator("input[name=secret], #authenticator_secret").first.input_value()
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    page.fill("input[name=code]", code)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/recovery-codes/**")
    page.goto(f"{demo}/")
    assert page.locator("h1").inner_text() == "My work"
    assert page.get_by_role("link", name="Audit trail").is_visible()
