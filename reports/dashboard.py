"""“My work” by role: what waits for this person, in a fixed number of queries per role.

Everyone: my posts in progress and where each stands, reviews waiting for me with their age,
my channels with their warnings, policies to acknowledge and training due.
Managers: their departments' queue, its age and SLA breaches. IT security: what waits at the
IT desk, and decisions due for review. Auditors: recent decisions and anomalies.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.permissions import is_auditor, is_it_security
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
    ChannelState,
    ReportedState,
    RotationState,
)
from channels_registry.models import AccessRequest, Channel, Recertification, ReportedAccount, RotationTask
from channels_registry.permissions import managed_department_ids
from socialgov import decisions

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


def it_security_desk(*, now) -> dict[str, Any]:
    expiring = decisions.decisions(due_within_days=decisions.EXPIRY_WARNING_DAYS)
    return {
        "security_reviews": Channel.objects.filter(state=ChannelState.IN_SECURITY_REVIEW).count(),
        "access_requests": AccessRequest.objects.filter(state=AccessRequestState.PENDING).count(),
        "rotations": RotationTask.objects.filter(state=RotationState.OPEN).count(),
        "reported_accounts": ReportedAccount.objects.filter(state=ReportedState.NEW).count(),
        "expiring_decisions": expiring[:LIMIT],
        "expiring_count": len(expiring),
    }


def _person(full_name: str | None, email: str | None) -> str:
    return full_name or email or ""  # ``str(User)``


def auditor_view(*, now) -> dict[str, Any]:
    decisions_ = list(
        Decision.objects.order_by("-created_at", "-id").values(
            "outcome",
            "created_at",
            "on_behalf_of_id",
            post_id=F("stage_review__post_id"),
            body=F("stage_review__post__body"),
            reviewer_name=F("reviewer__full_name"),
            reviewer_email=F("reviewer__email"),
            for_name=F("on_behalf_of__full_name"),
            for_email=F("on_behalf_of__email"),
        )[:LIMIT]
    )
    for d in decisions_:
        d["outcome_label"] = OUTCOMES.get(d["outcome"], d["outcome"])
        d["reviewer"] = _person(d["reviewer_name"], d["reviewer_email"])
        d["on_behalf_of"] = _person(d["for_name"], d["for_email"]) if d["on_behalf_of_id"] else None
        d["summary"] = summary_of(d["body"])
    return {
        "recent_decisions": decisions_,
        "anomalies": list(
            with_people(AuditEvent.objects.filter(action__in=ANOMALY_ACTIONS, created_at__gte=now - timedelta(days=90)))
            .order_by("-id")
            .values("action", "target_label", "actor_label", "created_at")[:LIMIT]
        ),
    }


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
    if is_it_security(user):
        cards["it_desk"] = it_security_desk(now=now)
    if is_auditor(user) or getattr(user, "is_superuser", False):
        cards.update(auditor_view(now=now))
        cards["auditor"] = True
    return cards
