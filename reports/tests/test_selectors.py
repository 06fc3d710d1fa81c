"""Report figures against values computed by hand (see fixtures.lead_time_world)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.models import Post
from reports import selectors
from reports.selectors import Scope
from reports.tests.factories import at, lead_time_world, make_post

pytestmark = pytest.mark.django_db

MARCH = Scope(start=date(2026, 2, 1), end=date(2026, 3, 31))


@pytest.fixture
def world(db):
    return lead_time_world()


def test_lead_time_median_and_p90_per_week_and_department(world):
    table = selectors.lead_time(MARCH)

    assert table.rows == [
        [date(2026, 3, 2), "Marketing", 4, 2.5, 7.9],
        [date(2026, 3, 2), "Sales", 1, 5.0, 5.0],
        [date(2026, 3, 9), "Marketing", 2, 5.0, 5.8],
    ]


def test_lead_time_for_one_department_and_a_narrower_range(world):
    scope = Scope(start=date(2026, 3, 9), end=date(2026, 3, 31), department_ids=frozenset({world["marketing"].pk}))

    assert selectors.lead_time(scope).rows == [[date(2026, 3, 9), "Marketing", 2, 5.0, 5.8]]


def test_posts_per_month_by_department_and_platform(world):
    Post.objects.filter(state="published").update(published_at=at("2026-03-12"))
    make_post(world["s_channel"], world["author"], created=at("2025-12-01"), published_at=at("2026-02-02"))

    table = selectors.posts_per_month(MARCH)

    platform = world["m_channel"].platform.name
    assert [r[:4] for r in table.rows] == [
        [date(2026, 2, 1), "Marketing", platform, 1],
        [date(2026, 2, 1), "Sales", world["s_channel"].platform.name, 0],  # created in December
        [date(2026, 3, 1), "Marketing", platform, 6],
        [date(2026, 3, 1), "Sales", world["s_channel"].platform.name, 1],
    ]
    assert [r[4] for r in table.rows] == [0, 1, 2, 0]  # published in the month


def test_channel_inventory_and_queue_age(world):
    assert sum(r[2] for r in selectors.channel_inventory(MARCH).rows) == 2
    assert selectors.queue_age(MARCH).rows == []


def test_sla_breaches_count_late_and_overdue_stages(world, employee):
    from approvals.models import StageReview

    post = Post.objects.filter(channel=world["m_channel"]).first()
    revision = post.revisions.create(number=1, body="x", created_by=world["author"])
    common = {"post": post, "revision": revision, "name": "Department", "department": world["marketing"]}
    now = at("2026-03-20")
    # closed in time, closed late, still open past due, still open and not yet due
    StageReview.objects.create(
        position=1, state="approved", due_at=at("2026-03-05"), closed_at=at("2026-03-04"), **common
    )
    StageReview.objects.create(
        position=2, state="approved", due_at=at("2026-03-05"), closed_at=at("2026-03-06"), **common
    )
    StageReview.objects.create(position=3, state="open", due_at=at("2026-03-10"), **common)
    StageReview.objects.create(position=4, state="open", due_at=at("2026-03-25"), **common)

    table = selectors.sla_breaches(MARCH, now=now)

    assert table.rows == [[date(2026, 3, 1), "Marketing", 4, 2, 50.0]]


# Reports with rollups: the rollup's mark and the live part (posts: created and published), and the rollup's
# rows once closed periods are rolled up.
QUERIES = {"lead_time": 2, "posts_per_month": 3, "channel_inventory": 1, "queue_age": 1, "sla_breaches": 2}


@pytest.mark.parametrize("report", list(QUERIES))
def test_each_report_costs_a_fixed_number_of_queries_with_few_or_many_rows(world, report):
    fn = getattr(selectors, report)
    with CaptureQueriesContext(connection) as few:
        fn(MARCH)
    for i in range(30):
        day = at("2026-03-02") + timedelta(days=i % 25)
        make_post(world["s_channel"], world["author"], created=day, state="approved", submitted=day, lead_hours=i)
    with CaptureQueriesContext(connection) as many:
        fn(MARCH)
    assert len(few) == len(many) == QUERIES[report]
