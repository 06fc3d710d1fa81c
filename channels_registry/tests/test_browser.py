"""In real Chromium: a person types the registration, fixes the missing training from the page, comes back to the
form as typed, and registers."""

from __future__ import annotations

import pytest

from socialgov.tests.test_browser import ARTIFACTS, browser, demo, sign_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_survives_fixing_the_missing_training(browser, demo):  # noqa: F811
    from channels_registry.models import Channel
    from policies.models import Policy, TrainingCourse
    from policies.tests.factories import TrainingCourseFactory, platform

    # given one course the employee lacks, required to hold channel credentials (the demo's own gates set aside)
    TrainingCourse.objects.update(required_to_hold_credentials=False)
    Policy.objects.update(required_to_register=False)
    TrainingCourseFactory(title="Keeping credentials", slug="keeping-credentials", required_to_hold_credentials=True)
    x = platform("x")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(60_000)  # a busy machine: waits, not a measure of speed
    sign_in(tab, demo, "employee@example.com")
    tab.wait_for_url(f"{demo}/")

    # when the employee opens the registration, the page says up front what is missing
    tab.goto(f"{demo}/registry/register/")
    blockers = tab.locator("#blockers-h + p + ul")
    assert "Complete the training “Keeping credentials”." in blockers.inner_text()

    # and they type the form
    tab.select_option("select[name=platform]", value=str(x.pk))
    tab.fill("input[name=handle]", "acme_gates")
    tab.fill("input[name=url]", "https://x.com/acme_gates")
    tab.fill("input[name=display_name]", "Acme <Gates>")
    tab.select_option("select[name=department]", label="Marketing")
    tab.fill("textarea[name=purpose]", "News from Acme.")
    tab.fill("input[name=audience]", "Customers")
    tab.fill("textarea[name=custodians]", "employee@example.com, manager@example.com")
    tab.fill("input[name=recovery_contact]", "social@example.com")
    tab.check("input[name=mfa_enabled]")
    tab.fill("input[name=credentials_location]", "vault://marketing/acme-gates")

    # then go to fix the training, complete it, and follow the way back
    blockers.locator("li", has_text="Keeping credentials").locator("button").click()
    tab.wait_for_url("**/policies/training/keeping-credentials/?next=*")
    tab.check("input[name=attested]")
    tab.click("main button:has-text('Record my completion')")
    tab.wait_for_url("**/policies/training/keeping-credentials/?next=*")
    tab.click("main a:has-text('Back to your registration')")
    tab.wait_for_url("**/registry/register/?resume=1")

    # the form is as typed, nothing is missing any more
    assert tab.locator("#blockers-h").count() == 0
    assert tab.locator("input[name=display_name]").input_value() == "Acme <Gates>"
    assert tab.locator("textarea[name=custodians]").input_value() == "employee@example.com, manager@example.com"
    assert tab.locator("select[name=platform]").input_value() == str(x.pk)
    assert tab.locator("input[name=mfa_enabled]").is_checked()
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "register-resumed.png"), full_page=True)

    # and registering works without typing anything again
    tab.click("main button:has-text('Register')")
    tab.wait_for_url("**/registry/channels/*/")
    assert Channel.objects.get(handle="acme_gates").display_name == "Acme <Gates>"
    context.close()
