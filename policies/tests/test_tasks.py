"""Weekly acknowledgement reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from notifications.models import Notification
from policies import services, tasks
from policies.tests.factories import published_policy

pytestmark = pytest.mark.django_db


def test_weekly_reminders_until_acknowledged(employee, reviewer):
    policy = published_policy()
    published_policy(slug="brand")
    # when the task runs, both people are reminded of both policies in one note each
    assert tasks.remind_acknowledgements() == 2
    note = Notification.objects.get(event="policy.reminder", recipient=employee)
    assert note.title == "Please acknowledge “Brand”, “Social Media”"
    assert note.url == "/policies/mine/"
    # running again the same week changes nothing
    assert tasks.remind_acknowledgements() == 0
    # the employee acknowledges one; a week later both are reminded again, the employee of one policy only
    services.acknowledgement_record(actor=employee, version=policy.current_version)
    with time_machine.travel(timezone.now() + timedelta(days=7)):
        assert tasks.remind_acknowledgements() == 2
    latest = Notification.objects.filter(event="policy.reminder", recipient=employee).order_by("-pk").first()
    assert latest.title == "Please acknowledge “Brand”"


def test_no_one_reminded_once_everyone_acknowledged(employee):
    policy = published_policy()
    services.acknowledgement_record(actor=employee, version=policy.current_version)
    assert tasks.remind_acknowledgements() == 0


def test_default_schedules_exist():
    from django_celery_beat.models import PeriodicTask

    names = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"policies.remind_acknowledgements", "socialgov.remind_expiring_decisions"} <= names


def test_seed_policies_is_idempotent(communications):
    from django.core.management import call_command

    from policies.models import ContentRule, Policy, TrainingCourse

    call_command("seed_policies")
    call_command("seed_policies")
    assert Policy.objects.get().current_version.number == 1
    assert TrainingCourse.objects.count() == 1
    assert ContentRule.objects.count() == 7


def unread(user, event):
    return Notification.objects.filter(recipient=user, event=event, read_at__isnull=True).count()


def test_the_reminder_is_read_once_every_policy_it_names_is_acknowledged(employee, reviewer):
    # given a reminder naming two policies
    policy = published_policy()
    brand = published_policy(slug="brand")
    assert tasks.remind_acknowledgements() == 2
    # when the employee acknowledges one, the reminder still asks for the other
    services.acknowledgement_record(actor=employee, version=policy.current_version)
    assert unread(employee, "policy.reminder") == 1
    # when they acknowledge the other, it is done: read; the reviewer's reminder is untouched
    services.acknowledgement_record(actor=employee, version=brand.current_version)
    assert unread(employee, "policy.reminder") == 0
    assert unread(reviewer, "policy.reminder") == 1


def test_acknowledging_marks_the_publications_request_read(communications, employee, reviewer):
    policy = services.policy_create(actor=communications, title="Social media", slug="social-media")
    version = services.policy_version_draft(actor=communications, policy=policy, body="Be kind.")
    services.policy_version_publish(actor=communications, version=version)
    assert unread(employee, "policy.published") == 1
    services.acknowledgement_record(actor=employee, version=version)
    assert unread(employee, "policy.published") == 0
    assert unread(reviewer, "policy.published") == 1
    # a superseded version's request is done by acknowledging the one that replaced it
    second = services.policy_version_draft(actor=communications, policy=policy, body="Be kinder.")
    services.policy_version_publish(actor=communications, version=second)
    services.acknowledgement_record(actor=reviewer, version=second)
    assert unread(reviewer, "policy.published") == 0
