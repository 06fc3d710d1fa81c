"""Builders of the reports' test data: posts with known timestamps, and a small, hand-countable world."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from accounts.tests.factories import DepartmentFactory, UserFactory
from approvals.models import Post
from channels_registry.tests.factories import ChannelFactory


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def make_post(
    channel, author, *, created: datetime, state="draft", submitted=None, lead_hours=None, body="A post.", **extra
):
    approved = submitted + timedelta(hours=lead_hours) if lead_hours is not None else None
    post = Post.objects.create(
        channel=channel,
        author=author,
        body=body,
        state=state,
        submitted_at=submitted,
        approved_at=approved,
        **extra,
    )
    Post.objects.filter(pk=post.pk).update(created_at=created)
    return post


def lead_time_world(department=None):
    """Marketing: week of 2 March 2026 leads of 1, 2, 3 and 10 hours, week of 9 March 4 and 6 hours.
    Sales: one lead of 5 hours in the week of 2 March. One draft in February (never submitted).

    By hand (percentile_cont: position p*(n-1), linear between neighbours):
      Marketing 2 March: n=4, median (2+3)/2 = 2.5, p90 position 2.7 -> 3 + 0.7*(10-3) = 7.9
      Marketing 9 March: n=2, median 5.0, p90 position 0.9 -> 4 + 0.9*2 = 5.8
      Sales 2 March: n=1, median 5.0, p90 5.0
    Posts per month: February 2026 Marketing 1 (the draft), March 2026 Marketing 6, Sales 1.
    """
    marketing = department or DepartmentFactory(name="Marketing", slug="marketing")
    sales = DepartmentFactory(name="Sales", slug="sales")
    author = UserFactory(email="writer@example.com")
    m_channel = ChannelFactory(department=marketing)
    s_channel = ChannelFactory(department=sales)
    for day, lead in [("2026-03-02", 1), ("2026-03-03", 2), ("2026-03-04", 3), ("2026-03-05", 10)]:
        make_post(m_channel, author, created=at(day, 8), state="approved", submitted=at(day), lead_hours=lead)
    for day, lead in [("2026-03-09", 4), ("2026-03-10", 6)]:
        make_post(m_channel, author, created=at(day, 8), state="published", submitted=at(day), lead_hours=lead)
    day = "2026-03-03"
    make_post(s_channel, author, created=at(day, 8), state="approved", submitted=at(day), lead_hours=5)
    make_post(m_channel, author, created=at("2026-02-20"), state="draft")
    return {"marketing": marketing, "sales": sales, "author": author, "m_channel": m_channel, "s_channel": s_channel}
