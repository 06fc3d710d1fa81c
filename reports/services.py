"""Writes of the reports app: the personal calendar feed, and the rollups of closed periods."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import models, transaction
from django.db.models import Min
from django.db.models.functions import TruncDate
from django.utils import timezone

from approvals.models import Post, StageReview
from audit import services as audit
from reports import selectors
from reports.models import CalendarFeed, LeadTimeWeek, PostsDay, RollupMark, SlaDay
from reports.selectors import Span


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, actor: Any) -> tuple[CalendarFeed, str]:
    """A new feed for the actor (revoking the one they had). Returns the feed and its token, shown once."""
    _revoke_live(actor)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=actor, token_hash=token_hash(token), hint=token[:6])
    audit.record(actor=actor, action="calendar_feed.created", target=feed, data={"hint": feed.hint})
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, actor: Any) -> CalendarFeed | None:
    """Revoke the actor's feed; its address stops working at once. A no-op when there is none."""
    feed = _revoke_live(actor)
    if feed is not None:
        audit.record(actor=actor, action="calendar_feed.revoked", target=feed, data={"hint": feed.hint})
    return feed


def _revoke_live(actor: Any) -> CalendarFeed | None:
    feed = CalendarFeed.objects.select_for_update(of=("self",)).filter(user=actor, revoked_at__isnull=True).first()
    if feed is None:
        return None
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    return feed


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    if not token or len(token) > 100:
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


# --- Rollups --------------------------------------------------------------------------------

# Closed periods recomputed on every refresh, so that late changes (a publication reported days after
# it happened, a stage closed just after its month ended) still reach the figures. Anything older is
# settled; ``manage.py reports_rollup --rebuild`` recomputes everything.
SETTLE = {"lead_time": 4, "posts": 35, "sla": 35}  # weeks, days, days


@dataclass(frozen=True)
class Rollup:
    name: str
    unit: str
    model: type[models.Model]
    period_field: str
    first: Callable[[], Any]  # the earliest timestamp of the source rows (first run only)
    compute: Callable[[list[Span], datetime], list[models.Model]]


def _lead_time_rows(spans: list[Span], now: datetime) -> list[models.Model]:
    return [
        LeadTimeWeek(week=week, department_id=dept_id, approved=n, p50_seconds=p50, p90_seconds=p90)
        for week, dept_id, _dept, n, p50, p90 in selectors.lead_rows(selectors.approved_in(spans))
    ]


def _posts_rows(spans: list[Span], now: datetime) -> list[models.Model]:
    return [
        PostsDay(day=day, department_id=dept_id, platform_id=platform_id, created=created, published=published)
        for (day, dept_id, platform_id), (_d, _p, created, published) in selectors.posts_counts(
            spans, None, by=TruncDate
        ).items()
    ]


def _sla_rows(spans: list[Span], now: datetime) -> list[models.Model]:
    return [
        SlaDay(day=day, department_id=dept_id, due=due, breached=breached)
        for day, dept_id, _dept, due, breached in selectors.sla_rows(spans, None, now=now, by=TruncDate)
    ]


def _earliest(*pairs: tuple[type[models.Model], str]) -> Callable[[], Any]:
    def first() -> Any:
        values = [model.objects.aggregate(m=Min(field))["m"] for model, field in pairs]
        values = [v for v in values if v is not None]
        return min(values) if values else None

    return first


ROLLUPS = [
    Rollup("lead_time", selectors.WEEK, LeadTimeWeek, "week", _earliest((Post, "approved_at")), _lead_time_rows),
    Rollup(
        "posts",
        selectors.DAY,
        PostsDay,
        "day",
        _earliest((Post, "created_at"), (Post, "published_at")),
        _posts_rows,
    ),
    Rollup("sla", selectors.DAY, SlaDay, "day", _earliest((StageReview, "due_at")), _sla_rows),
]


def report_rollups_refresh(*, now: datetime | None = None, rebuild: bool = False) -> dict[str, int]:
    """Roll up every closed period not yet rolled up (and re-roll the last few): the periodic task's work.

    Safe to run twice or at once: each rollup runs in its own transaction under its mark's row lock,
    replaces the rows of the periods it computes, and moves its mark to the open period's start.
    Derived figures only (no business state), so no audit event. Returns the rows written per rollup.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    written = {}
    for rollup in ROLLUPS:
        written[rollup.name] = _refresh(rollup, now=now, today=today, rebuild=rebuild)
    return written


@transaction.atomic
def _refresh(rollup: Rollup, *, now: datetime, today: date, rebuild: bool) -> int:
    open_start = selectors.period_floor(today, rollup.unit)
    mark, _ = RollupMark.objects.get_or_create(
        name=rollup.name, defaults={"complete_until": date.min, "refreshed_at": now}
    )
    mark = RollupMark.objects.select_for_update(of=("self",)).get(pk=mark.pk)
    if rebuild or mark.complete_until == date.min:
        first = rollup.first()
        start = selectors.period_floor(timezone.localdate(first), rollup.unit) if first else open_start
    else:
        start = selectors.period_back(min(mark.complete_until, open_start), rollup.unit, SETTLE[rollup.name])
    rows: list[models.Model] = []
    if start < open_start:
        rows = rollup.compute([(selectors.midnight(start), selectors.midnight(open_start))], now)
        stale = (
            rollup.model.objects.all()
            if rebuild
            else rollup.model.objects.filter(**{f"{rollup.period_field}__gte": start})
        )
        stale.delete()
        rollup.model.objects.bulk_create(rows, batch_size=1000)
    mark.complete_until = open_start
    mark.refreshed_at = now
    mark.save(update_fields=["complete_until", "refreshed_at"])
    return len(rows)
