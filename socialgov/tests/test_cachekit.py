"""The dashboard's cards are kept per person across requests (socialgov.cachekit): every audited write
shows on the very next dashboard, notifications are kept only until they change, and one person's cards never
reach another."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from approvals import services as approvals
from approvals.tests.factories import channel_for, open_stage, submitted
from notifications import services as notifications
from notifications.models import Notification
from policies import services as policies
from policies.tests.factories import published_policy
from socialgov import cachekit

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)  # signing in is audited: done before any page is kept
    return client


def _dashboard(client) -> str:
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def _cards(page: str) -> str:
    return page[page.index('<div class="grid">') :]


def test_a_decision_shows_on_the_very_next_dashboard(employee, reviewer, auditor, department):
    channel = channel_for(employee, department=department)
    post = submitted(employee, channel, body="Launch day is here")
    client = _signed_in(auditor)
    assert "No decisions yet." in _dashboard(client)
    assert "No decisions yet." in _dashboard(client)  # kept: the same page
    approvals.stage_decide(actor=reviewer, stage_review=open_stage(post), outcome="approve")
    page = _dashboard(client)
    assert "No decisions yet." not in page
    assert "Approve by" in page and "Launch day is here" in page


def test_the_review_queue_card_follows_a_submission_and_a_decision(employee, reviewer, department):
    channel = channel_for(employee, department=department)
    client = _signed_in(reviewer)
    assert "Nothing waits for your review." in _dashboard(client)
    post = submitted(employee, channel, body="Please review me")
    assert "Please review me" in _dashboard(client)
    approvals.stage_decide(actor=reviewer, stage_review=open_stage(post), outcome="approve")
    assert "Nothing waits for your review." in _dashboard(client)


def test_a_new_and_a_read_notification_show_on_the_very_next_dashboard(employee, django_capture_on_commit_callbacks):
    client = _signed_in(employee)
    assert "Nothing new. You are up to date." in _dashboard(client)
    assert "Nothing new. You are up to date." in _dashboard(client)  # kept
    with django_capture_on_commit_callbacks(execute=True):  # the services forget what was kept when they commit
        notifications.notify(event="test", recipients=[employee], title="Something happened")
    assert "Something happened" in _dashboard(client)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notification_mark_read(actor=employee, notification=Notification.objects.get(recipient=employee))
    assert "Nothing new. You are up to date." in _dashboard(client)


def test_a_policy_acknowledgement_shows_on_the_very_next_dashboard(employee):
    policy = published_policy(slug="be-kind")
    client = _signed_in(employee)
    assert "Acknowledge “Be Kind”" in _dashboard(client)
    assert "Acknowledge “Be Kind”" in _dashboard(client)
    policies.acknowledgement_record(actor=employee, version=policy.current_version)
    page = _dashboard(client)
    assert "Acknowledge “Be Kind”" not in page
    assert "Every policy you must read is acknowledged" in page


def test_one_persons_cards_never_reach_another(employee, manager, reviewer, department):
    mine = channel_for(employee, department=department, display_name="Employee own channel")
    submitted(employee, mine, body="The employee post")
    as_employee, as_reviewer, as_manager = _signed_in(employee), _signed_in(reviewer), _signed_in(manager)
    employee_page = _dashboard(as_employee)
    assert "The employee post" in employee_page and "Employee own channel" in employee_page
    assert "Member</span>" in employee_page
    # the same generation (no write in between), another person: their own cards
    other = _dashboard(as_reviewer)
    assert "You hold no channel." in other and "You hold no channel." not in employee_page
    assert "Member</span>" not in other and "Reviewer</span>" in other
    assert "No drafts or posts in review." in other  # the employee's post is in their queue, not their posts
    assert "Nothing waits for your review." not in other
    assert "Manager</span>" in _dashboard(as_manager)
    assert _cards(_dashboard(as_employee)) == _cards(employee_page)  # and the employee's is still theirs


def test_a_kept_dashboard_costs_one_query(employee, django_assert_num_queries):
    client = _signed_in(employee)
    _dashboard(client)
    # the user with their groups (the session from the cache): no card is read, nor the recent unread (the bell's
    # count, the recent unread and the lockdown banner come from the cache too, kept until the notification and
    # lockdown services change them)
    with django_assert_num_queries(1):
        _dashboard(client)


def test_a_value_read_between_the_write_and_its_commit_is_not_kept(employee, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cachekit.bump()  # an audited write, not committed yet
        assert cachekit.per_person("t", employee, lambda: "before the commit") == "before the commit"
    assert cachekit.per_person("t", employee, lambda: "after the commit") == "after the commit"
    assert cachekit.per_person("t", employee, lambda: "again") == "after the commit"


def test_values_are_kept_per_person_and_at_most_the_ttl(employee, reviewer, monkeypatch):
    stored = {}
    monkeypatch.setattr(cachekit.cache, "set", lambda key, value, timeout: stored.update({key: timeout}))
    cachekit.per_person("t", employee, lambda: 1)
    cachekit.per_person("t", reviewer, lambda: 2)
    assert stored == {f"cachekit:t:{employee.pk}": cachekit.TTL, f"cachekit:t:{reviewer.pk}": cachekit.TTL}
    assert cachekit.TTL <= 60


def test_a_shared_value_is_kept_per_key_until_the_next_audited_write(django_capture_on_commit_callbacks):
    assert cachekit.shared("h", 1, lambda: "one") == "one"
    assert cachekit.shared("h", 2, lambda: "two") == "two"
    assert cachekit.shared("h", 1, lambda: "not asked") == "one"
    with django_capture_on_commit_callbacks(execute=True):
        cachekit.bump()  # an audited write
        assert cachekit.shared("h", 1, lambda: "before the commit") == "before the commit"
    assert cachekit.shared("h", 1, lambda: "after the commit") == "after the commit"
    assert cachekit.shared("h", 1, lambda: "again") == "after the commit"
