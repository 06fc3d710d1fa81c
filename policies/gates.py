"""The gates: may this department (later: this person) do this on this platform?

A seam the policies and training work will extend (acknowledged policies, required
training). Callers get a ``GateResult`` and show its message as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Department
from policies.choices import DecisionOutcome
from policies.models import Platform, PlatformDecision


@dataclass(frozen=True)
class GateResult:
    allowed: bool
    outcome: str
    message: str = ""
    conditions: str = ""
    decision: PlatformDecision | None = None


def decision_for(*, platform: Platform, department: Department, on: date | None = None) -> PlatformDecision | None:
    """The decision in force: one naming the department beats one for everyone; then the latest."""
    on = on or timezone.localdate()
    candidates = (
        PlatformDecision.objects.filter(platform=platform, effective_from__lte=on)
        .filter(Q(departments=department) | Q(departments__isnull=True))
        .annotate(named=Count("departments", filter=Q(departments=department)))
        .select_related("decided_by")
        .order_by("-named", "-effective_from", "-id")
    )
    return candidates.first()


def may_register_channel(*, department: Department, platform: Platform, on: date | None = None) -> GateResult:
    if not platform.is_active:
        return GateResult(False, DecisionOutcome.BLOCKED, f"{platform.name} is no longer offered for new channels.")
    decision = decision_for(platform=platform, department=department, on=on)
    if decision is None:
        return GateResult(True, DecisionOutcome.ALLOWED)
    if decision.outcome == DecisionOutcome.BLOCKED:
        who = decision.decided_by.get_full_name()
        message = (
            f"{platform.name} is blocked for {department.name}: decided by {who} on "
            f"{decision.effective_from:%Y-%m-%d} because {decision.rationale.strip()}"
        )
        return GateResult(False, decision.outcome, message, decision=decision)
    return GateResult(True, decision.outcome, conditions=decision.conditions, decision=decision)


@dataclass(frozen=True)
class Blocker:
    """One reason a person may not do something yet, with where to fix it."""

    message: str
    fix_url: str = ""


def author_blockers(*, user, channel) -> list[Blocker]:
    """Why ``user`` may not author posts on ``channel`` yet (empty: they may).

    The approvals composer and API call this; the policies/training work adds the
    reasons (policy versions not acknowledged, required training not current,
    platform blocked for the department).
    """
    return []


def review_blockers(*, user) -> list[Blocker]:
    """Why ``user`` may not review yet (required training, for example)."""
    return []
