"""Release, expiry, SLA reminders and escalation, lockdowns: a controlled clock, tasks called directly."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from approvals import services, tasks
from approvals.choices import PostState
from approvals.models import Lockdown
from approvals.tests.factories import approve_all, draft, open_stage, submitted
from notifications.models import Notification, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(db):
    return WebhookEndpoint.objects.create(
        name="publisher", url="https://publisher.example.com/hook", events=["post.due"]
    )


@pytest.fixture
def scheduled_post(employee, channel, reviewer, communications):
    post = submitted(employee, channel, scheduled_at=timezone.now() + timedelta(hours=2))
    return approve_all(post, reviewer, communications)


def test_a_scheduled_post_is_released_at_its_time_once(
    scheduled_post, employee, hook, django_capture_on_commit_callbacks
):
    # given an approved post due in two hours: nothing happens before its time
    assert tasks.release_due()["released"] == 0

    # when the clock reaches its time and the task runs, twice
    with time_machine.travel(scheduled_post.scheduled_at + timedelta(seconds=30)):
        with django_capture_on_commit_callbacks(execute=True):
            first = tasks.release_due()
        second = tasks.release_due()

    # then post.due went out once: to the author and the webhook
    assert first["released"] == 1 and second["released"] == 0
    scheduled_post.refresh_from_db()
    assert scheduled_post.released_at is not None
    assert Notification.objects.filter(event="post.due", recipient=employee).count() == 1
    delivery = WebhookDelivery.objects.get(event="post.due")
    assert delivery.payload["data"]["post"] == scheduled_post.pk


def test_an_approved_post_without_a_time_is_due_at_once(employee, channel, reviewer, communications):
    post = approve_all(submitted(employee, channel), reviewer, communications)
    assert post.state == PostState.APPROVED
    assert tasks.release_due()["released"] == 1


def test_a_post_still_unapproved_at_its_time_expires_and_its_author_is_told(
    employee, channel, django_capture_on_commit_callbacks
):
    post = submitted(employee, channel, scheduled_at=timezone.now() + timedelta(hours=1))
    waiting = draft(employee, channel, scheduled_at=timezone.now() + timedelta(hours=3))

    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        with django_capture_on_commit_callbacks(execute=True):
            counts = tasks.release_due()
        again = tasks.release_due()

    assert counts["expired"] == 1 and again["expired"] == 0
    post.refresh_from_db()
    waiting.refresh_from_db()
    assert post.state == PostState.EXPIRED
    assert not post.stage_reviews.filter(state="open").exists()
    assert waiting.state == PostState.DRAFT
    assert Notification.objects.get(event="post.expired").recipient == employee


def test_release_works_in_batches(employee, channel, reviewer, communications):
    for _ in range(5):
        approve_all(submitted(employee, channel), reviewer, communications)
    assert services.release_due(batch=2)["released"] == 5


def test_a_lockdown_stops_release_and_its_end_resumes_it(
    scheduled_post, communications, hook, django_capture_on_commit_callbacks
):
    # given a lockdown of the post's department
    lockdown = services.lockdown_start(
        actor=communications, scope="department", department=scheduled_post.channel.department, reason="Crisis."
    )
    with time_machine.travel(scheduled_post.scheduled_at + timedelta(minutes=5)):
        # then the due post is not released while it holds
        assert tasks.release_due()["released"] == 0
        assert not WebhookDelivery.objects.filter(event="post.due").exists()

        # when it ends, release resumes
        services.lockdown_end(actor=communications, lockdown=lockdown)
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.release_due()["released"] == 1
    assert WebhookDelivery.objects.filter(event="post.due").count() == 1


def test_a_lockdown_elsewhere_does_not_hold_the_post(scheduled_post, communications, department):
    from accounts.tests.factories import DepartmentFactory

    services.lockdown_start(
        actor=communications, scope="department", department=DepartmentFactory(slug="training"), reason="Elsewhere."
    )
    with time_machine.travel(scheduled_post.scheduled_at + timedelta(minutes=5)):
        assert tasks.release_due()["released"] == 1


def test_a_lockdown_ends_automatically_at_its_time_and_release_resumes(
    scheduled_post, communications, django_capture_on_commit_callbacks
):
    ends = scheduled_post.scheduled_at + timedelta(hours=1)
    services.lockdown_start(actor=communications, reason="Until the statement is out.", ends_at=ends)
    with time_machine.travel(scheduled_post.scheduled_at + timedelta(minutes=1)):
        assert tasks.release_due() == {"lockdowns_ended": 0, "released": 0, "expired": 0}
    with time_machine.travel(ends + timedelta(minutes=1)):
        with django_capture_on_commit_callbacks(execute=True):
            counts = tasks.release_due()
    assert counts == {"lockdowns_ended": 1, "released": 1, "expired": 0}
    assert Lockdown.objects.get().ended_by is None
    assert Notification.objects.filter(event="lockdown.ended", recipient=communications).exists()


def test_a_publication_during_a_lockdown_is_a_finding(scheduled_post, employee, communications, it_security):
    services.lockdown_start(actor=communications, scope="channel", channel=scheduled_post.channel, reason="Hold.")
    with time_machine.travel(scheduled_post.scheduled_at + timedelta(minutes=1)):
        report = services.publication_report(actor=it_security, post=scheduled_post, url="https://x.com/acme/1")
    assert sorted(f.kind for f in report.findings.all()) == ["during_lockdown", "no_receipt"]
    assert "Hold." in report.findings.get(kind="during_lockdown").detail


def test_sla_reminds_before_it_runs_out_then_escalates_to_the_managers(
    employee, channel, reviewer, manager, django_capture_on_commit_callbacks
):
    # given a post opened at the department stage (SLA 24 hours)
    post = submitted(employee, channel)
    stage = open_stage(post)

    # when the hourly task runs early, nothing happens
    assert tasks.remind_reviewers() == {"reminded": 0, "escalated": 0}

    # when it runs three hours before the SLA ends, the reviewers are reminded, once
    with time_machine.travel(stage.due_at - timedelta(hours=3)):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.remind_reviewers() == {"reminded": 1, "escalated": 0}
        assert tasks.remind_reviewers() == {"reminded": 0, "escalated": 0}
    assert Notification.objects.filter(event="post.review_reminder", recipient=reviewer).exists()

    # when the SLA has run out, the stage is escalated to the managers, once, and they may decide
    with time_machine.travel(stage.due_at + timedelta(minutes=1)):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.remind_reviewers() == {"reminded": 0, "escalated": 1}
        assert tasks.remind_reviewers() == {"reminded": 0, "escalated": 0}
    assert Notification.objects.filter(event="post.review_escalated", recipient=manager).exists()
    stage.refresh_from_db()
    assert stage.escalated_at is not None
    assert manager in stage.users.all()


def test_escalation_goes_to_the_stage_target_when_there_is_one(employee, channel, department, it_security):
    from approvals.models import RouteStage

    route = services._department_route(department)
    RouteStage.objects.filter(route=route, position=1).update(escalate_to=it_security, sla_hours=2)
    post = submitted(employee, channel)
    with time_machine.travel(open_stage(post).due_at + timedelta(minutes=1)):
        tasks.remind_reviewers()
    assert Notification.objects.filter(event="post.review_escalated", recipient=it_security).exists()


def test_periodic_tasks_are_routed_to_the_periodic_queue():
    from socialgov.celery import app

    for name in ("approvals.release_due", "approvals.remind_reviewers"):
        route = app.amqp.router.route({}, name)
        assert route["queue"].name == "periodic"
