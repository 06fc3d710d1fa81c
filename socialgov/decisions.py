"""The IT decision register: every decision IT security takes, in one list, with when it is due again.

It reads the registry (channel security reviews, access grants and refusals) and
policies (platform decisions), which is why it lives here and not in either app.
Each source is one query, so a page costs the same however many rows it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from accounts.permissions import is_auditor, is_it_security
from accounts.selectors import users_in_group
from channels_registry.choices import AccessRequestState, ReviewOutcome
from channels_registry.models import AccessGrant, AccessRequest, SecurityReview
from channels_registry.services import grant_review_key, security_review_key
from notifications.services import notify
from policies import selectors as policy_selectors
from policies.services import decision_review_key

SECURITY_REVIEW_VALID_DAYS = 365  # a passed security review is due again after a year
EXPIRY_WARNING_DAYS = 14  # the daily reminder covers decisions due within this many days


class Kind:
    PLATFORM = "platform"
    SECURITY_REVIEW = "security_review"
    ACCESS = "access"
    CHOICES = [(PLATFORM, "Platform decision"), (SECURITY_REVIEW, "Channel security review"), (ACCESS, "Access")]


@dataclass(frozen=True)
class Decision:
    kind: str
    id: int
    subject: str
    department: str  # slug; "" for every department
    outcome: str
    rationale: str
    decided_by: str
    decided_at: datetime | date
    review_by: date | None
    url: str
    change_url: str = ""  # where IT changes it (platform decisions in force)
    end_url: str = ""  # where IT ends it
    action_key: str = ""  # what the review reminder asks: done by the service that records the review

    @property
    def kind_label(self) -> str:
        return dict(Kind.CHOICES)[self.kind]

    @property
    def due_in_days(self) -> int | None:
        return None if self.review_by is None else (self.review_by - timezone.localdate()).days

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "subject": self.subject,
            "department": self.department,
            "outcome": self.outcome,
            "rationale": self.rationale,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at,
            "review_by": self.review_by,
            "url": self.url,
        }


def can_read_decisions(user: Any) -> bool:
    return bool(getattr(user, "is_active", False)) and (is_it_security(user) or is_auditor(user))


def _platform_decisions() -> list[Decision]:
    url = reverse("policies:platform_list")
    today = timezone.localdate()
    rows = []
    for d in policy_selectors.decisions():
        departments = [dep.slug for dep in d.departments.all()]
        outcome, review_by, change_url, end_url = d.get_outcome_display(), d.review_by, "", ""
        if d.ended_at is not None:
            outcome, review_by = f"{outcome} (ended {timezone.localdate(d.ended_at):%Y-%m-%d}: {d.end_reason})", None
        elif d.expires_on is not None and d.expires_on < today:
            outcome, review_by = f"{outcome} (expired {d.expires_on:%Y-%m-%d})", None
        else:
            # due again at its review date, or at its expiry when that comes first
            review_by = min(x for x in (d.review_by, d.expires_on, date.max) if x is not None)
            review_by = None if review_by == date.max else review_by
            change_url = reverse("policies:platform_decision_change", args=[d.pk])
            end_url = reverse("policies:platform_decision_end", args=[d.pk])
        rows.append(
            Decision(
                Kind.PLATFORM,
                d.pk,
                f"{d.platform.name} for {', '.join(dep.name for dep in d.departments.all()) or 'every department'}",
                ",".join(departments),
                outcome,
                d.rationale,
                d.decided_by.get_full_name(),
                d.effective_from,
                review_by,
                f"{url}?platform={d.platform.slug}",
                change_url,
                end_url,
                decision_review_key(d),
            )
        )
    return rows


def _security_reviews() -> list[Decision]:
    rows = []
    for r in SecurityReview.objects.select_related("channel__department", "channel__platform", "reviewer"):
        passed = r.outcome == ReviewOutcome.PASSED
        rows.append(
            Decision(
                Kind.SECURITY_REVIEW,
                r.pk,
                f"{r.channel.display_name} ({r.channel.platform.name})",
                r.channel.department.slug,
                r.get_outcome_display(),
                r.note,
                r.reviewer.get_full_name(),
                r.decided_at,
                timezone.localdate(r.decided_at) + timedelta(days=SECURITY_REVIEW_VALID_DAYS) if passed else None,
                reverse("channels_registry:channel_detail", args=[r.channel_id]),
                action_key=security_review_key(r.channel_id),
            )
        )
    return rows


def _access_decisions() -> list[Decision]:
    rows = []
    grants = AccessGrant.objects.filter(revoked_at__isnull=True).select_related(
        "channel__department", "user", "granted_by"
    )
    for g in grants:
        rows.append(
            Decision(
                Kind.ACCESS,
                g.pk,
                f"{g.get_role_display()} of {g.channel.display_name} for {g.user.get_full_name()}",
                g.channel.department.slug,
                "Granted",
                g.reason,
                g.granted_by.get_full_name(),
                g.granted_at,
                g.review_by,
                reverse("channels_registry:channel_detail", args=[g.channel_id]),
                action_key=grant_review_key(g),
            )
        )
    refusals = AccessRequest.objects.filter(state=AccessRequestState.REFUSED).select_related(
        "channel__department", "platform", "department", "requester", "decided_by"
    )
    for a in refusals:
        what = a.channel.display_name if a.channel_id else f"{a.platform} for {a.department}"
        dept = a.channel.department.slug if a.channel_id else (a.department.slug if a.department_id else "")
        rows.append(
            Decision(
                Kind.ACCESS,
                a.pk,
                f"Access to {what} for {a.requester.get_full_name()}",
                dept,
                "Refused",
                a.decision_reason,
                a.decided_by.get_full_name() if a.decided_by_id else "",
                a.decided_at or a.created_at,
                None,
                reverse("channels_registry:access_request_list"),
            )
        )
    return rows


SOURCES = {Kind.PLATFORM: _platform_decisions, Kind.SECURITY_REVIEW: _security_reviews, Kind.ACCESS: _access_decisions}


def decisions(*, kind: str = "", department: str = "", due_within_days: int | None = None) -> list[Decision]:
    """Every decision (or one kind), soonest review first, then the newest."""
    rows: list[Decision] = []
    for name, source in SOURCES.items():
        if not kind or kind == name:
            rows.extend(source())
    if department:
        rows = [r for r in rows if not r.department or department in r.department.split(",")]
    if due_within_days is not None:
        limit = timezone.localdate() + timedelta(days=due_within_days)
        rows = [r for r in rows if r.review_by is not None and r.review_by <= limit]
    return soonest_first(rows)


def soonest_first(rows: list[Decision]) -> list[Decision]:
    """Soonest review first (none last), then the newest."""

    def newest_first(r: Decision) -> float:
        at = r.decided_at
        if not isinstance(at, datetime):
            at = datetime(at.year, at.month, at.day, tzinfo=timezone.get_current_timezone())
        return -at.timestamp()

    return sorted(rows, key=lambda r: (r.review_by is None, r.review_by or date.max, newest_first(r)))


def remind_expiring(*, today: date | None = None) -> int:
    """Tell IT security about decisions due for review within 14 days (or overdue). Once a day; returns the count.

    Safe to run twice in a day: a decision already reminded about today is skipped.
    """
    from notifications.models import Notification

    today = today or timezone.localdate()
    due = decisions(due_within_days=EXPIRY_WARNING_DAYS)
    if not due:
        return 0
    reminded = set(
        Notification.objects.filter(event="decision.review_due", created_at__date=today).values_list(
            "payload__key", flat=True
        )
    )
    recipients = list(users_in_group("it_security"))
    sent = 0
    for d in due:
        key = f"{d.kind}:{d.id}:{d.review_by}"
        if key in reminded:
            continue
        overdue = d.review_by < today
        when = f"was due {d.review_by:%Y-%m-%d}" if overdue else f"is due {d.review_by:%Y-%m-%d}"
        notify(
            event="decision.review_due",
            recipients=recipients,
            title=f"Review {d.kind_label.lower()}: {d.subject} {when}"[:200],
            body=d.rationale,
            url=reverse("it_decisions") + f"?kind={d.kind}",
            data={"key": key, "kind": d.kind, "id": d.id, "review_by": d.review_by},
            action_key=d.action_key,
        )
        sent += 1
    return sent
