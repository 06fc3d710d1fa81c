"""In real Chromium: IT security blocks a platform from its pages (no admin), and registration refuses it."""

from __future__ import annotations

import pytest

from socialgov.tests.test_browser import ARTIFACTS, browser, demo, sign_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chirp(demo):  # noqa: F811
    from policies.tests.factories import PlatformFactory

    # the platform catalogue is migration data, flushed between browser tests: make the network here
    return PlatformFactory(slug="chirp", name="Chirp", kind="social", url_hosts="chirp.example")


def _as(browser, base, email):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(60_000)  # a busy machine: waits, not a measure of speed
    sign_in(tab, base, email)
    tab.wait_for_url(f"{base}/")
    return context, tab


def test_it_security_blocks_a_platform_and_registration_refuses_it(browser, demo, chirp):  # noqa: F811
    from policies.models import PlatformDecision

    # given IT security on the platform list, following "Record a decision" to a page of the product
    context, tab = _as(browser, demo, "itsec@example.com")
    tab.goto(f"{demo}/policies/platforms/")
    tab.click("main a:has-text('Record a decision')")
    tab.wait_for_url("**/policies/platforms/decisions/new/")
    assert tab.locator("h1").inner_text() == "Record a platform decision"

    # when they choose "with conditions" but name none, the form comes back with what they typed
    tab.select_option("select[name=platform]", label="Chirp")
    tab.get_by_label("Marketing", exact=True).check()
    tab.get_by_label("Allowed with conditions").check()
    tab.fill("textarea[name=rationale]", "Its terms let it sell <posts> to advertisers.")
    tab.click("main button:has-text('Record the decision')")
    assert "Name the conditions." in tab.locator("main").inner_text()
    assert tab.locator("textarea[name=rationale]").input_value() == "Its terms let it sell <posts> to advertisers."
    assert tab.get_by_label("Marketing", exact=True).is_checked()

    # and they block it instead
    tab.get_by_label("Blocked", exact=True).check()
    tab.click("main button:has-text('Record the decision')")
    tab.wait_for_url("**/policies/platforms/?platform=chirp")
    assert "Recorded" in tab.locator(".messages").inner_text()
    decisions = tab.locator("#dec-h ~ table").inner_text()
    assert "Chirp" in decisions and "Blocked" in decisions
    decision = PlatformDecision.objects.get(platform=chirp)
    assert (decision.outcome, [d.slug for d in decision.departments.all()]) == ("blocked", ["marketing"])
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "platform-decision.png"), full_page=True)
    context.close()

    # then an employee of Marketing cannot register a Chirp channel: the page says IT blocked it, and why
    context, tab = _as(browser, demo, "employee@example.com")
    tab.goto(f"{demo}/registry/register/")
    option = tab.locator("select[name=platform] option", has_text="Chirp")
    if option.count() and option.first.is_disabled():  # forms that no longer offer a blocked platform
        assert "blocked" in option.first.inner_text().lower()
    else:
        tab.select_option("select[name=platform]", label="Chirp")
        tab.fill("input[name=handle]", "acme_news")
        tab.fill("input[name=url]", "https://chirp.example/acme_news")
        tab.fill("input[name=display_name]", "Acme on Chirp")
        tab.select_option("select[name=department]", label="Marketing")
        tab.fill("textarea[name=purpose]", "News from Acme.")
        tab.fill("input[name=audience]", "Customers")
        tab.fill("textarea[name=custodians]", "employee@example.com, manager@example.com")
        tab.fill("input[name=recovery_contact]", "social@example.com")
        tab.check("input[name=mfa_enabled]")
        tab.fill("input[name=credentials_location]", "vault://marketing/chirp")
        tab.click("main button[type=submit]")
        text = tab.locator("main").inner_text()
        assert "Chirp is blocked for Marketing: decided by Ivan Security" in text
        assert "Its terms let it sell <posts> to advertisers." in text
        # what was typed is still there
        assert tab.locator("input[name=display_name]").input_value() == "Acme on Chirp"
    context.close()
    from channels_registry.models import Channel

    assert not Channel.objects.filter(platform=chirp).exists()
