"""The whole flow in real Chromium: draft, two review stages, scheduled release, published."""

from __future__ import annotations

import pytest

from socialgov.tests.test_browser import ARTIFACTS, browser, demo, page, sign_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def marketing_channel(demo):  # noqa: F811
    from accounts.models import User
    from approvals.tests.factories import channel_for, join
    from policies.tests.factories import PlatformFactory

    people = {u.email: u for u in User.objects.all()}
    # the platform catalogue is migration data, flushed between browser tests: make the network here
    network = PlatformFactory(slug="chirp", name="Chirp", kind="social", char_limit=280)
    channel = channel_for(
        people["employee@example.com"],
        department=people["employee@example.com"].memberships.get().department,
        platform=network,
        display_name="Acme Chirps",
    )
    join(channel, people["manager@example.com"], "publisher")
    return channel


def _as(browser, base, email):  # noqa: F811
    context = browser.new_context()
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    sign_in(tab, base, email)
    tab.wait_for_url(f"{base}/")
    return context, tab


def test_a_post_goes_from_draft_through_two_stages_to_published(browser, demo, marketing_channel):  # noqa: F811
    from approvals.models import Post

    # given the employee writes a post; the count follows the typing
    context, tab = _as(browser, demo, "employee@example.com")
    tab.goto(f"{demo}/posts/new/")
    tab.fill("textarea[name=body]", "Our spring range is here <script>alert(1)</script>")
    assert tab.locator("[data-testid=char-count]").inner_text() == "50 / 280 characters"
    tab.click("main button[name=submit]")
    tab.wait_for_url("**/posts/*/")
    assert "In review" in tab.locator("main").inner_text()
    post = Post.objects.get()
    context.close()

    # when the department reviewer approves from the queue
    context, tab = _as(browser, demo, "reviewer@example.com")
    tab.goto(f"{demo}/posts/queue/")
    assert "Our spring range is here <script>alert(1)</script>" in tab.locator("#queue").inner_text()
    tab.click("#queue button[value=approve]")
    tab.wait_for_selector(".messages")
    assert "Approved." in tab.locator(".messages").inner_text()
    context.close()

    # and communications approves the brand stage from the post's page
    context, tab = _as(browser, demo, "comms@example.com")
    tab.goto(f"{demo}/posts/{post.pk}/")
    tab.click("main button[value=approve]")
    tab.wait_for_selector(".messages")
    assert "Approved" in tab.locator("main").inner_text()
    context.close()
    post.refresh_from_db()
    assert post.state == "approved"

    # then the release task makes it due, and the channel's publisher marks it published
    from approvals import tasks

    assert tasks.release_due()["released"] == 1
    context, tab = _as(browser, demo, "manager@example.com")
    tab.goto(f"{demo}/posts/{post.pk}/")
    tab.fill("input[name=url]", "https://chirp.example/acme/1")
    tab.click("main button:has-text('Mark as published')")
    tab.wait_for_selector(".messages")
    assert "Marked as published" in tab.locator(".messages").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "post-published.png"), full_page=True)
    context.close()
    post.refresh_from_db()
    assert post.state == "published"
    assert post.published_url == "https://chirp.example/acme/1"
    assert marketing_channel.activities.filter(kind="post").exists()


def test_a_reviewer_decides_ticked_posts_together_and_sees_each_result(browser, demo, marketing_channel):  # noqa: F811
    from accounts.models import User
    from approvals.models import Post
    from approvals.tests.factories import submitted

    employee = User.objects.get(email="employee@example.com")
    for body in ("Monday's <b>news</b>", "Tuesday's news", "Wednesday's news"):
        submitted(employee, marketing_channel, body=body)

    # given the reviewer ticks two of the three posts in the queue
    context, tab = _as(browser, demo, "reviewer@example.com")
    tab.goto(f"{demo}/posts/queue/")
    tab.get_by_label("Tick “Monday's <b>news</b>”").check()
    tab.get_by_label("Tick “Wednesday's news”").check()

    # when they ask for changes without a comment, the page says so and keeps the ticks
    tab.click("#bulk button[value=request_changes]")
    tab.wait_for_selector("#bulk .errorlist")
    assert "A comment is required to ask for changes." in tab.locator("#bulk").inner_text()
    assert tab.get_by_label("Tick “Wednesday's news”").is_checked()

    # and when they approve the ticked ones with one comment, each shows its own result
    tab.fill("#bulk textarea", "Good to go")
    tab.click("#bulk button[value=approve]")
    tab.wait_for_selector(".messages")
    said = tab.locator(".messages").inner_text()
    assert "Approved: “Monday's <b>news</b>”." in said and "Approved: “Wednesday's news”." in said
    context.close()
    states = dict(Post.objects.filter(stage_reviews__position=1).values_list("body", "stage_reviews__state"))
    assert states == {"Monday's <b>news</b>": "approved", "Tuesday's news": "open", "Wednesday's news": "approved"}


def test_the_composer_marks_what_a_content_rule_matches_while_typing(browser, demo, marketing_channel):  # noqa: F811
    from policies.tests.factories import ContentRuleFactory

    ContentRuleFactory(name="Promises", terms="guaranteed", severity="block", message="No promises.")
    context, tab = _as(browser, demo, "employee@example.com")
    tab.goto(f"{demo}/posts/new/")
    tab.select_option("select[name=channel]", str(marketing_channel.pk))

    # when the employee types, the check runs after a pause and marks every place the rule matched
    tab.fill("textarea[name=body]", "🚀 Guaranteed <b>fun</b>, guaranteed!")
    tab.wait_for_selector("#findings li")
    finding = tab.locator("#findings").inner_text()
    assert "Promises: No promises. — Guaranteed" in finding  # the <q> quotes it
    assert "Remove or reword what is marked" in finding
    assert tab.locator("#findings-marked mark").all_inner_texts() == ["Guaranteed", "guaranteed"]
    assert tab.locator("#findings-marked").inner_text() == "🚀 Guaranteed <b>fun</b>, guaranteed!"

    # and when the words go, so do the finding and the marks
    tab.fill("textarea[name=body]", "🚀 Lots of fun!")
    tab.wait_for_selector("#findings p.muted")
    assert tab.locator("#findings-marked").is_hidden()
    context.close()


def test_the_composer_and_the_queue_preview_a_post_as_its_network_does(browser, demo, marketing_channel):  # noqa: F811
    # given the employee writes more than Chirp (a 280-character network) takes
    context, tab = _as(browser, demo, "employee@example.com")
    tab.goto(f"{demo}/posts/new/")
    tab.select_option("select[name=channel]", str(marketing_channel.pk))
    tab.fill("textarea[name=body]", "Spring is here #launch with @acme <b>now</b> " + "x" * 250)

    # then the preview shows it as the feed would, the part over the limit marked
    tab.wait_for_selector("#preview .preview-over")
    preview = tab.locator("#preview [data-testid=preview]")
    assert "As it will look on Post · Acme Chirps · 295 / 280 characters" in preview.inner_text()
    assert tab.locator("#preview .preview-hashtag").inner_text() == "#launch"
    assert "<b>now</b>" in tab.locator("#preview .preview-text").inner_text()
    assert "15 characters over" in preview.inner_text()

    # and once it fits and is sent, the reviewer opens the same preview from the queue's row
    tab.fill("textarea[name=body]", "Spring is here #launch")
    tab.wait_for_selector("#preview .preview-over", state="detached")
    tab.click("main button[name=submit]")
    tab.wait_for_url("**/posts/*/")
    context.close()
    context, tab = _as(browser, demo, "reviewer@example.com")
    tab.goto(f"{demo}/posts/queue/")
    tab.click("details.queue-preview summary")
    tab.wait_for_selector("details.queue-preview [data-testid=preview]")
    assert tab.locator("details.queue-preview .preview-text").inner_text() == "Spring is here #launch"
    context.close()


def test_the_composer_counts_in_the_readers_language(browser, demo, marketing_channel):  # noqa: F811
    from accounts.models import User

    # given an employee who reads socialgov in German
    User.objects.filter(email="employee@example.com").update(language="de")
    context, tab = _as(browser, demo, "employee@example.com")
    tab.goto(f"{demo}/posts/new/")
    tab.select_option("select[name=channel]", str(marketing_channel.pk))

    # when they type, the live count says it in German, as the page did on load
    tab.fill("textarea[name=body]", "Unser Frühjahrssortiment ist da")
    assert tab.locator("[data-testid=char-count]").inner_text() == "31 / 280 Zeichen"
    context.close()
