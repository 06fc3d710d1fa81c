"""In real Chromium: an auditor types part of a channel's name into the trail's filter, picks it from the list with
the keyboard, and sees the channel's trail; a name holding markup is offered as text, never run."""

from __future__ import annotations

import re

import pytest

from socialgov.tests.test_browser import ARTIFACTS, browser, demo, sign_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_auditor_picks_a_channel_by_name_with_the_keyboard(browser, demo):  # noqa: F811
    from accounts.models import Department, User
    from audit import services as audit
    from channels_registry.tests.factories import ChannelFactory
    from policies.models import Platform

    # given three channels, one of them named with markup, each with an event of its own
    linkedin = Platform.objects.get_or_create(slug="linkedin", defaults={"name": "LinkedIn"})[0]
    marketing = Department.objects.get(name="Marketing")
    employee = User.objects.get(email="employee@example.com")
    wanted = ChannelFactory(display_name="Marketing", platform=linkedin, department=marketing)
    hostile = ChannelFactory(display_name="Mark <img src=x onerror=window.pwned=1> II", department=marketing)
    other = ChannelFactory(display_name="Support desk", department=marketing)
    for channel in (wanted, hostile, other):
        audit.record(actor=employee, action="test.touched", target=channel, data={"n": channel.display_name})

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(60_000)  # a busy machine: waits, not a measure of speed
    sign_in(tab, demo, "auditor@example.com")
    tab.goto(f"{demo}/audit/")

    # when the auditor types part of the name into the channel filter
    box = tab.locator("#id_channel")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"
    box.click()
    box.press_sequentially("mark", delay=30)
    listbox = tab.locator("[role=listbox]", has=tab.locator("[role=option]")).first
    listbox.locator("[role=option]").nth(1).wait_for()

    # then both matching channels are offered, by name, the markup as text
    options = listbox.locator("[role=option]")
    assert options.all_inner_texts() == [
        "Mark <img src=x onerror=window.pwned=1> II on X (Twitter)",
        "Marketing on LinkedIn",
    ]
    assert listbox.locator("img").count() == 0 and tab.evaluate("window.pwned") is None
    assert box.get_attribute("aria-expanded") == "true"

    # and Escape closes the list, the arrows open it again and move through it
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    box.press("ArrowDown")
    options.nth(1).wait_for()
    box.press("ArrowDown")
    box.press("ArrowDown")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")

    # when they pick it with Enter, the input shows its name; a second Enter filters
    box.press("Enter")
    assert box.input_value() == "Marketing on LinkedIn"
    assert box.get_attribute("aria-expanded") == "false"
    box.press("Enter")
    tab.wait_for_url(re.compile(rf"/audit/\?.*channel={wanted.pk}(&|$)"))

    # then the trail is the channel's, and the page names the channel, never its number
    rows = tab.locator("main table tbody tr")
    assert rows.count() == 1 and "Marketing" in rows.first.inner_text()
    assert tab.locator("#id_channel").input_value() == "Marketing on LinkedIn"
    assert "Marketing on LinkedIn" in tab.locator(".filter-summary").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "trail-picked-channel.png"), full_page=True)
    context.close()
