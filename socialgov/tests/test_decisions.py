"""The IT decision register, the expiring-decision reminder, and the checks that need a channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from channels_registry.choices import AccessRequestKind, AccessRequestState, ReviewOutcome
from channels_registry.models import AccessRequest, SecurityReview
from channels_registry.tests.factories import ChannelFactory, add_custodian
from notifications.models import Notification
from policies.choices import DecisionOutcome
from policies.tests.factories import (
    ContentRuleFactory,
    PlatformDecisionFactory,
    TrainingCourseFactory,
    platform,
    published_policy,
)
from socialgov import decisions, tasks

pytestmark = pytest.mark.django_db


def make_decisions(n, department, it_security):
    today = timezone.localdate()
    for i in range(n):
        PlatformDecisionFactory(
            platform=platform("x"),
            outcome=DecisionOutcome.CONDITIONAL,
            conditions="MFA",
            departments=[department],
            decided_by=it_security,
            review_by=today + timedelta(days=10 + i),
        )
        channel = ChannelFactory(department=department)
        SecurityReview.objects.create(channel=channel, reviewer=it_security, outcome=ReviewOutcome.PASSED, note="ok")
        add_custodian(channel, UserFactory(), granted_by=it_security)
        AccessRequest.objects.create(
            kind=AccessRequestKind.CHANNEL_ROLE,
            requester=UserFactory(),
            channel=channel,
            role="publisher",
            reason="please",
            state=AccessRequestState.REFUSED,
            decided_by=it_security,
            decided_at=timezone.now(),
            decision_reason="Not needed.",
        )


def test_the_register_lists_every_kind_soonest_review_first(it_security, department):
    make_decisions(2, department, it_security)
    rows = decisions.decisions()
    assert [r.kind for r in rows].count("platform") == 2
    assert [r.kind for r in rows].count("security_review") == 2
    assert [r.kind for r in rows].count("access") == 4
    reviews = [r.review_by for r in rows if r.review_by]
    assert reviews == sorted(reviews)
    assert rows[0].kind == "platform" and rows[0].due_in_days == 10
    review = next(r for r in rows if r.kind == "security_review")
    assert review.review_by == timezone.localdate() + timedelta(days=365)
    assert [r.kind for r in decisions.decisions(kind="access")] == ["access"] * 4
    assert len(decisions.decisions(due_within_days=14)) == 2  # the two platform decisions


def test_the_daily_reminder_tells_it_security_once(it_security, department):
    make_decisions(1, department, it_security)
    assert tasks.remind_expiring_decisions() == 1
    assert tasks.remind_expiring_decisions() == 0  # safe to run twice
    note = Notification.objects.get(event="decision.review_due")
    assert note.recipient == it_security
    due = timezone.localdate() + timedelta(days=10)
    assert note.title == f"Review platform decision: {platform('x').name} for Marketing is due {due:%Y-%m-%d}"
    assert note.url == "/decisions/?kind=platform"


@pytest.mark.parametrize("rows", [3, 30])
def test_register_page_constant_queries(client, it_security, department, rows, django_assert_num_queries):
    make_decisions(rows, department, it_security)
    client.force_login(it_security)
    # the user with their groups and MFA, unread count; platform decisions + departments, reviews, grants, refusals
    with django_assert_num_queries(9):  # + lockdowns in force (banner)
        response = client.get(reverse("it_decisions"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(4 * rows, 50)


@pytest.mark.parametrize("rows", [3, 30])
def test_register_api_constant_queries(api_client, auditor, department, it_security, rows, django_assert_num_queries):
    make_decisions(rows, department, it_security)
    api_client.force_authenticate(auditor)
    api_client.get("/api/v1/it-decisions/")
    with django_assert_num_queries(5):
        response = api_client.get("/api/v1/it-decisions/?limit=20")
    assert response.json()["count"] == 4 * rows
    assert len(response.json()["results"]) == min(20, 4 * rows)


def test_register_is_for_it_and_auditors(api_client, employee, client):
    api_client.force_authenticate(employee)
    assert api_client.get("/api/v1/it-decisions/").status_code == 403
    client.force_login(employee)
    assert client.get(reverse("it_decisions")).status_code == 403


# --- Checks by channel ----------------------------------------------------------------


def test_content_check_by_channel(api_client, employee, department):
    channel = ChannelFactory(department=department, platform=platform("linkedin"))
    ContentRuleFactory(terms="giveaway", platforms=[platform("linkedin")], departments=[department])
    api_client.force_authenticate(employee)
    response = api_client.post("/api/v1/content-check/", {"text": "A giveaway!", "channel": channel.pk})
    assert response.status_code == 200
    assert response.json()["blocked"] is True
    assert api_client.post("/api/v1/content-check/", {"text": "x", "channel": 999999}).status_code == 400


def test_gate_by_channel(api_client, employee, department):
    channel = ChannelFactory(department=department)
    published_policy(required_to_author=True)
    TrainingCourseFactory(slug="social-101", required_to_author=True, departments=[department])
    api_client.force_authenticate(employee)
    response = api_client.get(f"/api/v1/gates/?action=author&channel={channel.pk}")
    assert response.status_code == 403
    assert [r["fix_url"] for r in response.json()["reasons"]] == [
        "/policies/social-media/",
        "/policies/training/social-101/",
    ]
