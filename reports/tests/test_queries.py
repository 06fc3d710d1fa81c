"""Each dashboard and report page costs an exact number of queries, the same with few and many rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals.models import Decision, StageReview
from approvals.tests.factories import channel_for, draft, submitted
from audit import services as audit
from channels_registry.choices import ChannelState
from policies.models import Acknowledgement
from policies.tests.factories import published_policy
from reports.catalogue import REPORTS
from reports.services import report_rollups_refresh
from reports.tests.factories import make_post

pytestmark = pytest.mark.django_db

# Exact. Every page: the user with their groups (the session from the cache), memberships, unread count,
# lockdown banner.
# Dashboard (everyone): notifications card, requirements card (current policies not acknowledged, required
# courses with the person's latest completion), my posts in progress, the review queue (with delegations),
# my channels; the memberships card, the permission checks and the requirements card share one read of the
# person's memberships. Managers add one query
# (their departments' queue); IT security (the desk's four counts and the decisions due) and auditors (recent
# decisions and anomalies) one query each, a UNION ALL of the card's parts.
DASHBOARD = {
    "employee": 11,
    "reviewer": 11,
    "manager": 12,
    "it_security": 12,
    "auditor": 12,
}
# The layout, the filter's department choice (validated and rendered) and the report's one query;
# a manager's departments are read once more (their scope).
REPORT_PAGE = {"manager": 7, "auditor": 6}
# Acknowledgement coverage reads the current policy versions first (their audiences differ), then aggregates once.
# Reports with rollups read the rollup's mark, the closed periods' rows, then the rest live (posts: created and
# published are two groupings).
# Separation of duties: one query per finding (ten), whatever the number of rows.
REPORT_EXTRA = {"acknowledgements": 1, "lead-time": 2, "sla-breaches": 2, "posts": 3, "separation-of-duties": 9}


@pytest.fixture(params=[2, 12], ids=["few", "many"])
def world(request, employee, reviewer, manager, department):
    n = request.param
    channel = channel_for(employee, department=department)
    dormant = channel_for(employee, department=department, state=ChannelState.DORMANT)
    dormant.orphaned_at = timezone.now()
    dormant.save()
    for i in range(n):
        channel_for(employee, department=department)
        post = submitted(employee, channel, body=f"Post {i}")
        draft(employee, channel, body=f"Draft {i}")
        stage = StageReview.objects.filter(post=post).first()
        Decision.objects.create(stage_review=stage, reviewer=reviewer, outcome="approve")
        audit.record(actor=manager, action="lockdown.started", target=post)
        day = timezone.now() - timedelta(days=i * 3)
        make_post(channel, employee, created=day, state="published", submitted=day, lead_hours=i + 1)
    return n


@pytest.fixture
def report_world(world, employee):
    for i in range(world):
        policy = published_policy(slug=f"policy-{i}")
        Acknowledgement.objects.create(version=policy.current_version, user=employee)
    report_rollups_refresh()
    return world


@pytest.mark.parametrize("role", list(DASHBOARD))
def test_dashboard_queries_by_role(client, request, world, role, django_assert_num_queries):
    client.force_login(request.getfixturevalue(role))
    with django_assert_num_queries(DASHBOARD[role]):
        response = client.get("/")
    assert response.status_code == 200


@pytest.mark.parametrize("slug", list(REPORTS))
@pytest.mark.parametrize("role", list(REPORT_PAGE))
def test_report_page_queries(client, request, report_world, role, slug, django_assert_num_queries):
    reader = request.getfixturevalue(role)
    client.force_login(reader)
    if not REPORTS[slug].readable_by(reader):  # the separation-of-duties report: auditors and IT security only
        assert client.get(f"/reports/{slug}/").status_code == 403
        return
    with django_assert_num_queries(REPORT_PAGE[role] + REPORT_EXTRA.get(slug, 0)):
        response = client.get(f"/reports/{slug}/?start=2020-01-01&department=marketing")
    assert response.status_code == 200
    assert b"<svg" in response.content or b"Nothing to draw" in response.content


# The layout, the filter's department choices, the post scope (delegations, channel memberships), the posts,
# the user's feed.
CALENDAR_PAGE = 8
# the user with their groups, the post scope and one streamed query (read in chunks), whatever the row count.
POSTS_EXPORT = 2
# the user with their groups, the post scope and the decisions with their stage, revision, post, channel and department
# (one streamed query), whatever the row count.
REVIEW_DECISIONS_EXPORT = 2
# No session: the feed (by its token's hash), its last-used mark, the post scope and the posts.
ICS_FEED = 6


@pytest.fixture
def scheduled_world(world, employee, department):
    channel = channel_for(employee, department=department)
    for i in range(world):
        day = timezone.now() + timedelta(days=i % 20)
        make_post(channel, employee, created=day, state="scheduled", scheduled_at=day)
    return world


def test_calendar_page_queries(client, employee, scheduled_world, django_assert_num_queries):
    client.force_login(employee)
    with django_assert_num_queries(CALENDAR_PAGE):
        response = client.get("/reports/calendar/")
    assert response.status_code == 200


def test_ics_feed_queries(client, employee, scheduled_world, django_assert_num_queries):
    from reports.services import calendar_feed_create

    _, token = calendar_feed_create(actor=employee)
    with django_assert_num_queries(ICS_FEED):
        response = client.get(f"/reports/calendar/feed/{token}.ics")
    assert response.content.count(b"BEGIN:VEVENT") >= scheduled_world


def test_posts_export_queries(client, auditor, scheduled_world, django_assert_num_queries):
    client.force_login(auditor)
    with django_assert_num_queries(POSTS_EXPORT):
        response = client.get("/reports/exports/posts.csv")
        body = b"".join(response.streaming_content)
    assert body.count(b"\n") > scheduled_world


def test_review_decisions_export_queries(client, auditor, world, django_assert_num_queries):
    client.force_login(auditor)
    with django_assert_num_queries(REVIEW_DECISIONS_EXPORT):
        response = client.get("/reports/exports/review-decisions.json")
        body = b"".join(response.streaming_content)
    assert body.count(b'"outcome"') == world
