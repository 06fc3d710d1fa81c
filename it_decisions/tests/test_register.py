"""The IT decision register and the expiring-decision reminder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from channels_registry.choices import AccessRequestKind, AccessRequestState, ReviewOutcome
from channels_registry.models import AccessRequest, SecurityReview
from channels_registry.tests.factories import ChannelFactory, add_custodian
from it_decisions import selectors as decisions
from it_decisions import tasks
from notifications.models import Notification
from policies.choices import DecisionOutcome
from policies.tests.factories import PlatformDecisionFactory, platform

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


# The page: the person with their groups and MFA, the unread count, the lockdown banner (4); the register's count
# and its page, one compound query each (2); then each kind of row on the page read in full: platform decisions
# (+ their departments), security reviews, grants, refusals. 3 of each: all four kinds on the page (6 + 5); 30 of
# each: the first 50 by review date are the 30 platform decisions and 20 grants (6 + 3), whatever the total.
@pytest.mark.parametrize("rows,queries", [(3, 11), (30, 9)])
def test_register_page_queries(client, it_security, department, rows, queries, django_assert_num_queries):
    make_decisions(rows, department, it_security)
    client.force_login(it_security)
    with django_assert_num_queries(queries):
        response = client.get(reverse("it_decisions"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(4 * rows, 50)


# The endpoint: the count and the page (2), then the kinds on it: all four with 3 of each (2 + 5), the 20 soonest
# platform decisions with 30 of each (2 + 2).
@pytest.mark.parametrize("rows,queries", [(3, 7), (30, 4)])
def test_register_api_queries(api_client, auditor, department, it_security, rows, queries, django_assert_num_queries):
    make_decisions(rows, department, it_security)
    api_client.force_authenticate(auditor)
    api_client.get("/api/v1/it-decisions/")
    with django_assert_num_queries(queries):
        response = api_client.get("/api/v1/it-decisions/?limit=20")
    assert response.json()["count"] == 4 * rows
    assert len(response.json()["results"]) == min(20, 4 * rows)


def test_the_register_is_paged_in_its_order(client, it_security, department):
    make_decisions(15, department, it_security)  # 60 decisions: two pages of 50
    client.force_login(it_security)
    first = client.get(reverse("it_decisions")).context["page"]
    second = client.get(reverse("it_decisions") + "?page=2").context["page"]
    shown = [(d.kind, d.id, d.subject) for d in [*first.object_list, *second.object_list]]
    assert shown == [(d.kind, d.id, d.subject) for d in decisions.decisions()]
    assert len(second.object_list) == 10 and len(set(shown)) == 60  # grants and refusals share ids, not subjects


def test_the_register_filters_in_the_database(it_security, department):
    make_decisions(1, department, it_security)
    other = ChannelFactory().department
    everyone = PlatformDecisionFactory(platform=platform("linkedin"), departments=[], decided_by=it_security)
    ended = PlatformDecisionFactory(
        platform=platform("youtube"), departments=[other], decided_by=it_security, review_by=timezone.localdate()
    )
    ended.ended_at = timezone.now()
    ended.end_reason = "Closed."
    ended.save()
    mine = decisions.decisions(department=department.slug)
    # the department's own four, and the one about every department; not the other department's
    assert sorted(d.kind for d in mine) == ["access", "access", "platform", "platform", "security_review"]
    assert everyone.pk in {d.id for d in mine if d.kind == "platform"}
    theirs = {d.id: d for d in decisions.decisions(kind="platform", department=other.slug)}
    assert set(theirs) == {everyone.pk, ended.pk}
    assert theirs[ended.pk].review_by is None and theirs[ended.pk].outcome.endswith(": Closed.)")
    assert theirs[ended.pk].change_url == ""
    # due within 14 days: the platform decision due in 10; the ended one is not due at all
    assert [(d.kind, d.review_by) for d in decisions.decisions(due_within_days=14)] == [
        ("platform", timezone.localdate() + timedelta(days=10))
    ]


def test_register_is_for_it_and_auditors(api_client, employee, client):
    api_client.force_authenticate(employee)
    assert api_client.get("/api/v1/it-decisions/").status_code == 403
    client.force_login(employee)
    assert client.get(reverse("it_decisions")).status_code == 403
