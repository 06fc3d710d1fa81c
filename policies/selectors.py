from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from accounts.models import Department, User
from accounts.permissions import group_names, membership_rows
from core import objects
from policies.choices import VersionState
from policies.models import (
    Acknowledgement,
    ContentRule,
    Platform,
    PlatformDecision,
    Policy,
    PolicyVersion,
    TrainingCompletion,
    TrainingCourse,
)


def platforms(*, active_only: bool = False) -> QuerySet[Platform]:
    qs = Platform.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def decisions() -> QuerySet[PlatformDecision]:
    return PlatformDecision.objects.select_related("platform", "decided_by", "ended_by").prefetch_related("departments")


def decisions_due(*, by: date, today: date) -> QuerySet[PlatformDecision]:
    """The decisions due again by ``by``, as the IT decision register dates them (``it_decisions.selectors``): in
    force on ``today`` (``PlatformDecision.in_force``: not ended, not past their expiry), due at their review date
    or at their expiry when that comes first, annotated ``due``."""
    due = Coalesce(Least("review_by", "expires_on"), "review_by", "expires_on")  # LEAST is NULL on SQLite if one is
    return (
        PlatformDecision.objects.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today), ended_at__isnull=True)
        .annotate(due=due)
        .filter(due__lte=by)
    )


def content_rules() -> QuerySet[ContentRule]:
    return ContentRule.objects.select_related("route_department").prefetch_related("departments", "platforms")


# --- Policies and training -----------------------------------------------------------


@dataclass(frozen=True)
class PersonFacts:
    """What decides whether a policy version's audience includes someone (read once)."""

    department_ids: frozenset[int]
    roles: frozenset[str]  # membership roles and group names


def person_facts(user: Any) -> PersonFacts:
    cached = getattr(user, "_sg_person_facts", None)
    if cached is not None:
        return cached
    rows = membership_rows(user)
    facts = PersonFacts(frozenset(d for d, _, _ in rows), frozenset(r for _, _, r in rows) | group_names(user))
    user._sg_person_facts = facts
    return facts


def in_audience(version: PolicyVersion, facts: PersonFacts) -> bool:
    """Union: everyone, or a member of a named department, or holding a named role or group."""
    if version.audience_everyone:
        return True
    named = getattr(version, "in_departments", None)  # annotated by ``pending_acknowledgements``
    if named if named is not None else facts.department_ids & {d.pk for d in version.audience_departments.all()}:
        return True
    return bool(facts.roles & set(version.audience_roles or ()))


def audience_of(version: PolicyVersion) -> QuerySet[User]:
    users = User.objects.filter(is_active=True)
    if version.audience_everyone:
        return users
    roles = list(version.audience_roles or ())
    return users.filter(
        Q(memberships__department__in=version.audience_departments.all())
        | Q(memberships__role__in=roles)
        | Q(groups__name__in=roles)
    ).distinct()


def policies() -> QuerySet[Policy]:
    return Policy.objects.select_related("current_version", "current_version__published_by").prefetch_related(
        "current_version__audience_departments"
    )


def versions_of(policy: Policy) -> QuerySet[PolicyVersion]:
    return policy.versions.select_related("published_by", "created_by").prefetch_related("audience_departments")


def current_versions() -> QuerySet[PolicyVersion]:
    return (
        PolicyVersion.objects.filter(state=VersionState.PUBLISHED, policy__current_version=F("pk"))
        .select_related("policy")
        .prefetch_related("audience_departments")
    )


def pending_acknowledgements(user: Any) -> list[PolicyVersion]:
    """Current versions the user must acknowledge and has not, soonest due first (one query: the audience's
    departments and the user's acknowledgement are tested in SQL, the roles — a JSON list — here)."""
    if not getattr(user, "is_authenticated", False):
        return []
    facts = person_facts(user)
    named = PolicyVersion.audience_departments.through.objects.filter(
        policyversion=OuterRef("pk"), department__in=list(facts.department_ids)
    )
    versions = (
        current_versions()
        .prefetch_related(None)
        .defer("body", "body_html")
        .filter(~Exists(Acknowledgement.objects.filter(user=user, version=OuterRef("pk"))))
        .annotate(in_departments=Exists(named))
    )
    pending = [v for v in versions if in_audience(v, facts)]
    return sorted(pending, key=lambda v: (v.acknowledge_by is None, v.acknowledge_by or date.max, v.policy.title))


def end_of_today():
    """When what turns on today's date (a due date, an expiry within 30 days) may next change."""
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def requirements_of(user: Any) -> tuple[list[PolicyVersion], list[TrainingStatus]]:
    """``pending_acknowledgements`` and ``training_due`` for the dashboard, kept under the person's version
    (``acknowledgement_record``, ``training_completion_record``, memberships and groups bump it) and the
    organisation's (``policy_save``, ``policy_version_publish``, ``course_save``) until the end of the day."""
    if not getattr(user, "is_authenticated", False):
        return [], []
    return objects.of_person(
        user, "requirements", lambda: ((pending_acknowledgements(user), training_due(user)), end_of_today())
    )


def courses() -> QuerySet[TrainingCourse]:
    return TrainingCourse.objects.prefetch_related("departments")


def courses_in_scope(*, department_ids: Iterable[int] | None = None, **required: bool) -> QuerySet[TrainingCourse]:
    """Active courses for every department or naming one of ``department_ids``; ``required_to_author=True``..."""
    through = TrainingCourse.departments.through.objects.filter(trainingcourse=OuterRef("pk"))
    scope = ~Exists(through)
    if department_ids:
        scope |= Exists(through.filter(department__in=list(department_ids)))
    qs = TrainingCourse.objects.filter(scope, is_active=True)
    if required:
        flags = Q()
        for name, wanted in required.items():
            if wanted:
                flags |= Q(**{name: True})
        qs = qs.filter(flags)
    return qs


def latest_expiry(user: Any, course_ids: Iterable[int]) -> dict[int, date]:
    """Course id -> the latest expiry of the user's completions of it."""
    rows = (
        TrainingCompletion.objects.filter(user=user, course__in=list(course_ids))
        .values("course")
        .annotate(until=Max("expires_on"))
        .order_by()
    )
    return {row["course"]: row["until"] for row in rows}


def completions() -> QuerySet[TrainingCompletion]:
    return TrainingCompletion.objects.select_related("course", "user", "recorded_by")


@dataclass(frozen=True)
class TrainingStatus:
    course: TrainingCourse
    expires_on: date | None

    @property
    def current(self) -> bool:
        return self.expires_on is not None and self.expires_on >= timezone.localdate()


REVIEWING_ROLES = frozenset({"reviewer", "manager", "communications", "it_security"})


def training_due(user: Any) -> list[TrainingStatus]:
    """Required courses in the user's departments that are missing, expired, or expire within 30 days.

    Courses for reviewing count only for people who review (a reviewer or manager role, communications, IT).
    """
    if not getattr(user, "is_authenticated", False):
        return []
    facts = person_facts(user)
    reviews = bool(facts.roles & REVIEWING_ROLES)
    latest = TrainingCompletion.objects.filter(user=user, course=OuterRef("pk")).order_by("-expires_on")
    required = courses_in_scope(
        department_ids=facts.department_ids,
        required_to_author=True,
        required_to_review=reviews,
        required_to_hold_credentials=True,
    ).annotate(until=Subquery(latest.values("expires_on")[:1]))
    soon = timezone.localdate() + timedelta(days=30)
    statuses = [TrainingStatus(c, c.until) for c in required]
    return [s for s in statuses if s.expires_on is None or s.expires_on <= soon]


@dataclass(frozen=True)
class CoverageRow:
    department: Department | None
    acknowledged: list[User]
    missing: list[User]


def coverage(version: PolicyVersion) -> list[CoverageRow]:
    """Per department (and one row for people in none): who has and has not acknowledged ``version``."""
    audience = list(audience_of(version).prefetch_related("memberships__department").order_by("email"))
    done = set(Acknowledgement.objects.filter(version=version).values_list("user_id", flat=True))
    rows: dict[int | None, CoverageRow] = {}
    departments: dict[int | None, Department | None] = {None: None}
    for user in audience:
        keys = [m.department_id for m in user.memberships.all()] or [None]
        for m in user.memberships.all():
            departments[m.department_id] = m.department
        for key in keys:
            row = rows.setdefault(key, CoverageRow(departments[key], [], []))
            (row.acknowledged if user.pk in done else row.missing).append(user)
    return sorted(rows.values(), key=lambda r: (r.department is None, r.department.name if r.department else ""))


def acknowledgements() -> QuerySet[Acknowledgement]:
    return Acknowledgement.objects.select_related("version__policy", "user")
