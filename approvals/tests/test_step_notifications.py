"""Every step of a post's review tells its author who decided and what they said; the reviewers' requests leave
their unread when the decision is taken (by them or by the stage closing), when the post leaves review, and the
publishers' "due now" when the publication is reported."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from approvals import services
from approvals.choices import PostState
from approvals.models import RouteStage
from approvals.tests.factories import approve_all, join, open_stage, submitted
from notifications import services as notifications
from notifications.models import Notification

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script> & “quotes”'


def told(user, event):
    return list(Notification.objects.filter(recipient=user, event=event).order_by("pk"))


def unread(user, event):
    return Notification.objects.filter(recipient=user, event=event, read_at__isnull=True).count()


def test_the_author_hears_the_first_stage_pass_with_the_reviewers_name_and_comment(
    employee, channel, reviewer, communications, django_capture_on_commit_callbacks
):
    # given a post in its department stage, a brand stage after it
    post = submitted(employee, channel)

    # when the department reviewer approves with a comment
    with django_capture_on_commit_callbacks(execute=True):
        services.stage_decide(
            actor=reviewer, stage_review=open_stage(post), outcome="approve", comment="Fine by marketing."
        )

    # then the author is told the stage passed, by whom, what they said, and what comes next
    [note] = told(employee, "post.stage_approved")
    assert (
        note.title
        == f"Department review passed: {reviewer.get_full_name()} approved your post on {channel.display_name}"
    )
    assert note.body == f"{reviewer.get_full_name()}: “Fine by marketing.”\nNext: Brand review."
    assert note.payload == {
        "post": post.pk,
        "stage": "Department review",
        "decided_by": reviewer.pk,
        "on_behalf_of": None,
        "comment": "Fine by marketing.",
    }
    assert note.action_key == ""  # it only tells
    # and the brand reviewers are asked next, no one else
    assert told(communications, "post.review_requested")
    assert not told(reviewer, "post.stage_approved")


def test_approved_carries_the_final_approvers_name_and_comment(employee, channel, reviewer, communications):
    post = approve_all(submitted(employee, channel), reviewer)
    services.stage_decide(actor=communications, stage_review=open_stage(post), outcome="approve", comment="On brand.")

    [note] = told(employee, "post.approved")
    assert note.title == f"Approved by {communications.get_full_name()}: your post on {channel.display_name}"
    assert note.body == f"{communications.get_full_name()}: “On brand.”\n\n{post.current_revision.body}"
    assert note.payload["decided_by"] == communications.pk
    assert note.payload["comment"] == "On brand."
    assert note.payload["stage"] == "Brand review"


def test_an_approval_without_a_comment_says_so(employee, channel, reviewer, communications):
    post = approve_all(submitted(employee, channel), reviewer, communications)
    [note] = told(employee, "post.approved")
    assert note.body.startswith(f"By {communications.get_full_name()}, without a comment.\n\n")
    assert post.state == PostState.APPROVED


@pytest.mark.parametrize(
    ("outcome", "event", "title"),
    [
        (
            "request_changes",
            "post.changes_requested",
            "Changes requested by {name} on your post on {channel.display_name}",
        ),
        ("reject", "post.rejected", "Rejected by {name}: your post on {channel.display_name}"),
    ],
)
def test_changes_and_rejections_name_the_decider_with_their_comment(employee, channel, reviewer, outcome, event, title):
    post = submitted(employee, channel)
    services.stage_decide(actor=reviewer, stage_review=open_stage(post), outcome=outcome, comment="Add the price.")
    [note] = told(employee, event)
    assert note.title == title.format(name=reviewer.get_full_name(), channel=channel)
    assert note.body == f"{reviewer.get_full_name()}: “Add the price.”\n(Department review)"
    assert note.payload["comment"] == "Add the price."
    assert note.payload["decided_by"] == reviewer.pk


def test_each_approval_of_an_all_stage_is_told_and_marks_only_that_reviewers_request_read(
    employee, channel, department, reviewer, second_reviewer, manager
):
    route = services._department_route(department)
    RouteStage.objects.filter(route=route, position=1).update(mode="all")
    post = submitted(employee, channel)
    stage = open_stage(post)
    assert [unread(p, "post.review_requested") for p in (reviewer, second_reviewer, manager)] == [1, 1, 1]

    # when one of three approves
    services.stage_decide(actor=reviewer, stage_review=stage, outcome="approve", comment="One of three.")

    # then the author hears it, and only that reviewer's request is done
    [note] = told(employee, "post.stage_approved")
    assert (
        note.title
        == f"{reviewer.get_full_name()} approved Department review of your post on {channel.display_name} (1 of 3)"
    )
    assert note.body == f"{reviewer.get_full_name()}: “One of three.”\n2 more approval(s) needed for Department review."
    assert [unread(p, "post.review_requested") for p in (reviewer, second_reviewer, manager)] == [0, 1, 1]

    # when a second rejects, the stage closes: nobody's request for it waits
    services.stage_decide(actor=second_reviewer, stage_review=stage, outcome="reject", comment="No.")
    assert [unread(p, "post.review_requested") for p in (reviewer, second_reviewer, manager)] == [0, 0, 0]


def test_the_stage_closing_marks_every_reviewers_request_and_reminder_read(
    employee, channel, reviewer, second_reviewer, communications
):
    # given a post whose department stage is due soon: both reviewers asked and reminded
    post = submitted(employee, channel)
    stage = open_stage(post)
    services.review_sla(now=stage.due_at - timedelta(hours=1))
    for person in (reviewer, second_reviewer):
        assert unread(person, "post.review_requested") == 1
        assert unread(person, "post.review_reminder") == 1

    # when one of them approves (mode "any")
    services.stage_decide(actor=reviewer, stage_review=stage, outcome="approve")

    # then neither is still asked; the brand reviewer's new request is unread
    for person in (reviewer, second_reviewer):
        assert unread(person, "post.review_requested") == 0
        assert unread(person, "post.review_reminder") == 0
    assert unread(communications, "post.review_requested") == 1
    # and notifications that only told stay unread
    assert unread(employee, "post.stage_approved") == 1


def test_withdrawing_the_post_ends_the_reviewers_requests(employee, channel, reviewer, second_reviewer):
    post = submitted(employee, channel)
    assert [unread(p, "post.review_requested") for p in (reviewer, second_reviewer)] == [1, 1]
    services.post_withdraw(actor=employee, post=post)
    assert [unread(p, "post.review_requested") for p in (reviewer, second_reviewer)] == [0, 0]


def test_the_escalation_target_is_done_when_the_stage_is_decided(employee, channel, reviewer, manager):
    post = submitted(employee, channel)
    stage = open_stage(post)
    stage.escalate_to = manager
    stage.save(update_fields=["escalate_to"])
    services.review_sla(now=stage.due_at + timedelta(minutes=1))
    assert unread(manager, "post.review_escalated") == 1
    services.stage_decide(actor=reviewer, stage_review=stage, outcome="approve")
    assert unread(manager, "post.review_escalated") == 0


def test_reporting_the_publication_marks_the_publishers_due_notice_read(employee, channel, reviewer, communications):
    publisher = join(channel, UserFactory(email="publisher@example.com"))
    post = approve_all(submitted(employee, channel), reviewer, communications)
    services.release_due(now=timezone.now())
    assert [unread(p, "post.due") for p in (employee, publisher)] == [1, 1]
    services.publication_report(
        actor=publisher, post=post, text=post.current_revision.body, url="https://x.com/acme/status/1"
    )
    assert [unread(p, "post.due") for p in (employee, publisher)] == [0, 0]
    assert unread(employee, "post.published") == 1


def test_the_comment_is_escaped_in_the_bell_and_the_html_email_and_kept_in_the_text_email(
    client, employee, channel, reviewer, mailoutbox
):
    post = submitted(employee, channel)
    services.stage_decide(actor=reviewer, stage_review=open_stage(post), outcome="reject", comment=HOSTILE)
    [note] = told(employee, "post.rejected")
    assert notifications.notification_deliver_email(note.pk)
    [mail] = mailoutbox
    assert HOSTILE in mail.body
    html = mail.alternatives[0][0]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; “quotes”" in html

    client.force_login(employee)
    page = client.get("/notifications/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; “quotes”" in page
