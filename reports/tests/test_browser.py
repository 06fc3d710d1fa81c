"""Real Chromium: a manager opens the dashboard and a report with its SVG chart (screenshots in test-artifacts/)."""

from __future__ import annotations

import pytest

from socialgov.tests.test_browser import ARTIFACTS, browser, demo, page, sign_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_sees_the_dashboard_and_a_report_with_its_chart(page, demo):  # noqa: F811
    from accounts.models import Department
    from channels_registry.choices import ChannelState
    from channels_registry.tests.factories import ChannelFactory

    marketing = Department.objects.get(name="Marketing")
    for state in [ChannelState.ACTIVE, ChannelState.ACTIVE, ChannelState.DORMANT, ChannelState.PROPOSED]:
        ChannelFactory(department=marketing, state=state)
    sign_in(page, demo, "manager@example.com")
    page.wait_for_url(f"{demo}/")

    assert page.locator("h1").inner_text() == "My work"
    assert page.get_by_test_id("department-queue").is_visible()
    assert page.get_by_test_id("my-channels").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-dashboard.png"), full_page=True)

    page.click("nav >> text=Reports")
    page.click("main >> text=Channel inventory")
    page.wait_for_url(f"{demo}/reports/channels/")

    assert page.locator("h1").inner_text() == "Channel inventory"
    assert page.get_by_test_id("chart").is_visible()
    assert page.get_by_test_id("report-table").locator("tbody tr").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "report-channels.png"), full_page=True)

    page.fill("input[name=start]", "2025-01-01")
    page.click("main button[type=submit]")
    page.wait_for_url("**/reports/channels/?**")
    assert page.get_by_test_id("chart").is_visible()
