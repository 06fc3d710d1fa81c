"""The gates, in one place: may this person register a channel, author a post, review?

``may_register_channel`` answers for a department and platform (IT's decisions);
the ``*_blockers`` functions answer for a person: each returns the list of what is
missing (empty: go ahead), with a link to where it is fixed. Pages show the list;
the API answers 403 ``{"code": "gate", "reasons": [...]}`` (``core.errors.GateClosed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Department
from core import objects
from core.errors import GateClosed
from policies import selectors
from policies.choices import DecisionOutcome
from policies.models import Acknowledgement, Platform, PlatformDecision, Policy


@dataclass(frozen=True)
class GateResult:
    allowed: bool
    outcome: str
    message: str = ""
    conditions: str = ""
    decision: PlatformDecision | None = None


def decision_for(*, platform: Platform, department: Department, on: date | None = None) -> PlatformDecision | None:
    """The decision in force (not ended, not past its expiry): one naming the department beats one for everyone;
    then the latest."""
    on = on or timezone.localdate()
    candidates = (
        PlatformDecision.objects.filter(_in_force(on), platform=platform)
        .filter(Q(departments=department) | Q(departments__isnull=True))
        .annotate(named=Count("departments", filter=Q(departments=department)))
        .select_related("decided_by")
        .order_by("-named", "-effective_from", "-id")
    )
    return candidates.first()


def _in_force(on: date) -> Q:
    """Decisions in force on ``on``: begun, not ended, not past their expiry (``PlatformDecision.in_force``)."""
    return Q(effective_from__lte=on, ended_at__isnull=True) & (Q(expires_on__isnull=True) | Q(expires_on__gte=on))


def decisions_in_force(*, department_ids, on: date | None = None) -> dict[tuple[int, int], PlatformDecision]:
    """``decision_for`` for every platform and each of ``department_ids`` at once, in two queries:
    ``{(platform_id, department_id): decision}`` (no key: no decision, allowed)."""
    on = on or timezone.localdate()
    department_ids = set(department_ids)
    rows = list(
        PlatformDecision.objects.filter(_in_force(on))
        .filter(Q(departments__in=department_ids) | Q(departments__isnull=True))
        .distinct()
        .select_related("decided_by")
        .prefetch_related(Prefetch("departments", queryset=Department.objects.only("pk")))
        .order_by("-effective_from", "-id")
    )
    named: dict[tuple[int, int], PlatformDecision] = {}
    everyone: dict[int, PlatformDecision] = {}
    for decision in rows:  # latest first: the first one found for a key is the one in force
        names = {d.pk for d in decision.departments.all()}
        if not names:
            everyone.setdefault(decision.platform_id, decision)
        for department_id in names & department_ids:
            named.setdefault((decision.platform_id, department_id), decision)
    found = {(p, d): decision for p, decision in everyone.items() for d in department_ids}
    return found | named


def may_register_channel(*, department: Department, platform: Platform, on: date | None = None) -> GateResult:
    if not platform.is_active:
        return GateResult(
            False,
            DecisionOutcome.BLOCKED,
            _("%(platform)s is no longer offered for new channels.") % {"platform": platform.name},
        )
    decision = decision_for(platform=platform, department=department, on=on)
    if decision is None:
        return GateResult(True, DecisionOutcome.ALLOWED)
    if decision.outcome == DecisionOutcome.BLOCKED:
        who = decision.decided_by.get_full_name()
        message = _("%(platform)s is blocked for %(department)s: decided by %(who)s on %(date)s because %(reason)s") % {
            "platform": platform.name,
            "department": department.name,
            "who": who,
            "date": f"{decision.effective_from:%Y-%m-%d}",
            "reason": decision.rationale.strip(),
        }
        return GateResult(False, decision.outcome, message, decision=decision)
    return GateResult(True, decision.outcome, conditions=decision.conditions, decision=decision)


@dataclass(frozen=True)
class Blocker:
    """One reason a person may not do something yet, with where to fix it."""

    message: str
    fix_url: str = ""


def author_blockers(*, user, channel) -> list[Blocker]:
    """Why ``user`` may not author posts on ``channel`` yet (empty: they may).

    Reads ``channel.department`` and ``channel.platform`` only. The reasons: the
    platform is blocked for the department, a policy required for authoring is not
    acknowledged, a course required for authoring is missing or expired.
    """
    blockers = _person_blockers(user)
    if blockers:
        return blockers
    blockers += _platform_blockers(department=channel.department, platform=channel.platform, registering=False)
    blockers += _policy_blockers(user, "required_to_author")
    blockers += _training_blockers(user, "required_to_author", [channel.department.pk])
    return blockers


def review_blockers(*, user) -> list[Blocker]:
    """Why ``user`` may not review yet: a policy or course required for reviewing.

    What the answer reads changes only through audited services: acknowledgements (``acknowledgement_record``),
    policies and what they require (``policy_save``, ``policy_version_publish``), courses and the departments they
    are for (``course_save``), completions (``training_completion_record``), memberships (``membership_set`` /
    ``membership_remove``), deactivation (``user_deactivate``); dates (an expiry, an acknowledgement's grace) move
    it with time alone."""
    blockers = _person_blockers(user)
    if blockers:
        return blockers
    blockers += _policy_blockers(user, "required_to_review")
    blockers += _training_blockers(user, "required_to_review", selectors.person_facts(user).department_ids)
    return blockers


def review_blockers_shown(*, user) -> list[Blocker]:
    """``review_blockers`` for the queue's "you cannot review yet", kept as ``selectors.requirements_of`` is
    (what it reads changes through the same services); refusing a decision asks ``review_blockers`` afresh."""
    # the reasons are sentences in the reader's language: kept apart for each language
    name = f"review-blockers:{translation.get_language()}"
    return objects.of_person(user, name, lambda: (review_blockers(user=user), selectors.end_of_today()))


def registration_blockers(*, user, department: Department, platform: Platform) -> list[Blocker]:
    """Why ``user`` may not register a channel on ``platform`` for ``department`` (the registry calls this).

    The platform decision, the policies required for registering, and the courses
    required for holding channel credentials (whoever registers becomes a custodian).
    """
    blockers = _person_blockers(user)
    if blockers:
        return blockers
    blockers += _platform_blockers(department=department, platform=platform, registering=True)
    blockers += _policy_blockers(user, "required_to_register")
    blockers += _training_blockers(user, "required_to_hold_credentials", [department.pk])
    return blockers


def registration_blockers_up_front(*, user) -> list[Blocker]:
    """What ``user`` lacks to register any channel, whatever its platform: the policies required for
    registering and the courses required for holding credentials in their own departments (shown before the
    form; ``registration_blockers`` still decides on submit, with the platform and the department chosen)."""
    blockers = _person_blockers(user)
    if blockers:
        return blockers
    blockers += _policy_blockers(user, "required_to_register")
    blockers += _training_blockers(user, "required_to_hold_credentials", selectors.person_facts(user).department_ids)
    return blockers


def credential_blockers(*, user, department: Department) -> list[Blocker]:
    """Why ``user`` may not hold a channel's credentials in ``department``: required training."""
    return _person_blockers(user) or _training_blockers(user, "required_to_hold_credentials", [department.pk])


def _person_blockers(user) -> list[Blocker]:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return [Blocker(_("Sign in with an active account."), reverse("account_login"))]
    return []


def _platform_blockers(*, department: Department, platform: Platform, registering: bool) -> list[Blocker]:
    fix = reverse("policies:platform_list") + f"?platform={platform.slug}"
    if registering:
        gate = may_register_channel(department=department, platform=platform)
        return [] if gate.allowed else [Blocker(gate.message, fix)]
    decision = decision_for(platform=platform, department=department)
    if decision is not None and decision.outcome == DecisionOutcome.BLOCKED:
        return [
            Blocker(
                _("IT security blocked %(platform)s for %(department)s on %(date)s: %(reason)s")
                % {
                    "platform": platform.name,
                    "department": department.name,
                    "date": f"{decision.effective_from:%Y-%m-%d}",
                    "reason": decision.rationale.strip(),
                },
                fix,
            )
        ]
    return []


def _policy_blockers(user, flag: str) -> list[Blocker]:
    required = list(
        Policy.objects.filter(**{flag: True}, current_version__isnull=False).select_related("current_version")
    )
    if not required:
        return []
    acknowledged: dict[int, set[int]] = {}
    for policy_id, version_id in Acknowledgement.objects.filter(
        user=user, version__policy__in=[p.pk for p in required]
    ).values_list("version__policy_id", "version_id"):
        acknowledged.setdefault(policy_id, set()).add(version_id)
    today = timezone.localdate()
    blockers = []
    for policy in required:
        version = policy.current_version
        mine = acknowledged.get(policy.pk, set())
        if version.pk in mine:
            continue
        if mine and version.acknowledge_by and today <= version.acknowledge_by:
            continue  # acknowledged an earlier version: grace until the new one's date
        if mine:
            message = _("Read and acknowledge the new version of “%(title)s” (version %(number)s).")
        else:
            message = _("Read and acknowledge “%(title)s” (version %(number)s).")
        blockers.append(
            Blocker(
                message % {"title": policy.title, "number": version.number},
                reverse("policies:policy_detail", args=[policy.slug]),
            )
        )
    return blockers


def _training_blockers(user, flag: str, department_ids) -> list[Blocker]:
    required = list(selectors.courses_in_scope(department_ids=department_ids, **{flag: True}).order_by("title"))
    if not required:
        return []
    until = selectors.latest_expiry(user, [c.pk for c in required])
    today = timezone.localdate()
    blockers = []
    for course in required:
        expires = until.get(course.pk)
        fix = reverse("policies:course_detail", args=[course.slug])
        if expires is None:
            blockers.append(Blocker(_("Complete the training “%(title)s”.") % {"title": course.title}, fix))
        elif expires < today:
            blockers.append(
                Blocker(
                    _("Your “%(title)s” training expired on %(date)s: take it again.")
                    % {"title": course.title, "date": f"{expires:%Y-%m-%d}"},
                    fix,
                )
            )
    return blockers


def ensure_open(blockers: list[Blocker], message: str = "") -> None:
    """Refuse (403, code "gate", with the reasons) when there is anything in ``blockers``."""
    if blockers:
        raise GateClosed(message or _("Not yet: some requirements are missing."), reasons=blockers)
