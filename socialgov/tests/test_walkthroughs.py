"""Each role finishes its work in Chromium from socialgov's own pages, at a desk and on a phone.

One story, as the people of the demo live it: a new employee registers a channel; their manager approves it; IT
security records a platform decision and reviews the channel's security; the employee proposes a post; the manager
approves its department stage and adds a member to the department; communications approves the post and starts and
ends a lockdown; the auditor reads the channel's trail and exports it.

Every step is reached by a visible link or button in the page's content (never the top menu: it folds on phones),
every tab listens to its requests and none may ask for /admin/, and every form that refuses something is checked to
still hold what was typed.
"""

from __future__ import annotations

import time
from urllib.parse import urlparse

import pytest

from socialgov.tests.test_browser import ARTIFACTS, CHROMIUM, browser, demo, sign_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


class Person:
    """One person's tab: signed in, listening to every request it makes, moving by what the page shows."""

    def __init__(self, browser, base: str, email: str, viewport: dict[str, int]):  # noqa: F811
        self.base, self.email = base, email
        self.context = browser.new_context(viewport=viewport, accept_downloads=True)
        self.tab = self.context.new_page()
        self.tab.set_default_timeout(60_000)  # a busy machine: waits, not a measure of speed
        self.requested: list[str] = []
        self.tab.on("request", lambda request: self.requested.append(request.url))
        sign_in(self.tab, base, email)
        self.tab.wait_for_url(f"{base}/")

    @property
    def main(self):
        return self.tab.locator("main")

    def follow(self, name: str, *, exact: bool = False, navigates: bool = True) -> None:
        """Click the first visible link in the page's content with this accessible name (and wait for the page)."""
        link = self.main.get_by_role("link", name=name, exact=exact).first
        assert link.is_visible(), f"{self.email}: no visible link “{name}” on {self.tab.url}"
        self._click(link, navigates)

    def press(self, name: str, *, navigates: bool = True) -> None:
        """Press the first visible button in the page's content with this name, and wait for the answer (none
        when the browser itself refuses the form: a required field left empty)."""
        button = self.main.get_by_role("button", name=name).first
        assert button.is_visible(), f"{self.email}: no visible button “{name}” on {self.tab.url}"
        self._click(button, navigates)

    def _click(self, target, navigates: bool) -> None:
        if not navigates:
            target.click()
            return
        with self.tab.expect_navigation(wait_until="load"):  # a refused form answers with a page too
            target.click()

    def home(self) -> None:
        """Back to “My work” by the site's name, the one link of the header that every layout shows."""
        self._click(self.tab.locator("header a.brand"), True)

    def said(self) -> str:
        return self.tab.locator(".messages").inner_text() if self.tab.locator(".messages").count() else ""

    def done(self) -> None:
        admin = [u for u in self.requested if urlparse(u).path.startswith("/admin")]
        assert admin == [], f"{self.email} requested the admin: {admin}"
        self.context.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    return VIEWPORTS[request.param] | {"name": request.param}


def test_every_role_finishes_its_work_without_the_admin(browser, demo, viewport):  # noqa: F811, C901
    from accounts.models import Membership, User
    from approvals.models import Lockdown, Post
    from channels_registry.models import Channel
    from policies.models import PlatformDecision
    from policies.tests.factories import TrainingCourseFactory, platform

    started = time.monotonic()
    size = {k: v for k, v in viewport.items() if k != "name"}
    x, linkedin = platform("x"), platform("linkedin")  # the catalogue is migration data, flushed between tests
    ARTIFACTS.mkdir(exist_ok=True)

    # --- a new employee registers a channel ------------------------------------------------------------------
    # one course she has not done yet: a gate of the registration (README, "Registering a channel")
    TrainingCourseFactory(title="Keeping credentials", slug="keeping-credentials", required_to_hold_credentials=True)
    emma = Person(browser, demo, "employee@example.com", size)
    emma.follow("Register a channel")
    tab = emma.tab
    assert "Complete the training “Keeping credentials”." in emma.main.locator("#blockers-h + p + ul").inner_text()
    tab.select_option("select[name=platform]", value=str(x.pk))
    tab.fill("input[name=handle]", "acme news!")  # not an X handle
    tab.fill("input[name=url]", "https://x.com/acme_walk")
    tab.fill("input[name=display_name]", "Acme <Walk>")
    tab.select_option("select[name=department]", label="Marketing")
    tab.fill("textarea[name=purpose]", "News from Acme.")
    tab.fill("input[name=audience]", "Customers")
    tab.fill("textarea[name=custodians]", "employee@example.com, reviewer@example.com")
    tab.fill("input[name=recovery_contact]", "social@example.com")
    tab.check("input[name=mfa_enabled]")
    tab.fill("input[name=credentials_location]", "vault://marketing/acme-walk")
    # she goes to fix the missing training from the form, completes it, and follows the way back
    emma.press("Save and go fix")
    tab.wait_for_url("**/policies/training/keeping-credentials/?next=*")
    tab.check("input[name=attested]")
    emma.press("Record my completion")
    emma.follow("Back to your registration")
    tab.wait_for_url("**/registry/register/?resume=1")
    # the form is as she left it, and nothing is missing any more
    assert tab.locator("#blockers-h").count() == 0
    assert tab.locator("input[name=display_name]").input_value() == "Acme <Walk>"
    assert tab.locator("input[name=handle]").input_value() == "acme news!"
    assert tab.locator("select[name=platform]").input_value() == str(x.pk)
    assert tab.locator("input[name=mfa_enabled]").is_checked()
    emma.press("Register")
    # refused: the handle is wrong, and everything else is as typed
    assert "handle" in emma.main.inner_text().lower()
    assert tab.locator("input[name=display_name]").input_value() == "Acme <Walk>"
    assert tab.locator("textarea[name=custodians]").input_value() == "employee@example.com, reviewer@example.com"
    assert tab.locator("input[name=credentials_location]").input_value() == "vault://marketing/acme-walk"
    assert tab.locator("input[name=mfa_enabled]").is_checked()
    tab.fill("input[name=handle]", "acme_walk")
    emma.press("Register")
    tab.wait_for_url("**/registry/channels/*/")
    channel = Channel.objects.get(handle="acme_walk")
    assert channel.state == "proposed"

    # --- the manager approves the registration ---------------------------------------------------------------
    mona = Person(browser, demo, "manager@example.com", size)
    mona.follow("Acme <Walk>")  # the request to approve, among the unread notifications
    mona.tab.fill("#approve-note", "Good plan.")
    mona.press("Approve for security review")
    channel.refresh_from_db()
    assert channel.state == "in_security_review", mona.said()

    # --- IT security records a platform decision, then reviews the channel's security --------------------------
    ivan = Person(browser, demo, "itsec@example.com", size)
    ivan.follow("IT decisions")
    ivan.follow("Record a platform decision")
    tab = ivan.tab
    tab.select_option("select[name=platform]", value=linkedin.slug)
    tab.locator("input[name=departments][value=marketing]").check()
    tab.locator("input[name=outcome][value=conditional]").check()
    tab.fill("textarea[name=rationale]", "Pages only, run by <marketing>.")
    ivan.press("Record the decision")
    # refused: conditions are missing; the reason and the choices are as typed
    assert tab.locator("textarea[name=rationale]").input_value() == "Pages only, run by <marketing>."
    assert tab.locator("input[name=outcome][value=conditional]").is_checked()
    assert tab.locator("input[name=departments][value=marketing]").is_checked()
    tab.fill("textarea[name=conditions]", "Two custodians with MFA.")
    ivan.press("Record the decision")
    tab.wait_for_url("**/policies/platforms/?platform=linkedin")
    assert PlatformDecision.objects.get(platform=linkedin).conditions == "Two custodians with MFA."

    ivan.home()
    ivan.follow("The IT desk")
    ivan.follow("Acme <Walk>")
    ivan.follow("Review security")
    for item in ("custodians", "mfa", "recovery", "credentials"):
        tab.select_option(f"select[name={item}_passed]", "1")
    tab.fill("textarea[name=note]", "Vault entry checked.")
    ivan.press("Record the review")
    # refused: one item is left unmarked; the others and the note are as typed
    assert tab.locator("select[name=custodians_passed]").input_value() == "1"
    assert tab.locator("textarea[name=note]").input_value() == "Vault entry checked."
    tab.select_option("select[name=tools_passed]", "1")
    ivan.press("Record the review")
    tab.wait_for_url("**/registry/channels/*/")
    channel.refresh_from_db()
    assert channel.state == "active", ivan.said()

    # --- the employee proposes a post on it ------------------------------------------------------------------
    emma.home()
    emma.follow("Write a post")
    tab = emma.tab
    tab.select_option("select[name=channel]", value=str(channel.pk))
    tab.fill("textarea[name=body]", "Spring is here at Acme & friends")
    emma.press("Save and send for review")
    tab.wait_for_url("**/posts/*/")
    post = Post.objects.get(channel=channel)
    assert post.state == "in_review", emma.said()
    emma.done()

    # --- the manager approves its department stage and adds a member -----------------------------------------
    mona.home()
    mona.follow("Spring is here at Acme")  # among the reviews waiting
    mona.press("Approve")
    assert "Approved" in mona.said()
    mona.home()
    mona.follow("Manage members")
    tab = mona.tab
    tab.fill("input[name=email]", "nobody@example.com")
    tab.select_option("select[name=role]", "reviewer")
    mona.press("Add member")
    # refused: no such person; the address and the role are as typed
    assert tab.locator("input[name=email]").input_value() == "nobody@example.com"
    assert tab.locator("select[name=role]").first.input_value() == "reviewer"
    tab.fill("input[name=email]", "product@example.com")
    mona.press("Add member")
    product = User.objects.get(email="product@example.com")
    assert Membership.objects.filter(user=product, department__slug="marketing", role="reviewer").exists()
    mona.done()

    # --- communications approves the post, then starts and ends a lockdown ------------------------------------
    cora = Person(browser, demo, "comms@example.com", size)
    cora.follow("Spring is here at Acme")
    cora.press("Approve")
    post.refresh_from_db()
    assert post.state == "approved", cora.said()
    cora.home()
    cora.follow("Lockdowns: pause publishing")
    start = cora.main.locator("form", has=cora.tab.get_by_role("button", name="Pause publishing"))
    start.locator("select[name=scope]").select_option("channel")
    start.locator("select[name=channel]").select_option(value=str(channel.pk))
    cora.press("Pause publishing", navigates=False)
    # refused by the browser (the reason is required), nothing sent; the scope and the channel are as chosen
    assert start.locator("textarea[name=reason]").evaluate("e => e.validity.valueMissing")
    assert Lockdown.objects.count() == 0
    assert start.locator("select[name=scope]").input_value() == "channel"
    assert start.locator("select[name=channel]").input_value() == str(channel.pk)
    start.locator("textarea[name=reason]").fill("A rumour <to check>.")
    cora.press("Pause publishing")
    lockdown = Lockdown.objects.get()
    assert lockdown.ended_at is None and lockdown.reason == "A rumour <to check>."
    cora.follow("End lockdown…")
    cora.press("End lockdown")
    lockdown.refresh_from_db()
    assert lockdown.ended_at is not None, cora.said()
    cora.done()

    # --- the auditor reads the channel's trail and exports it ------------------------------------------------
    aud = Person(browser, demo, "auditor@example.com", size)
    aud.follow("Spring is here at Acme")  # among the recent review decisions
    aud.follow("Acme <Walk>")
    aud.follow("The channel's whole audit trail")
    assert "Acme <Walk>" in aud.main.inner_text()
    with aud.tab.expect_download() as download:
        aud.follow("Export CSV", navigates=False)
    with open(download.value.path(), encoding="utf-8") as csv:
        exported = csv.read()
    # the channel's whole story: its registration, review, its post's decisions and its lockdown
    for action in ("channel.approved", "channel.security_reviewed", "post.stage_decided", "lockdown.ended"):
        assert action in exported, f"{action} is not in the channel's export"
    aud.tab.screenshot(path=str(ARTIFACTS / f"walkthrough-auditor-{viewport['name']}.png"), full_page=True)
    aud.done()
    ivan.done()
    print(f"walkthrough at {viewport['name']}: {time.monotonic() - started:.1f} s")
