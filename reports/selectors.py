"""The reports' figures. Every report aggregates in the database and answers in one query,
however many posts, stages or channels there are.

Each function takes a ``Scope``: the date range, and the departments the reader may see
(``None``: all of them). It returns a ``Table`` of already aggregated rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, F, Func, OuterRef, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import Membership, User
from approvals.choices import PostState, StageState
from approvals.models import Post, StageReview
from channels_registry.models import Channel, DormancyFinding
from policies.choices import VersionState
from policies.models import Acknowledgement, PolicyVersion
from reports.aggregates import PercentileCont, SecondsBetween

HOUR = 3600.0


@dataclass(frozen=True)
class Scope:
    start: date
    end: date  # inclusive
    department_ids: frozenset[int] | None = None  # None: every department

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, datetime.min.time()))

    @property
    def end_before(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), datetime.min.time()))

    def departments(self, qs: QuerySet, path: str) -> QuerySet:
        if self.department_ids is None:
            return qs
        return qs.filter(**{f"{path}__in": self.department_ids})

    def period(self, qs: QuerySet, path: str) -> QuerySet:
        return qs.filter(**{f"{path}__gte": self.start_at, f"{path}__lt": self.end_before})


# The column names people read on a report's page, in their language; the CSV keeps ``Table.columns`` (English, the
# same for every reader) so that what reads the files does not change with the language of who downloaded them.
COLUMN_LABELS = {
    "week": gettext_lazy("week"),
    "department": gettext_lazy("department"),
    "approved posts": gettext_lazy("approved posts"),
    "median hours": gettext_lazy("median hours"),
    "p90 hours": gettext_lazy("p90 hours"),
    "open stages": gettext_lazy("open stages"),
    "under 1 day": gettext_lazy("under 1 day"),
    "1-3 days": gettext_lazy("1-3 days"),
    "3-7 days": gettext_lazy("3-7 days"),
    "over 7 days": gettext_lazy("over 7 days"),
    "past SLA": gettext_lazy("past SLA"),
    "month": gettext_lazy("month"),
    "stages due": gettext_lazy("stages due"),
    "breached SLA": gettext_lazy("breached SLA"),
    "breached %": gettext_lazy("breached %"),
    "platform": gettext_lazy("platform"),
    "posts created": gettext_lazy("posts created"),
    "posts published": gettext_lazy("posts published"),
    "state": gettext_lazy("state"),
    "channels": gettext_lazy("channels"),
    "channels found dormant": gettext_lazy("channels found dormant"),
    "escalated": gettext_lazy("escalated"),
    "resolved": gettext_lazy("resolved"),
    "policy": gettext_lazy("policy"),
    "people": gettext_lazy("people"),
    "acknowledged": gettext_lazy("acknowledged"),
    "acknowledged in period": gettext_lazy("acknowledged in period"),
    "missing": gettext_lazy("missing"),
    "coverage %": gettext_lazy("coverage %"),
    "finding": gettext_lazy("finding"),
    "kind": gettext_lazy("kind"),
    "what": gettext_lazy("what"),
    "person": gettext_lazy("person"),
    "when": gettext_lazy("when"),
}


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    @property
    def headings(self) -> list[str]:
        """The columns as people read them (the active language)."""
        return [str(COLUMN_LABELS.get(c, c)) for c in self.columns]


def as_date(value: Any) -> date | None:
    """A truncated date/datetime from the ORM (a datetime) or a raw SQLite row (a string)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def interpolate(fraction: float, n: int, low: float | None, high: float | None) -> float | None:
    """``percentile_cont`` from the two neighbouring values of a group of ``n`` sorted values."""
    if not n or low is None:
        return None
    position = fraction * (n - 1)
    weight = position - math.floor(position)
    return low + weight * ((high if high is not None else low) - low)


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / HOUR, 2)


# --- Periods and rollups ---------------------------------------------------------------------
# Figures of closed periods (weeks, days) are read from the rollup tables that
# ``reports.services.report_rollups_refresh`` fills; the rest of the range (the open period, and a
# partial period at either edge) is computed live by the same aggregate. Rollup + live equals the
# direct computation (``rollups=False``): reports/tests/test_rollups.py checks it.

DAY, WEEK, MONTH = "day", "week", "month"


def period_floor(day: date, unit: str) -> date:
    if unit == DAY:
        return day
    return day - timedelta(days=day.weekday()) if unit == WEEK else day.replace(day=1)


def period_next(start: date, unit: str) -> date:
    if unit == DAY:
        return start + timedelta(days=1)
    return start + timedelta(days=7) if unit == WEEK else (start.replace(day=1) + timedelta(days=32)).replace(day=1)


def period_ceil(day: date, unit: str) -> date:
    floor = period_floor(day, unit)
    return floor if floor == day else period_next(floor, unit)


def period_back(start: date, unit: str, n: int) -> date:
    for _ in range(n):
        start = period_floor(start - timedelta(days=1), unit)
    return start


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Split:
    rolled: tuple[date, date] | None  # period starts [from, until) read from the rollup table
    live: list[Span]  # the rest of the range, computed live


def split(scope: Scope, unit: str, complete_until: date | None) -> Split:
    """Which part of ``scope`` the rollup answers (whole closed periods it holds) and which is live."""
    end_day = scope.end + timedelta(days=1)
    low = period_ceil(scope.start, unit)
    high = min(period_floor(end_day, unit), complete_until) if complete_until else None
    if high is None or low >= high:
        return Split(None, [(scope.start_at, scope.end_before)])
    live = []
    if scope.start < low:
        live.append((scope.start_at, midnight(low)))
    if high < end_day:
        live.append((midnight(high), scope.end_before))
    return Split((low, high), live)


def in_spans(path: str, spans: list[Span]) -> Q:
    q = Q(pk__in=[])
    for start, end in spans:
        q |= Q(**{f"{path}__gte": start, f"{path}__lt": end})
    return q


def rollup_mark(name: str) -> date | None:
    from reports.models import RollupMark

    return RollupMark.objects.filter(name=name).values_list("complete_until", flat=True).first()


def _dept_filter(department_ids: frozenset[int] | None, qs: QuerySet, path: str) -> QuerySet:
    return qs if department_ids is None else qs.filter(**{f"{path}__in": department_ids})


# --- Approval lead time -------------------------------------------------------------------

LeadRow = tuple[date, int, str, int, float | None, float | None]  # week, dept id, dept, n, p50 s, p90 s


def approved_in(spans: list[Span], department_ids: frozenset[int] | None = None) -> QuerySet[Post]:
    qs = Post.objects.filter(in_spans("approved_at", spans), approved_at__isnull=False, submitted_at__isnull=False)
    return _dept_filter(department_ids, qs, "channel__department_id")


def lead_rows(posts: QuerySet[Post]) -> list[LeadRow]:
    """Per week of approval and department: count, median and 90th percentile lead time in seconds.

    PostgreSQL: ``percentile_cont`` per group. SQLite: the same groups numbered by window functions
    (``ROW_NUMBER`` and ``COUNT`` over the group, ordered by lead time); the outer query keeps, per
    group, the two values around each percentile's position, and the interpolation between them
    (``percentile_cont``'s definition) is done on that one aggregated row. One query either way.
    """
    lead = SecondsBetween("approved_at", "submitted_at")
    base = posts.annotate(
        week=TruncWeek("approved_at"),
        dept_id=F("channel__department_id"),
        dept=F("channel__department__name"),
    )
    if connection.vendor == "postgresql":
        rows = (
            base.values("week", "dept_id", "dept")
            .annotate(n=Count("id"), p50=PercentileCont(lead, 0.5), p90=PercentileCont(lead, 0.9))
            .order_by()  # unordered: the caller sorts the few aggregated rows
        )
        return [(as_date(r["week"]), r["dept_id"], r["dept"], r["n"], r["p50"], r["p90"]) for r in rows]

    group = [F("week"), F("dept_id")]
    inner = base.annotate(
        lead=lead,
        rn=Window(RowNumber(), partition_by=group, order_by=[F("lead").asc(), F("id").asc()]),
        n=Window(Count("id"), partition_by=group),
    ).values("week", "dept_id", "dept", "lead", "rn", "n")
    try:
        inner_sql, params = inner.query.sql_with_params()
    except EmptyResultSet:
        return []
    # rn is 1-based; percentile p sits at 0-based position p*(n-1), between rows floor(pos)+1 and +2.
    picks = []
    for p in (0.5, 0.9):
        for offset in (1, 2):
            picks.append(f"MAX(CASE WHEN rn = CAST({p!r} * (n - 1) AS INTEGER) + {offset} THEN lead END)")
    sql = (
        f"SELECT week, dept_id, dept, MAX(n), {', '.join(picks)} FROM ({inner_sql}) AS grouped "  # noqa: S608 - no input
        "GROUP BY week, dept_id, dept"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            (as_date(week), dept_id, dept, n, interpolate(0.5, n, lo50, hi50), interpolate(0.9, n, lo90, hi90))
            for week, dept_id, dept, n, lo50, hi50, lo90, hi90 in cursor.fetchall()
        ]


def lead_time(scope: Scope, *, rollups: bool = True) -> Table:
    """Submission to approval, per week of approval and department: count, median and 90th percentile (hours).

    Closed weeks come from ``LeadTimeWeek`` (exact percentiles stored when the week closed), the rest live.
    """
    from reports.models import LeadTimeWeek

    parts = split(scope, WEEK, rollup_mark("lead_time") if rollups else None)
    rows: list[LeadRow] = []
    if parts.rolled:
        rolled = LeadTimeWeek.objects.filter(week__gte=parts.rolled[0], week__lt=parts.rolled[1])
        rows += _dept_filter(scope.department_ids, rolled, "department_id").values_list(
            "week", "department_id", "department__name", "approved", "p50_seconds", "p90_seconds"
        )
    if parts.live:
        rows += lead_rows(approved_in(parts.live, scope.department_ids))
    table = Table(["week", "department", "approved posts", "median hours", "p90 hours"])
    for week, _dept_id, dept, n, p50, p90 in sorted(rows, key=lambda r: (r[0], r[2], r[1])):
        table.rows.append([week, dept, n, hours(p50), hours(p90)])
    return table


# --- Queue age and SLA ----------------------------------------------------------------------

AGE_BUCKETS = [("under 1 day", 0, 1), ("1-3 days", 1, 3), ("3-7 days", 3, 7), ("over 7 days", 7, None)]


def queue_age(scope: Scope, *, now: datetime | None = None) -> Table:
    """Open review stages now, per department, by how long they have been open (the date range does not apply)."""
    now = now or timezone.now()
    qs = scope.departments(
        StageReview.objects.filter(state=StageState.OPEN, post__state=PostState.IN_REVIEW),
        "post__channel__department_id",
    )
    buckets = {}
    for i, (_label, low, high) in enumerate(AGE_BUCKETS):
        q = Q(opened_at__lte=now - timedelta(days=low))
        if high is not None:
            q &= Q(opened_at__gt=now - timedelta(days=high))
        buckets[f"age{i}"] = Count("id", filter=q)
    rows = (
        qs.values(dept=F("post__channel__department__name"))
        .annotate(total=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)), **buckets)
        .order_by("dept")
    )
    table = Table(["department", "open stages", *(label for label, _, _ in AGE_BUCKETS), "past SLA"])
    for r in rows:
        table.rows.append([r["dept"], r["total"], *(r[b] for b in buckets), r["overdue"]])
    return table


def sla_breach_q(now: datetime) -> Q:
    """A stage missed its SLA: decided after it was due, or still open after it was due."""
    return Q(due_at__isnull=False) & (
        Q(closed_at__gt=F("due_at")) | Q(closed_at__isnull=True, state=StageState.OPEN, due_at__lt=now)
    )


SlaRow = tuple[date, int, str, int, int]  # month, dept id, dept, stages due, breached


def sla_rows(
    spans: list[Span], department_ids: frozenset[int] | None, *, now: datetime, by: type[Func] = TruncMonth
) -> list[SlaRow]:
    """Stages due in ``spans`` per month (``by=TruncDate``: per day) and department, and how many missed their SLA."""
    qs = StageReview.objects.filter(in_spans("due_at", spans), due_at__isnull=False)
    rows = (
        _dept_filter(department_ids, qs, "post__channel__department_id")
        .values(
            month=by("due_at"),
            dept_id=F("post__channel__department_id"),
            dept=F("post__channel__department__name"),
        )
        .annotate(total=Count("id"), breached=Count("id", filter=sla_breach_q(now)))
        .order_by()  # not the model's ordering: it would join revisions and posts again
    )
    return [(as_date(r["month"]), r["dept_id"], r["dept"], r["total"], r["breached"]) for r in rows]


def sla_breaches(scope: Scope, *, now: datetime | None = None, rollups: bool = True) -> Table:
    """Stages due in the period, per month and department, and how many missed their SLA.

    Closed days come from ``SlaDay`` (every stage due on them was due before the day closed, so whether
    it missed its SLA no longer depends on the clock), summed per month in the database; today is live.
    """
    from reports.models import SlaDay

    now = now or timezone.now()
    parts = split(scope, DAY, rollup_mark("sla") if rollups else None)
    sums: dict[tuple[date, int], list[Any]] = {}
    rows: list[SlaRow] = []
    if parts.rolled:
        rolled = _dept_filter(
            scope.department_ids,
            SlaDay.objects.filter(day__gte=parts.rolled[0], day__lt=parts.rolled[1]),
            "department_id",
        )
        rows += [
            (as_date(r["month"]), r["department_id"], r["department__name"], r["due"], r["breached"])
            for r in rolled.values("department_id", "department__name", month=TruncMonth("day"))
            .annotate(due=Sum("due"), breached=Sum("breached"))
            .order_by()
        ]
    if parts.live:
        rows += sla_rows(parts.live, scope.department_ids, now=now)
    for month, dept_id, dept, total, breached in rows:  # a month both rolled up and live: add them
        entry = sums.setdefault((month, dept_id), [dept, 0, 0])
        entry[1] += total
        entry[2] += breached
    table = Table(["month", "department", "stages due", "breached SLA", "breached %"])
    for (month, _dept_id), (dept, total, breached) in sorted(
        sums.items(), key=lambda kv: (kv[0][0], kv[1][0], kv[0][1])
    ):
        share = round(100.0 * breached / total, 1) if total else 0.0
        table.rows.append([month, dept, total, breached, share])
    return table


# --- Posts and channels ---------------------------------------------------------------------

PostsKey = tuple[date, int, int]  # month, dept id, platform id
PostsCounts = dict[PostsKey, list[Any]]  # -> [dept, platform, created, published]


def posts_counts(
    spans: list[Span], department_ids: frozenset[int] | None, *, by: type[Func] = TruncMonth
) -> PostsCounts:
    """Posts created, and posts published, per month (``by=TruncDate``: per day), department and platform:
    two grouped queries."""
    counts: PostsCounts = {}
    for path, column in (("created_at", 2), ("published_at", 3)):
        qs = _dept_filter(department_ids, Post.objects.filter(in_spans(path, spans)), "channel__department_id")
        rows = (
            qs.values(
                month=by(path),
                dept_id=F("channel__department_id"),
                dept=F("channel__department__name"),
                platform_id=F("channel__platform_id"),
                platform=F("channel__platform__name"),
            )
            .annotate(n=Count("id"))
            .order_by()
        )
        for r in rows:
            key = (as_date(r["month"]), r["dept_id"], r["platform_id"])
            counts.setdefault(key, [r["dept"], r["platform"], 0, 0])[column] += r["n"]
    return counts


def posts_per_month(scope: Scope, *, rollups: bool = True) -> Table:
    """Posts created in the period, and posts published in it, per month, department and platform.

    Closed days come from ``PostsDay``, summed per month in the database; today is live.
    """
    from reports.models import PostsDay

    parts = split(scope, DAY, rollup_mark("posts") if rollups else None)
    counts: PostsCounts = {}
    if parts.rolled:
        rolled = _dept_filter(
            scope.department_ids,
            PostsDay.objects.filter(day__gte=parts.rolled[0], day__lt=parts.rolled[1]),
            "department_id",
        )
        for r in (
            rolled.values("department_id", "platform_id", "department__name", "platform__name", month=TruncMonth("day"))
            .annotate(created=Sum("created"), published=Sum("published"))
            .order_by()
        ):
            key = (as_date(r["month"]), r["department_id"], r["platform_id"])
            counts[key] = [r["department__name"], r["platform__name"], r["created"], r["published"]]
    if parts.live:  # a month both rolled up and live: add them
        for key, (dept, platform, created, published) in posts_counts(parts.live, scope.department_ids).items():
            entry = counts.setdefault(key, [dept, platform, 0, 0])
            entry[2] += created
            entry[3] += published
    table = Table(["month", "department", "platform", "posts created", "posts published"])
    for (month, _d, _p), (dept, platform, created, published) in sorted(
        counts.items(), key=lambda kv: (kv[0][0], kv[1][0], kv[1][1], kv[0][1], kv[0][2])
    ):
        table.rows.append([month, dept, platform, created, published])
    return table


def channel_inventory(scope: Scope) -> Table:
    """Channels now, per platform and state (the date range does not apply)."""
    qs = scope.departments(Channel.objects.all(), "department_id")
    rows = (
        qs.values(platform_name=F("platform__name"), channel_state=F("state"))
        .annotate(n=Count("id"))
        .order_by("platform_name", "channel_state")
    )
    labels = dict(Channel._meta.get_field("state").choices)
    table = Table(["platform", "state", "channels"])
    for r in rows:
        table.rows.append([r["platform_name"], labels.get(r["channel_state"], r["channel_state"]), r["n"]])
    return table


def dormancy_over_time(scope: Scope) -> Table:
    """Dormancy findings opened per month (channels found dormant), and how many were escalated or are resolved."""
    qs = scope.departments(scope.period(DormancyFinding.objects.all(), "opened_at"), "channel__department_id")
    rows = (
        qs.values(month=TruncMonth("opened_at"))
        .annotate(
            channels=Count("channel_id", distinct=True),
            escalated=Count("id", filter=Q(escalated_at__isnull=False)),
            resolved=Count("id", filter=Q(resolved_at__isnull=False)),
        )
        .order_by("month")
    )
    table = Table(["month", "channels found dormant", "escalated", "resolved"])
    for r in rows:
        table.rows.append([as_date(r["month"]), r["channels"], r["escalated"], r["resolved"]])
    return table


# --- Policy acknowledgement coverage ----------------------------------------------------


def _in_audience(version: Any) -> Q:
    """The user (the outer row) must acknowledge ``version``: ``policies.selectors.audience_of`` as a condition."""
    if version.audience_everyone:
        return Q()
    roles = list(version.audience_roles or ())
    departments = PolicyVersion.audience_departments.through.objects.filter(policyversion_id=version.pk).values(
        "department_id"
    )
    return Q(
        Exists(Membership.objects.filter(user_id=OuterRef("pk"), department_id__in=departments))
        | Exists(Membership.objects.filter(user_id=OuterRef("pk"), role__in=roles))
        | Exists(User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name__in=roles))
    )


def acknowledgement_coverage(scope: Scope) -> Table:
    """Current policy versions, per department: the people who must acknowledge, how many had by the end of
    the period, how many did within it, and the coverage in percent.

    A person counts in each of their departments (and under "No department" when in none, for readers of
    every department), as on the policy's own coverage page. Two queries: the current versions, then one
    aggregate over people with a conditional count per version (a handful of policies, never a row per person).
    """
    versions = list(
        PolicyVersion.objects.filter(state=VersionState.PUBLISHED, policy__current_version=F("pk"))
        .select_related("policy")
        .order_by("policy__title", "policy_id")
    )
    table = Table(["policy", "department", "people", "acknowledged", "acknowledged in period", "missing", "coverage %"])
    if not versions:
        return table
    people = User.objects.filter(is_active=True)
    if scope.department_ids is not None:
        people = people.filter(memberships__department_id__in=scope.department_ids)
    aggregates: dict[str, Count] = {}
    for v in versions:
        audience = _in_audience(v)
        acked = Acknowledgement.objects.filter(version_id=v.pk, user_id=OuterRef("pk"))
        by_end = Exists(acked.filter(acknowledged_at__lt=scope.end_before))
        in_period = Exists(acked.filter(acknowledged_at__gte=scope.start_at, acknowledged_at__lt=scope.end_before))
        aggregates[f"people_{v.pk}"] = Count("pk", filter=audience)
        aggregates[f"acked_{v.pk}"] = Count("pk", filter=audience & Q(by_end))
        aggregates[f"period_{v.pk}"] = Count("pk", filter=audience & Q(in_period))
    rows = list(
        people.values(dept_id=F("memberships__department_id"), dept=F("memberships__department__name"))
        .annotate(**aggregates)
        .order_by(F("dept").asc(nulls_last=True))
    )
    for v in versions:
        for r in rows:
            n = r[f"people_{v.pk}"]
            if not n:
                continue
            acked = r[f"acked_{v.pk}"]
            table.rows.append(
                [
                    v.policy.title,
                    r["dept"] or "No department",
                    n,
                    acked,
                    r[f"period_{v.pk}"],
                    n - acked,
                    round(100.0 * acked / n, 1),
                ]
            )
    return table
