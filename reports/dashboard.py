"""“My work” by role: what waits for this person, in a fixed number of queries per role.

Everyone: my posts in progress and where each stands, reviews waiting for me with their age,
my channels with their warnings (policies and training: policies' ``{% requirements_card %}``).
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
from approvals.choices import PostState, StageState
from approvals.models import Decision, StageReview
from audit.models import AuditEvent
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
# Audit actions an auditor should notice. ``post.self_decision_refused`` is written by approvals once it records them.
ANOMALIES = (
    "post.self_decision_refused",
    "lockdown.started",
    "lockdown.ended",
    "user.offboarded",
    "user.deactivated",
    "channel.orphaned",
    "channel.suspended",
)


def my_posts_in_progress(user: Any) -> list[Any]:
    open_stage = StageReview.objects.filter(post=OuterRef("pk"), state=StageState.OPEN).order_by("position")
    return list(
        post_selectors.my_posts(user)
        .filter(state__in=IN_PROGRESS)
        .annotate(
            open_stage=Subquery(open_stage.values("name")[:1]), stage_due=Subquery(open_stage.values("due_at")[:1])
        )
        .order_by("-updated_at", "-id")[:LIMIT]
    )


def my_channels_with_warnings(user: Any) -> list[Channel]:
    recert = Recertification.objects.filter(grant__channel=OuterRef("pk"), state__in=OPEN_RECERT_STATES)
    channels = list(
        registry.my_channels(user)
        .filter(state__in=LIVE_STATES)
        .annotate(recertification_due=Exists(recert))
        .order_by("display_name", "id")[:LIMIT]
    )
    for c in channels:
        c.warnings = [
            label
            for flag, label in [
                (c.state == ChannelState.DORMANT, "dormant"),
                (c.orphaned_at is not None, "orphaned"),
                (c.recertification_due, "recertification due"),
                (c.open_rotation, "credential rotation pending"),
            ]
            if flag
        ]
    return channels


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


def auditor_view(*, now) -> dict[str, Any]:
    return {
        "recent_decisions": list(
            Decision.objects.select_related(
                "reviewer", "on_behalf_of", "stage_review", "stage_review__post", "stage_review__post__channel"
            ).order_by("-created_at", "-id")[:LIMIT]
        ),
        "anomalies": list(
            AuditEvent.objects.filter(action__in=ANOMALIES, created_at__gte=now - timedelta(days=90)).order_by("-id")[
                :LIMIT
            ]
        ),
    }


def cards_for(user: Any) -> dict[str, Any]:
    now = timezone.now()
    # the card names the stage and the channel only: no platforms or departments to fetch
    reviews = list(post_selectors.review_queue_for(user).prefetch_related(None)[:LIMIT])
    for stage in reviews:
        stage.age = now - stage.opened_at if stage.opened_at else None
        stage.overdue = stage.due_at is not None and stage.due_at <= now
    cards: dict[str, Any] = {
        "my_posts": my_posts_in_progress(user),
        "reviews": reviews,
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
