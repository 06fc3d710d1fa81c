"""The IT decision register: every decision IT security takes, in one list, with when it is due again.

It reads the registry (channel security reviews, access grants and refusals) and policies (platform decisions),
which is why it is an app of its own above both. The list is one compound query (``UNION ALL`` of four parts, each
filtered first), sorted and sliced in the database; only the rows of the page asked for are then read in full, one
query per kind of row on the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Case,
    CharField,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import is_auditor, is_it_security
from channels_registry.choices import AccessRequestState, ReviewOutcome
from channels_registry.models import AccessGrant, AccessRequest, SecurityReview
from channels_registry.services import grant_review_key, security_review_key
from policies import selectors as policy_selectors
from policies.models import PlatformDecision
from policies.services import decision_review_key

SECURITY_REVIEW_VALID_DAYS = 365  # a passed security review is due again after a year
EXPIRY_WARNING_DAYS = 14  # the daily reminder covers decisions due within this many days


class Kind:
    PLATFORM = "platform"
    SECURITY_REVIEW = "security_review"
    ACCESS = "access"
    CHOICES = [
        (PLATFORM, gettext_lazy("Platform decision")),
        (SECURITY_REVIEW, gettext_lazy("Channel security review")),
        (ACCESS, gettext_lazy("Access")),
    ]


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


def _part(qs: QuerySet, part: str, *, review_by, at) -> QuerySet:
    """One part of the register's compound query: the same four columns from every model."""
    return (
        qs.order_by()
        .annotate(part=Value(part, output_field=CharField()), review=review_by, at=at)
        .values("part", "pk", "review", "at")
    )


def register(*, kind: str = "", department: str = "", due_within_days: int | None = None) -> QuerySet:
    """The register's rows (``part``, ``pk``, ``review``, ``at``), soonest review first (none last), then the
    newest; a compound query, so it is sliced and counted but not filtered further (filter through the arguments).

    ``department`` (a slug) keeps the decisions about that department and those about every department;
    ``due_within_days`` those due for review by then (or overdue)."""
    today = timezone.localdate()
    limit = None if due_within_days is None else today + timedelta(days=due_within_days)
    no_date = Value(None, output_field=DateField())
    parts = []
    if kind in ("", Kind.PLATFORM):
        due = Coalesce(F("due"), no_date)
        if limit is None:
            platforms = PlatformDecision.objects.annotate(
                due=Coalesce(Least("review_by", "expires_on"), "review_by", "expires_on")
            )
            # due again at its review date, or at its expiry when that comes first; not at all once ended or expired
            due = Case(When(Q(ended_at__isnull=False) | Q(expires_on__lt=today), then=no_date), default=F("due"))
        else:
            platforms = policy_selectors.decisions_due(by=limit, today=today)
        if department:
            platforms = platforms.filter(Q(departments__isnull=True) | Q(departments__slug=department))
        parts.append(_part(platforms, "platform", review_by=due, at=Cast("effective_from", DateTimeField())))
    if kind in ("", Kind.SECURITY_REVIEW):
        reviews = SecurityReview.objects.all()
        if limit is not None:
            # a passed review is due SECURITY_REVIEW_VALID_DAYS after the (local) day it was decided
            reviewed_before = timezone.make_aware(
                datetime.combine(limit - timedelta(days=SECURITY_REVIEW_VALID_DAYS - 1), time.min)
            )
            reviews = reviews.filter(outcome=ReviewOutcome.PASSED, decided_at__lt=reviewed_before)
        if department:
            reviews = reviews.filter(channel__department__slug=department)
        valid_until = ExpressionWrapper(
            TruncDate("decided_at") + timedelta(days=SECURITY_REVIEW_VALID_DAYS), output_field=DateField()
        )
        review_by = Case(When(outcome=ReviewOutcome.PASSED, then=Cast(valid_until, DateField())), default=no_date)
        parts.append(_part(reviews, "review", review_by=review_by, at=F("decided_at")))
    if kind in ("", Kind.ACCESS):
        grants = AccessGrant.objects.filter(revoked_at__isnull=True)
        if limit is not None:
            grants = grants.filter(review_by__lte=limit)
        if department:
            grants = grants.filter(channel__department__slug=department)
        parts.append(_part(grants, "grant", review_by=F("review_by"), at=F("granted_at")))
        if limit is None:  # a refusal is not reviewed again
            refusals = AccessRequest.objects.filter(state=AccessRequestState.REFUSED)
            if department:
                refusals = refusals.filter(
                    Q(channel__department__slug=department)
                    | Q(channel__isnull=True, department__slug=department)
                    | Q(channel__isnull=True, department__isnull=True)
                )
            at = Coalesce("decided_at", "created_at")
            parts.append(_part(refusals, "refusal", review_by=no_date, at=at))
    if not parts:
        return SecurityReview.objects.none().values("pk")
    first, *rest = parts
    return first.union(*rest, all=True).order_by(F("review").asc(nulls_last=True), F("at").desc(), "part", "pk")


def decisions_of(rows: Iterable[dict[str, Any]]) -> list[Decision]:
    """The register's rows read in full, in their order: one query for each part present (two for platforms)."""
    rows = list(rows)
    wanted: dict[str, list[int]] = {}
    for row in rows:
        wanted.setdefault(row["part"], []).append(row["pk"])
    built = {(part, d.id): d for part, ids in wanted.items() for d in READERS[part](ids)}
    # the review date as the database sorted by it
    return [replace(built[row["part"], row["pk"]], review_by=row["review"]) for row in rows]


def decisions(*, kind: str = "", department: str = "", due_within_days: int | None = None) -> list[Decision]:
    """Every decision (or one kind), soonest review first, then the newest (the reminder's and tests' list)."""
    return decisions_of(register(kind=kind, department=department, due_within_days=due_within_days))


def every_decision(*, chunk: int = 500) -> Iterator[Decision]:
    """The whole register in its order, read ``chunk`` rows at a time (the export)."""
    rows = register()
    start = 0
    while batch := list(rows[start : start + chunk]):
        yield from decisions_of(batch)
        start += chunk


def soonest_first(rows: list[Decision]) -> list[Decision]:
    """Soonest review first (none last), then the newest: the register's order, for rows gathered elsewhere."""

    def newest_first(r: Decision) -> float:
        at = r.decided_at
        if not isinstance(at, datetime):
            at = datetime(at.year, at.month, at.day, tzinfo=timezone.get_current_timezone())
        return -at.timestamp()

    return sorted(rows, key=lambda r: (r.review_by is None, r.review_by or date.max, newest_first(r)))


def _platform_decisions(ids: list[int]) -> Iterator[Decision]:
    url = reverse("policies:platform_list")
    for d in policy_selectors.decisions().filter(pk__in=ids):
        departments = list(d.departments.all())
        outcome, change_url, end_url = d.get_outcome_display(), "", ""
        if d.ended_at is not None:
            outcome = _("%(outcome)s (ended %(day)s: %(reason)s)") % {
                "outcome": outcome,
                "day": f"{timezone.localdate(d.ended_at):%Y-%m-%d}",
                "reason": d.end_reason,
            }
        elif d.expires_on is not None and d.expires_on < timezone.localdate():
            outcome = _("%(outcome)s (expired %(day)s)") % {"outcome": outcome, "day": f"{d.expires_on:%Y-%m-%d}"}
        else:
            change_url = reverse("policies:platform_decision_change", args=[d.pk])
            end_url = reverse("policies:platform_decision_end", args=[d.pk])
        yield Decision(
            Kind.PLATFORM,
            d.pk,
            _("%(platform)s for %(departments)s")
            % {
                "platform": d.platform.name,
                "departments": ", ".join(dep.name for dep in departments) or _("every department"),
            },
            ",".join(dep.slug for dep in departments),
            outcome,
            d.rationale,
            d.decided_by.get_full_name(),
            d.effective_from,
            None,
            f"{url}?platform={d.platform.slug}",
            change_url,
            end_url,
            decision_review_key(d),
        )


def _security_reviews(ids: list[int]) -> Iterator[Decision]:
    reviews = SecurityReview.objects.filter(pk__in=ids).select_related(
        "channel__department", "channel__platform", "reviewer"
    )
    for r in reviews:
        yield Decision(
            Kind.SECURITY_REVIEW,
            r.pk,
            f"{r.channel.display_name} ({r.channel.platform.name})",
            r.channel.department.slug,
            r.get_outcome_display(),
            r.note,
            r.reviewer.get_full_name(),
            r.decided_at,
            None,
            reverse("channels_registry:channel_detail", args=[r.channel_id]),
            action_key=security_review_key(r.channel_id),
        )


def _access_grants(ids: list[int]) -> Iterator[Decision]:
    grants = AccessGrant.objects.filter(pk__in=ids).select_related("channel__department", "user", "granted_by")
    for g in grants:
        yield Decision(
            Kind.ACCESS,
            g.pk,
            _("%(role)s of %(channel)s for %(person)s")
            % {"role": g.get_role_display(), "channel": g.channel.display_name, "person": g.user.get_full_name()},
            g.channel.department.slug,
            _("Granted"),
            g.reason,
            g.granted_by.get_full_name(),
            g.granted_at,
            None,
            reverse("channels_registry:channel_detail", args=[g.channel_id]),
            action_key=grant_review_key(g),
        )


def _access_refusals(ids: list[int]) -> Iterator[Decision]:
    refusals = AccessRequest.objects.filter(pk__in=ids).select_related(
        "channel__department", "platform", "department", "requester", "decided_by"
    )
    for a in refusals:
        if a.channel_id:
            what = a.channel.display_name
        else:
            what = _("%(platform)s for %(department)s") % {"platform": a.platform, "department": a.department}
        dept = a.channel.department.slug if a.channel_id else (a.department.slug if a.department_id else "")
        yield Decision(
            Kind.ACCESS,
            a.pk,
            _("Access to %(what)s for %(person)s") % {"what": what, "person": a.requester.get_full_name()},
            dept,
            _("Refused"),
            a.decision_reason,
            a.decided_by.get_full_name() if a.decided_by_id else "",
            a.decided_at or a.created_at,
            None,
            reverse("channels_registry:access_request_list"),
        )


READERS = {
    "platform": _platform_decisions,
    "review": _security_reviews,
    "grant": _access_grants,
    "refusal": _access_refusals,
}
