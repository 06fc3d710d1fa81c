"""Real Chromium: a manager adds a member by e-mail, changes their role and removes them (screenshots in
test-artifacts/)."""

from __future__ import annotations

import pytest

from socialgov.tests.test_browser import ARTIFACTS, browser, demo, page, sign_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_adds_a_member_changes_their_role_and_removes_them(page, demo):  # noqa: F811
    from accounts.models import Membership

    sign_in(page, demo, "manager@example.com")
    page.wait_for_url(f"{demo}/")

    # from the dashboard's departments card to the members page
    page.click("main >> text=Manage members")
    page.wait_for_url("**/departments/*/members/")
    assert page.locator("h1").inner_text() == "Members of Marketing"

    # a mistyped address: the form says so and keeps what was typed
    page.fill("input[name=email]", "priya@exampel.com")
    page.select_option("select[name=role]", "reviewer")
    page.click("main >> button:has-text('Add member')")
    assert "Nobody signs in as priya@exampel.com" in page.locator("form.card").inner_text()
    assert page.input_value("input[name=email]") == "priya@exampel.com"
    assert page.input_value("select[name=role]") == "reviewer"

    # the right address: added as a member
    page.fill("input[name=email]", "product@example.com")
    page.select_option("select[name=role]", "member")
    page.click("main >> button:has-text('Add member')")
    assert "Priya Product is now member." in page.locator(".messages").inner_text()
    row = page.get_by_test_id("member-product@example.com")
    assert "Member" in row.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "members.png"), full_page=True)

    # change the role
    row.locator("select[name=role]").select_option("reviewer")
    row.locator("button:has-text('Change role')").click()
    assert "Priya Product is now reviewer." in page.locator(".messages").inner_text()
    assert "Reviewer" in page.get_by_test_id("member-product@example.com").inner_text()
    assert Membership.objects.get(user__email="product@example.com", department__name="Marketing").role == "reviewer"

    # remove, after a confirmation
    page.get_by_test_id("member-product@example.com").locator("text=Remove…").click()
    page.wait_for_url("**/remove/confirm/")
    assert page.locator("h1").inner_text() == "Remove Priya Product from Marketing?"
    page.screenshot(path=str(ARTIFACTS / "member-remove-confirm.png"), full_page=True)
    page.click("main >> button:has-text('Remove from Marketing')")
    page.wait_for_url("**/departments/*/members/")
    assert "Priya Product is no longer a member of Marketing." in page.locator(".messages").inner_text()
    assert page.get_by_test_id("member-product@example.com").count() == 0
    assert not Membership.objects.filter(user__email="product@example.com", department__name="Marketing").exists()

    # on a phone the page fits its width
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    page.screenshot(path=str(ARTIFACTS / "members-phone.png"), full_page=True)
    assert width[0] <= width[1], f"horizontal scroll at 390 px: {width}"
