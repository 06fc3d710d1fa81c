"""The post workflow through its services: compose, revise, submit, decide, withdraw, delegate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.tests.factories import UserFactory
from approvals import services
from approvals.choices import PostState, StageState
from approvals.models import Decision, PostRevision
from approvals.tests.factories import PDF, PNG, approve_all, channel_for, draft, open_stage, submitted
from audit.models import AuditEvent
from core.errors import Conflict, Forbidden, InvalidInput
from notifications.models import Notification
from policies import content

pytestmark = pytest.mark.django_db


def test_the_whole_flow_from_draft_through_two_stages_to_approved(
    employee, channel, reviewer, communications, django_capture_on_commit_callbacks
):
    # given a draft on a public channel
    post = draft(employee, channel)
    assert post.state == PostState.DRAFT
    assert post.current_revision.number == 1

    # when it is submitted
    with django_capture_on_commit_callbacks(execute=True):
        services.post_submit(actor=employee, post=post)

    # then the department stage is open and the reviewer told; the brand stage waits
    stages = list(post.stage_reviews.order_by("position"))
    assert [(s.name, s.state) for s in stages] == [("Department review", "open"), ("Brand review", "waiting")]
    assert Notification.objects.filter(recipient=reviewer, event="post.review_requested").exists()

    # when the department reviewer and then communications approve
    approve_all(post, reviewer)
    assert post.state == PostState.IN_REVIEW
    assert Notification.objects.filter(recipient=communications, event="post.review_requested").exists()
    approve_all(post, communications)

    # then the post is approved and its author told
    assert post.state == PostState.APPROVED
    assert Notification.objects.filter(recipient=employee, event="post.approved").exists()
    assert set(AuditEvent.objects.filter(target_id=str(post.pk)).values_list("action", flat=True)) >= {
        "post.created",
        "post.submitted",
        "post.stage_decided",
        "post.approved",
    }


def test_a_scheduled_post_becomes_scheduled_when_approved(employee, channel, reviewer, communications):
    post = submitted(employee, channel, scheduled_at=timezone.now() + timedelta(days=1))
    approve_all(post, reviewer, communications)
    assert post.state == PostState.SCHEDULED


def test_a_messaging_channel_skips_the_brand_stage(employee, department, reviewer):
    from policies.tests.factories import PlatformFactory

    im = PlatformFactory(kind="messaging")
    channel = channel_for(employee, department=department, platform=im)
    post = submitted(employee, channel)
    assert list(post.stage_reviews.values_list("name", flat=True)) == ["Department review"]
    approve_all(post, reviewer)
    assert post.state == PostState.APPROVED


def test_no_one_decides_on_their_own_post_not_even_a_superuser(superuser, department, reviewer):
    # given a superuser who is also a reviewer writes a post
    from accounts.tests.factories import add_member

    add_member(superuser, department, "reviewer")
    channel = channel_for(superuser, department=department)
    post = submitted(superuser, channel)

    # then they cannot decide it, and nothing changes
    with pytest.raises(Forbidden, match="own post"):
        services.stage_decide(actor=superuser, stage_review=open_stage(post), outcome="approve")
    assert not Decision.objects.exists()
    assert open_stage(post).approvals == 0
    # and the attempt is on the record for the auditors
    from audit.models import AuditEvent

    refused = AuditEvent.objects.get(action="post.self_decision_refused")
    assert (refused.actor, refused.target_id) == (superuser, str(post.pk))


def test_only_eligible_reviewers_decide(employee, channel, colleague, communications):
    post = submitted(employee, channel)
    for person in (colleague, communications):  # a plain member; brand reviewers before their stage
        with pytest.raises(Forbidden):
            services.stage_decide(actor=person, stage_review=open_stage(post), outcome="approve")


def test_a_comment_is_required_to_request_changes_or_reject(employee, channel, reviewer):
    post = submitted(employee, channel)
    for outcome in ("request_changes", "reject"):
        with pytest.raises(InvalidInput) as error:
            services.stage_decide(actor=reviewer, stage_review=open_stage(post), outcome=outcome, comment=" ")
        assert "comment" in error.value.fields


def test_requested_changes_go_back_to_the_author_who_revises_and_resubmits(
    employee, channel, reviewer, django_capture_on_commit_callbacks
):
    post = submitted(employee, channel)
    with django_capture_on_commit_callbacks(execute=True):
        services.stage_decide(
            actor=reviewer, stage_review=open_stage(post), outcome="request_changes", comment="Add the price."
        )
    post.refresh_from_db()
    assert post.state == PostState.CHANGES_REQUESTED
    note = Notification.objects.get(recipient=employee, event="post.changes_requested")
    assert note.body == f"{reviewer.get_full_name()}: “Add the price.”\n(Department review)"

    # when the author revises and submits again
    services.post_update(actor=employee, post=post, body="Ships today, from 10 EUR.")
    services.post_submit(actor=employee, post=post)

    # then the new revision has its own stages, starting at the first
    post.refresh_from_db()
    assert post.current_revision.number == 2
    assert open_stage(post).revision == post.current_revision
    assert open_stage(post).position == 1


def test_a_rejection_ends_the_post(employee, channel, reviewer):
    post = submitted(employee, channel)
    services.stage_decide(actor=reviewer, stage_review=open_stage(post), outcome="reject", comment="Off brand.")
    post.refresh_from_db()
    assert post.state == PostState.REJECTED
    assert not post.stage_reviews.filter(state__in=["open", "waiting"]).exists()
    with pytest.raises(Conflict):
        services.post_submit(actor=employee, post=post)


def test_editing_an_approved_post_sends_it_back_to_the_first_stage(employee, channel, reviewer, communications):
    post = approve_all(submitted(employee, channel), reviewer, communications)
    services.post_update(actor=employee, post=post, body="A corrected text.")
    post.refresh_from_db()
    assert post.state == PostState.IN_REVIEW
    assert open_stage(post).position == 1
    assert open_stage(post).revision.number == 2


def test_revisions_are_kept_and_never_changed(employee, channel):
    post = draft(employee, channel, body="one")
    services.post_update(actor=employee, post=post, body="two")
    assert list(PostRevision.objects.filter(post=post).order_by("number").values_list("body", flat=True)) == [
        "one",
        "two",
    ]


def test_the_author_withdraws_before_the_end(employee, channel, reviewer):
    post = submitted(employee, channel)
    services.post_withdraw(actor=employee, post=post)
    post.refresh_from_db()
    assert post.state == PostState.WITHDRAWN
    assert not post.stage_reviews.filter(state="open").exists()
    with pytest.raises(Conflict):
        services.post_withdraw(actor=employee, post=post)


def test_a_decision_on_a_closed_stage_is_a_conflict(employee, channel, reviewer, second_reviewer):
    post = submitted(employee, channel)
    stage = open_stage(post)
    services.stage_decide(actor=reviewer, stage_review=stage, outcome="approve")
    with pytest.raises(Conflict):
        services.stage_decide(actor=second_reviewer, stage_review=stage, outcome="approve")
    assert Decision.objects.count() == 1


def test_mode_all_needs_every_eligible_reviewer(employee, channel, department, reviewer, second_reviewer, manager):
    from approvals.models import RouteStage

    route = services._department_route(department)
    RouteStage.objects.filter(route=route, position=1).update(mode="all")
    post = submitted(employee, channel)
    stage = open_stage(post)
    assert stage.required == 3  # two reviewers and the manager
    services.stage_decide(actor=reviewer, stage_review=stage, outcome="approve")
    services.stage_decide(actor=second_reviewer, stage_review=stage, outcome="approve")
    assert open_stage(post).pk == stage.pk
    with pytest.raises(Conflict):
        services.stage_decide(actor=reviewer, stage_review=stage, outcome="approve")
    services.stage_decide(actor=manager, stage_review=stage, outcome="approve")
    stage.refresh_from_db()
    assert stage.state == StageState.APPROVED


def test_a_delegate_decides_for_an_absent_reviewer_for_the_period(employee, channel, reviewer, colleague):
    post = submitted(employee, channel)
    stage = open_stage(post)
    with pytest.raises(Forbidden):
        services.stage_decide(actor=colleague, stage_review=stage, outcome="approve")

    # given the reviewer hands their reviews to a colleague while away
    now = timezone.now()
    services.delegation_create(
        actor=reviewer, delegate=colleague, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=3)
    )
    colleague = UserFactory._meta.model.objects.get(pk=colleague.pk)  # a fresh request

    # then the colleague decides, on the reviewer's behalf
    decision = services.stage_decide(actor=colleague, stage_review=stage, outcome="approve")
    assert decision.on_behalf_of == reviewer


def test_a_delegation_to_yourself_or_in_the_past_is_refused(reviewer, colleague):
    now = timezone.now()
    with pytest.raises(InvalidInput):
        services.delegation_create(actor=reviewer, delegate=reviewer, starts_at=now, ends_at=now + timedelta(days=1))
    with pytest.raises(InvalidInput):
        services.delegation_create(
            actor=reviewer, delegate=colleague, starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=1)
        )


def test_a_post_that_does_not_fit_the_platform_is_refused_at_submit(employee, channel):
    post = draft(employee, channel, body="x" * 281)  # X allows 280
    with pytest.raises(InvalidInput) as error:
        services.post_submit(actor=employee, post=post)
    assert "281 characters" in error.value.fields["body"][0]


def test_blocking_findings_refuse_submit_and_warnings_are_kept(employee, channel, monkeypatch):
    findings = [
        content.Finding(rule_id=1, kind="lexicon", severity="block", message="Do not promise returns.", excerpt="x"),
        content.Finding(rule_id=2, kind="lexicon", severity="warn", message="Check the claim.", excerpt="y"),
    ]
    monkeypatch.setattr(content, "check_text", lambda **kwargs: findings)
    post = draft(employee, channel)
    assert [f["severity"] for f in post.current_revision.findings] == ["block", "warn"]
    with pytest.raises(InvalidInput) as error:
        services.post_submit(actor=employee, post=post)
    assert error.value.fields["findings"] == ["Do not promise returns."]


def test_a_route_finding_adds_a_stage(employee, channel, it_security, monkeypatch):
    route = {"label": "Legal review", "group": "it_security", "department": None, "role": None}
    finding = content.Finding(rule_id=3, kind="pattern", severity="route", message="Legal looks", route=route)
    monkeypatch.setattr(content, "check_text", lambda **kwargs: [finding])
    post = submitted(employee, channel)
    assert list(post.stage_reviews.order_by("position").values_list("name", "group", "state")) == [
        ("Department review", "", "open"),
        ("Brand review", "communications", "waiting"),
        ("Legal review", "it_security", "waiting"),
    ]


def test_author_blockers_refuse_with_their_reasons(employee, channel, monkeypatch):
    from policies import gates

    monkeypatch.setattr(
        gates, "author_blockers", lambda **kwargs: [gates.Blocker("Acknowledge the policy.", "/policies/")]
    )
    with pytest.raises(Forbidden) as error:
        draft(employee, channel)
    assert error.value.fields["reasons"] == ["Acknowledge the policy. (/policies/)"]


def test_only_contributors_of_an_active_channel_write(outsider, channel, employee):
    with pytest.raises(Forbidden):
        draft(outsider, channel)
    channel.state = "suspended"
    channel.save()
    with pytest.raises(Forbidden):
        draft(employee, channel)


def test_a_scheduled_time_must_be_aware_and_in_the_future(employee, channel):
    with pytest.raises(InvalidInput) as error:
        draft(employee, channel, scheduled_at=timezone.now() - timedelta(minutes=1))
    assert "scheduled_at" in error.value.fields


def test_attachments_are_checked_by_content_not_name(employee, channel):
    post = draft(
        employee,
        channel,
        attachments=[SimpleUploadedFile("photo.png", PNG), SimpleUploadedFile("flyer.pdf", PDF)],
    )
    assert [a.content_type for a in post.attachments.all()] == ["image/png", "application/pdf"]
    with pytest.raises(InvalidInput):
        draft(employee, channel, attachments=[SimpleUploadedFile("evil.png", b"MZ\x90\x00 not an image")])


def test_an_attachment_over_the_size_limit_is_refused(employee, channel, monkeypatch):
    from approvals import attachments

    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 10)
    with pytest.raises(InvalidInput):
        draft(employee, channel, attachments=[SimpleUploadedFile("big.png", PNG)])


def test_mentions_in_comments_notify_people_who_may_see_the_post(
    employee, channel, reviewer, outsider, django_capture_on_commit_callbacks
):
    post = submitted(employee, channel)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=employee, post=post, body="@reviewer@example.com and @outsider please look")
    assert Notification.objects.filter(recipient=reviewer, event="post.mentioned").exists()
    assert not Notification.objects.filter(recipient=outsider, event="post.mentioned").exists()
