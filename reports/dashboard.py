"""“My work” by role: what waits for this person, in a fixed number of queries per role.

Everyone: my posts in progress and where each stands, reviews waiting for me with their age,
my channels with their warnings, policies to acknowledge and training due.
Managers: their departments' queue, its age and SLA breaches. IT security: what waits at the
IT desk, and decisions due for review. Auditors: recent decisions and anomalies.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import (
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import is_auditor, is_it_security
from accounts.selectors import Joined
from approvals import selectors as post_selectors
from approvals.choices import Outcome, PostState, StageState
from approvals.models import Decision, StageReview, summary_of
from audit.models import ANOMALY_ACTIONS, AuditEvent
from audit.selectors import with_people
from channels_registry import selectors as registry
from channels_registry.choices import (
    LIVE_STATES,
    OPEN_RECERT_STATES,
    AccessRequestState,
    ChannelRole,
    ChannelState,
    ReportedState,
    ReviewOutcome,
    RotationState,
)
from channels_registry.models import (
    AccessGrant,
    AccessRequest,
    Channel,
    Recertification,
    ReportedAccount,
    RotationTask,
    SecurityReview,
)
from channels_registry.permissions import managed_department_ids
from it_decisions import selectors as decisions
from policies import selectors as policy_selectors
from policies.models import PlatformDecision

LIMIT = 10
IN_PROGRESS = (
    PostState.DRAFT,
    PostState.IN_REVIEW,
    PostState.CHANGES_REQUESTED,
    PostState.APPROVED,
    PostState.SCHEDULED,
)
POST_STATES = dict(PostState.choices)
OUTCOMES = dict(Outcome.choices)


def my_posts_in_progress(user: Any) -> list[dict[str, Any]]:
    open_stage = StageReview.objects.filter(post=OuterRef("pk"), state=StageState.OPEN).order_by("position")
    rows = list(
        post_selectors.my_posts(user)
        .filter(state__in=IN_PROGRESS)
        .annotate(
            open_stage=Subquery(open_stage.values("name")[:1]), stage_due=Subquery(open_stage.values("due_at")[:1])
        )
        .order_by("-updated_at", "-id")
        .values("pk", "body", "state", "scheduled_at", "open_stage", "stage_due")[:LIMIT]
    )
    for p in rows:
        p["summary"] = summary_of(p["body"])
        p["state_label"] = POST_STATES.get(p["state"], p["state"])
    return rows


def my_channels_with_warnings(user: Any) -> list[dict[str, Any]]:
    recert = Recertification.objects.filter(grant__channel=OuterRef("pk"), state__in=OPEN_RECERT_STATES)
    channels = list(
        Channel.objects.filter(registry.my_channels_q(user), state__in=LIVE_STATES)
        .annotate(open_rotation=registry.open_rotation(), recertification_due=Exists(recert))
        .order_by("display_name", "id")
        .values(
            "pk",
            "display_name",
            "state",
            "orphaned_at",
            "recertification_due",
            "open_rotation",
            platform_name=F("platform__name"),
        )[:LIMIT]
    )
    for c in channels:
        c["warnings"] = [
            label
            for flag, label in [
                (c["state"] == ChannelState.DORMANT, "dormant"),
                (c["orphaned_at"] is not None, "orphaned"),
                (c["recertification_due"], "recertification due"),
                (c["open_rotation"], "credential rotation pending"),
            ]
            if flag
        ]
    return channels


def reviews_waiting(user: Any, *, now) -> list[dict[str, Any]]:
    """The first of the user's review queue (approvals' selector: scope and order), only what the card shows."""
    rows = list(
        post_selectors.review_queue_for(user)
        .prefetch_related(None)  # rows, not objects: nothing to prefetch into
        .values(
            "post_id",
            "name",
            "opened_at",
            "due_at",
            body=F("post__body"),
            channel_name=F("post__channel__display_name"),
        )[:LIMIT]
    )
    for s in rows:
        s["summary"] = summary_of(s["body"])
        s["age"] = now - s["opened_at"] if s["opened_at"] else None
        s["overdue"] = s["due_at"] is not None and s["due_at"] <= now
    return rows


def department_queue(department_ids: set[int], *, now) -> list[dict[str, Any]]:
    """Per managed department: open review stages, the oldest's age, and how many are past their SLA."""
    rows = (
        StageReview.objects.filter(
            state=StageState.OPEN,
            post__state=PostState.IN_REVIEW,
            post__channel__department_id__in=department_ids,
        )
        .values(dept=F("post__channel__department__name"))
        .annotate(open=Count("id"), oldest=Min("opened_at"), breached=Count("id", filter=Q(due_at__lt=now)))
        .order_by("dept")
    )
    return [{**r, "age": now - r["oldest"] if r["oldest"] else None} for r in rows]


# The IT desk's and the auditor's cards are read in one query: a UNION ALL of each part's rows (QuerySet.union),
# every part as values of the same columns, tagged with its ``part``; the parts that are lists are their first
# LIMIT rows chosen by a subquery (no LIMIT inside a compound query: SQLite has none), sorted here.
# A column is NULL where a part has nothing for it, cast to its type (PostgreSQL types a bare NULL as text).
COLUMNS = {
    "part": CharField(),
    "n": IntegerField(),
    "ref": IntegerField(),
    "ref2": IntegerField(),
    "ref3": IntegerField(),
    "at": DateTimeField(),
    "day": DateField(),
    "day2": DateField(),
    "t1": CharField(),
    "t2": CharField(),
    "t3": CharField(),
    "t4": CharField(),
    "t5": CharField(),
    "t6": CharField(),
}
DESK_COUNTS = {
    "security_reviews": lambda: Channel.objects.filter(state=ChannelState.IN_SECURITY_REVIEW),
    "access_requests": lambda: AccessRequest.objects.filter(state=AccessRequestState.PENDING),
    "rotations": lambda: RotationTask.objects.filter(state=RotationState.OPEN),
    "reported_accounts": lambda: ReportedAccount.objects.filter(state=ReportedState.NEW),
}
ROLES = dict(ChannelRole.choices)
SEPARATOR = "\x1f"  # between a platform decision's department names (joined in no order: sorted here)


def _part(qs: QuerySet, kind: str, **columns: Any) -> QuerySet:
    """``qs`` as rows of the common ``COLUMNS``, in their order (NULL where the part has none)."""
    row = {name: columns.get(name, Cast(Value(None), field)) for name, field in COLUMNS.items() if name != "part"}
    return qs.order_by().values(part=Value(kind, output_field=CharField()), **row)


def _count(qs: QuerySet, kind: str) -> QuerySet:
    """How many rows ``qs`` has: one row, or none when it has none."""
    nulls = {name: Cast(Value(None), field) for name, field in COLUMNS.items() if name not in ("part", "n")}
    return (
        qs.order_by()
        .values(part=Value(kind, output_field=CharField()))
        .annotate(n=Count("pk"))
        .values("part", "n", **nulls)
    )


def _first(qs: QuerySet, *order: str) -> QuerySet:
    """The first LIMIT rows of ``qs`` in ``order``, as a filter (a compound query's parts cannot be sliced)."""
    return qs.model.objects.filter(pk__in=qs.order_by(*order).values("pk")[:LIMIT])


def it_security_desk_parts(*, today) -> list[QuerySet]:
    """What waits at the IT desk (four counts) and the IT decisions due for review within
    ``decisions.EXPIRY_WARNING_DAYS`` (or overdue: ``decisions.decisions(due_within_days=...)``)."""
    limit = today + timedelta(days=decisions.EXPIRY_WARNING_DAYS)
    # a passed security review is due SECURITY_REVIEW_VALID_DAYS after the (local) day it was decided
    reviewed_before = timezone.make_aware(
        datetime.combine(limit - timedelta(days=decisions.SECURITY_REVIEW_VALID_DAYS - 1), time.min)
    )
    departments = (
        PlatformDecision.departments.through.objects.filter(platformdecision_id=OuterRef("pk"))
        .order_by()
        .values("platformdecision_id")
        .annotate(names=Joined("department__name", Value(SEPARATOR)))
        .values("names")
    )
    return [
        *(_count(qs(), kind) for kind, qs in DESK_COUNTS.items()),
        _part(
            policy_selectors.decisions_due(by=limit, today=today),
            decisions.Kind.PLATFORM,
            ref=F("pk"),
            day=F("due"),
            day2=F("effective_from"),
            t1=F("platform__name"),
            t2=Subquery(departments),
            t3=F("platform__slug"),
        ),
        _part(
            SecurityReview.objects.filter(outcome=ReviewOutcome.PASSED, decided_at__lt=reviewed_before),
            decisions.Kind.SECURITY_REVIEW,
            ref=F("pk"),
            ref2=F("channel_id"),
            at=F("decided_at"),
            t1=F("channel__display_name"),
            t2=F("channel__platform__name"),
        ),
        _part(
            AccessGrant.objects.filter(revoked_at__isnull=True, review_by__lte=limit),
            decisions.Kind.ACCESS,
            ref=F("pk"),
            ref2=F("channel_id"),
            at=F("granted_at"),
            day=F("review_by"),
            t1=F("role"),
            t2=F("channel__display_name"),
            t3=F("user__full_name"),
            t4=F("user__email"),
        ),
    ]


def _names(joined: str | None) -> str:
    """A platform decision's department names, by name, as the register writes them."""
    return ", ".join(sorted((joined or "").split(SEPARATOR), key=str.casefold))


def it_security_desk(rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The IT desk's card from its parts' rows (the subjects and links as the decision register writes them)."""
    platforms = reverse("policies:platform_list")
    due = [
        decisions.Decision(
            decisions.Kind.PLATFORM,
            r["ref"],
            f"{r['t1']} for {_names(r['t2']) or 'every department'}",
            "",
            "",
            "",
            "",
            r["day2"],
            r["day"],
            f"{platforms}?platform={r['t3']}",
        )
        for r in rows.get(decisions.Kind.PLATFORM, [])
    ]
    for r in rows.get(decisions.Kind.SECURITY_REVIEW, []):
        review_by = timezone.localdate(r["at"]) + timedelta(days=decisions.SECURITY_REVIEW_VALID_DAYS)
        url = reverse("channels_registry:channel_detail", args=[r["ref2"]])
        subject = f"{r['t1']} ({r['t2']})"
        due.append(
            decisions.Decision(
                decisions.Kind.SECURITY_REVIEW, r["ref"], subject, "", "", "", "", r["at"], review_by, url
            )
        )
    for r in rows.get(decisions.Kind.ACCESS, []):
        url = reverse("channels_registry:channel_detail", args=[r["ref2"]])
        subject = f"{ROLES.get(r['t1'], r['t1'])} of {r['t2']} for {_person(r['t3'], r['t4'])}"
        due.append(decisions.Decision(decisions.Kind.ACCESS, r["ref"], subject, "", "", "", "", r["at"], r["day"], url))
    due = decisions.soonest_first(due)
    return {
        # a count's row is missing when it counted nothing (its NULL columns are grouped: no rows, no group)
        **{kind: sum(r["n"] for r in rows.get(kind, [])) for kind in DESK_COUNTS},
        "expiring_decisions": due[:LIMIT],
        "expiring_count": len(due),
    }


def _person(full_name: str | None, email: str | None) -> str:
    return full_name or email or ""  # ``str(User)``


def auditor_parts(*, now) -> list[QuerySet]:
    """The newest review decisions, and the anomalies of the last 90 days."""
    anomalies = AuditEvent.objects.filter(action__in=ANOMALY_ACTIONS, created_at__gte=now - timedelta(days=90))
    return [
        _part(
            _first(Decision.objects.all(), "-created_at", "-id"),
            "decision",
            ref=F("pk"),
            ref2=F("on_behalf_of_id"),
            ref3=F("stage_review__post_id"),
            at=F("created_at"),
            t1=F("outcome"),
            t2=F("stage_review__post__body"),
            t3=F("reviewer__full_name"),
            t4=F("reviewer__email"),
            t5=F("on_behalf_of__full_name"),
            t6=F("on_behalf_of__email"),
        ),
        _part(
            with_people(_first(anomalies, "-id")),
            "anomaly",
            ref=F("pk"),
            at=F("created_at"),
            t1=F("action"),
            t2=F("target_label"),
            t3=F("actor_label"),
        ),
    ]


def auditor_view(rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The auditor's card from its parts' rows."""
    recent = []
    for r in sorted(rows.get("decision", []), key=lambda r: (r["at"], r["ref"]), reverse=True):
        recent.append(
            {
                "outcome_label": OUTCOMES.get(r["t1"], r["t1"]),
                "created_at": r["at"],
                "post_id": r["ref3"],
                "reviewer": _person(r["t3"], r["t4"]),
                "on_behalf_of": _person(r["t5"], r["t6"]) if r["ref2"] else None,
                "summary": summary_of(r["t2"]),
            }
        )
    anomalies = [
        {"action": r["t1"], "target_label": r["t2"], "actor_label": r["t3"], "created_at": r["at"]}
        for r in sorted(rows.get("anomaly", []), key=lambda r: r["ref"], reverse=True)
    ]
    return {"recent_decisions": recent, "anomalies": anomalies}


def _rows_of(parts: list[QuerySet]) -> dict[str, list[dict[str, Any]]]:
    """The parts' rows in one query, by kind."""
    rows: dict[str, list[dict[str, Any]]] = {}
    if parts:
        for row in parts[0].union(*parts[1:], all=True):
            rows.setdefault(row["part"], []).append(row)
    return rows


def cards_for(user: Any) -> dict[str, Any]:
    now = timezone.now()
    cards: dict[str, Any] = {
        "my_posts": my_posts_in_progress(user),
        "reviews": reviews_waiting(user, now=now),
        "my_channels": my_channels_with_warnings(user),
    }
    managed = managed_department_ids(user)
    if managed:
        cards["department_queue"] = department_queue(managed, now=now)
    # the IT desk's and the auditor's cards: one query for both
    it_desk = is_it_security(user)
    auditor = is_auditor(user) or getattr(user, "is_superuser", False)
    parts = [
        *(it_security_desk_parts(today=timezone.localdate(now)) if it_desk else []),
        *(auditor_parts(now=now) if auditor else []),
    ]
    rows = _rows_of(parts)
    if it_desk:
        cards["it_desk"] = it_security_desk(rows)
    if auditor:
        cards.update(auditor_view(rows))
        cards["auditor"] = True
    return cards
