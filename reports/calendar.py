"""The calendar: scheduled and published posts by week and month, and the personal ICS feed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import DateTimeField, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from approvals import selectors as post_selectors
from approvals.choices import PostState
from approvals.models import Post

CALENDAR_STATES = (PostState.APPROVED, PostState.SCHEDULED, PostState.PUBLISHED)
FEED_PAST_DAYS = 90
FEED_FUTURE_DAYS = 365
FEED_LIMIT = 2000


def calendar_posts(user: Any) -> QuerySet[Post]:
    """Approved, scheduled and published posts the user may see, with the moment they go (or went) out."""
    return (
        post_selectors.posts_visible_to(user)
        .filter(state__in=CALENDAR_STATES)
        .annotate(when=Coalesce("published_at", "scheduled_at", output_field=DateTimeField()))
        .filter(when__isnull=False)
        .order_by("when", "id")
    )


@dataclass
class Week:
    start: date
    days: list[tuple[date, list[Post]]] = field(default_factory=list)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(following, datetime.min.time()))
    return start, end


def weeks_of(posts: list[Post]) -> list[Week]:
    """Posts (already ordered by ``when``) grouped by ISO week, then by day."""
    weeks: list[Week] = []
    for post in posts:
        day = timezone.localtime(post.when).date()
        monday = day - timedelta(days=day.weekday())
        if not weeks or weeks[-1].start != monday:
            weeks.append(Week(start=monday))
        week = weeks[-1]
        if not week.days or week.days[-1][0] != day:
            week.days.append((day, []))
        week.days[-1][1].append(post)
    return weeks


def feed_events(user: Any, *, now: datetime | None = None) -> Iterator[Post]:
    now = now or timezone.now()
    qs = calendar_posts(user).filter(
        when__gte=now - timedelta(days=FEED_PAST_DAYS), when__lt=now + timedelta(days=FEED_FUTURE_DAYS)
    )
    return qs[:FEED_LIMIT].iterator(chunk_size=500)


def ics(user: Any, *, base_url: str, now: datetime | None = None) -> bytes:
    """An iCalendar (RFC 5545) document; the ``icalendar`` library escapes and folds the lines."""
    now = now or timezone.now()
    cal = Calendar()
    cal.add("prodid", "-//socialgov//calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "socialgov posts")
    for post in feed_events(user, now=now):
        event = Event()
        event.add("uid", f"post-{post.pk}@socialgov")
        event.add("dtstamp", now)
        event.add("dtstart", post.when)
        event.add("dtend", post.when + timedelta(minutes=15))
        state = "Published" if post.state == PostState.PUBLISHED else "Scheduled"
        event.add("summary", f"{state}: {post.channel.display_name} — {post.summary}")
        event.add("description", post.body)
        event.add("categories", [post.channel.platform.name, post.channel.department.name])
        event.add("url", base_url + reverse("approvals:post_detail", args=[post.pk]))
        cal.add_component(event)
    return cal.to_ical()
