"""Rollups of closed periods: rollup + live equals the direct computation, and the refresh is idempotent."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import DepartmentFactory, UserFactory
from approvals.models import StageReview
from channels_registry.tests.factories import ChannelFactory
from policies.tests.factories import platform
from reports import selectors
from reports.models import LeadTimeWeek, PostsDay, RollupMark, SlaDay
from reports.selectors import Scope
from reports.services import report_rollups_refresh
from reports.tasks import refresh_rollups
from reports.tests.factories import at, make_post

pytestmark = pytest.mark.django_db

NOW = at("2026-03-18", 12)  # a Wednesday: weeks before 16 March and days before 18 March are closed


@pytest.fixture
def history(db):
    """120 days of posts on three channels (two departments, two platforms), with review stages."""
    author = UserFactory(email="writer@example.com")
    marketing = DepartmentFactory(name="Marketing", slug="marketing")
    sales = DepartmentFactory(name="Sales", slug="sales")
    channels = [
        ChannelFactory(department=marketing, platform=platform("x")),
        ChannelFactory(department=marketing, platform=platform("linkedin")),
        ChannelFactory(department=sales, platform=platform("x")),
    ]
    start = at("2025-11-20", 8)
    for i in range(120):
        created = start + timedelta(days=i, hours=i % 7)
        channel = channels[i % 3]
        submitted = created + timedelta(hours=1) if i % 5 else None
        lead = (i * 7) % 50 + 1 if submitted and i % 4 else None
        published = created + timedelta(days=(i % 9) + 1) if lead and i % 3 else None
        post = make_post(
            channel,
            author,
            created=created,
            state="published" if published else "in_review",
            submitted=submitted,
            lead_hours=lead,
            published_at=published,
        )
        if submitted:
            revision = post.revisions.create(number=1, body="x", created_by=author)
            due = submitted + timedelta(hours=24)
            closed = submitted + timedelta(hours=(i * 5) % 40) if i % 6 else None
            StageReview.objects.create(
                post=post,
                revision=revision,
                position=1,
                name="Department",
                state="approved" if closed else "open",
                opened_at=submitted,
                due_at=due,
                closed_at=closed,
            )
    return {"marketing": marketing, "sales": sales}


SCOPES = [
    (date(2025, 11, 1), date(2026, 3, 31)),  # everything
    (date(2025, 12, 10), date(2026, 2, 11)),  # partial weeks and months at both edges, all closed
    (date(2026, 1, 1), date(2026, 3, 18)),  # up to today
    (date(2026, 3, 2), date(2026, 3, 10)),  # within March (the month of today), a closed week
    (date(2026, 3, 16), date(2026, 3, 31)),  # the open week: closed days and today
]


@pytest.mark.parametrize(("start", "end"), SCOPES)
@pytest.mark.parametrize("departments", ["all", "sales"])
def test_rollup_plus_live_equals_the_direct_computation(history, start, end, departments):
    # given closed periods rolled up
    written = report_rollups_refresh(now=NOW)
    assert written["lead_time"] and written["posts"] and written["sla"]
    ids = None if departments == "all" else frozenset({history["sales"].pk})
    scope = Scope(start=start, end=end, department_ids=ids)

    # then every figure is the same as computed straight from the posts and stages
    assert selectors.lead_time(scope).rows == selectors.lead_time(scope, rollups=False).rows
    assert selectors.posts_per_month(scope).rows == selectors.posts_per_month(scope, rollups=False).rows
    assert selectors.sla_breaches(scope, now=NOW).rows == selectors.sla_breaches(scope, now=NOW, rollups=False).rows
    assert selectors.lead_time(scope).rows  # the fixture has figures in every scope


def test_the_refresh_rolls_closed_periods_only_and_is_idempotent(history):
    first = report_rollups_refresh(now=NOW)
    rows = (
        list(LeadTimeWeek.objects.values_list("week", "department_id", "approved", "p50_seconds", "p90_seconds")),
        list(PostsDay.objects.values_list("day", "department_id", "platform_id", "created", "published")),
        list(SlaDay.objects.values_list("day", "department_id", "due", "breached")),
    )

    second = report_rollups_refresh(now=NOW)  # again: only the last few periods recomputed, to the same figures

    assert second["lead_time"] < first["lead_time"] and second["posts"] < first["posts"]
    assert max(w for w, *_ in rows[0]) == date(2026, 3, 9)  # the week of 16 March is open
    assert max(d for d, *_ in rows[1]) == date(2026, 3, 17)  # today is open
    assert dict(RollupMark.objects.values_list("name", "complete_until")) == {
        "lead_time": date(2026, 3, 16),
        "posts": date(2026, 3, 18),
        "sla": date(2026, 3, 18),
    }
    assert sorted(
        LeadTimeWeek.objects.values_list("week", "department_id", "approved", "p50_seconds", "p90_seconds")
    ) == sorted(rows[0])
    assert sorted(PostsDay.objects.values_list("day", "department_id", "platform_id", "created", "published")) == (
        sorted(rows[1])
    )


def test_the_periodic_task_rolls_up_to_the_current_period(history):
    written = refresh_rollups()

    assert written["posts"] == PostsDay.objects.count() > 0
    assert RollupMark.objects.get(name="posts").complete_until == timezone.localdate()


def test_a_closed_period_reads_its_rollup_not_the_posts(history):
    report_rollups_refresh(now=NOW)
    scope = Scope(start=date(2026, 1, 5), end=date(2026, 1, 11))  # one closed week
    before = selectors.lead_time(scope).rows

    # a stored figure is what the report shows for a rolled-up week
    LeadTimeWeek.objects.filter(week=date(2026, 1, 5)).update(approved=999)

    after = selectors.lead_time(scope).rows
    assert before and all(r[2] == 999 for r in after)


def test_no_rollup_yet_means_everything_live(history):
    scope = Scope(start=date(2025, 11, 1), end=date(2026, 3, 31))

    assert selectors.lead_time(scope).rows == selectors.lead_time(scope, rollups=False).rows
    assert not LeadTimeWeek.objects.exists()
