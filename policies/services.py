"""Writes about platforms and IT's platform decisions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Department
from accounts.permissions import mfa_satisfied
from accounts.selectors import users_in_group
from audit import services as audit
from notifications.services import notify
from policies.choices import DecisionOutcome
from policies.models import Platform, PlatformDecision
from policies.permissions import can_decide_platforms, can_manage_platforms
from socialgov.errors import InvalidInput, ensure

MAX_TEXT = 5000


@transaction.atomic
def platform_save(*, actor: Any, platform: Platform, changed: list[str] | None = None) -> Platform:
    ensure(can_manage_platforms(actor), "Only IT security edits the platform catalogue.")
    ensure(mfa_satisfied(actor), "Enrol in two-factor authentication first.")
    creating = platform.pk is None
    try:
        re.compile(platform.handle_pattern)
        platform.full_clean()
    except (re.error, ValidationError) as exc:
        fields = getattr(exc, "message_dict", {"handle_pattern": [str(exc)]})
        raise InvalidInput("The platform is not valid.", fields=fields) from exc
    platform.save()
    audit.record(
        actor=actor,
        action="platform.created" if creating else "platform.changed",
        target=platform,
        data={"changed": sorted(changed or []), "dormancy_days": platform.dormancy_days},
    )
    return platform


def decision_problems(
    *, outcome: str, rationale: str, conditions: str, effective_from: date, review_by: date | None
) -> dict[str, list[str]]:
    """What is missing or wrong in a decision, by field (also used by the admin form)."""
    errors: dict[str, list[str]] = {}
    if outcome not in DecisionOutcome.values:
        errors["outcome"] = [f"Choose one of {', '.join(DecisionOutcome.values)}."]
    rationale = (rationale or "").strip()
    if not rationale:
        errors["rationale"] = ["Say why: people who are refused will read it."]
    elif len(rationale) > MAX_TEXT:
        errors["rationale"] = [f"Keep it under {MAX_TEXT} characters."]
    if outcome == DecisionOutcome.CONDITIONAL and not (conditions or "").strip():
        errors["conditions"] = ["Name the conditions."]
    if len(conditions or "") > MAX_TEXT:
        errors["conditions"] = [f"Keep it under {MAX_TEXT} characters."]
    if review_by is not None and effective_from is not None and review_by <= effective_from:
        errors["review_by"] = ["The review date comes after the effective date."]
    return errors


@transaction.atomic
def platform_decision_record(
    *,
    actor: Any,
    platform: Platform,
    outcome: str,
    rationale: str,
    departments: Iterable[Department] = (),
    conditions: str = "",
    effective_from: date | None = None,
    review_by: date | None = None,
) -> PlatformDecision:
    """IT decides a platform for everyone (no departments) or for the named departments."""
    ensure(can_decide_platforms(actor), "Only IT security decides platforms.")
    ensure(mfa_satisfied(actor), "Enrol in two-factor authentication first.")
    rationale = (rationale or "").strip()
    effective_from = effective_from or timezone.localdate()
    errors = decision_problems(
        outcome=outcome, rationale=rationale, conditions=conditions, effective_from=effective_from, review_by=review_by
    )
    if errors:
        raise InvalidInput("The decision is not complete.", fields=errors)
    departments = list(departments)
    decision = PlatformDecision.objects.create(
        platform=platform,
        outcome=outcome,
        rationale=rationale,
        conditions=(conditions or "").strip(),
        decided_by=actor,
        effective_from=effective_from,
        review_by=review_by,
    )
    decision.departments.set(departments)
    scope = [d.slug for d in departments] or ["all"]
    audit.record(
        actor=actor,
        action="platform.decided",
        target=platform,
        data={
            "decision": decision.pk,
            "outcome": outcome,
            "departments": scope,
            "rationale": rationale,
            "effective_from": effective_from,
            "review_by": review_by,
        },
    )
    notify(
        event="platform.decided",
        recipients=users_in_group("it_security").exclude(pk=actor.pk),
        title=f"{platform.name}: {decision.get_outcome_display().lower()} for {', '.join(scope)}",
        body=rationale,
        target=platform,
        data={"outcome": outcome, "departments": scope},
    )
    return decision
