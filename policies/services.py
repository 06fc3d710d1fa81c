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
from accounts.permissions import ensure_mfa, mfa_satisfied
from accounts.selectors import users_in_group
from audit import services as audit
from notifications.services import notify
from policies.choices import DecisionOutcome
from policies.models import ContentRule, Platform, PlatformDecision
from policies.permissions import can_decide_platforms, can_manage_platforms, can_manage_rules
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
    effective_from = effective_from or timezone.localdate()
    if review_by is not None and review_by <= effective_from:
        errors["review_by"] = ["The review date comes after the effective date."]
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


# --- Content rules -------------------------------------------------------------------


@transaction.atomic
def content_rule_save(
    *,
    actor: Any,
    rule: ContentRule,
    departments: Iterable[Department] | None = None,
    platforms: Iterable[Platform] | None = None,
) -> ContentRule:
    """Create or change a content rule; an invalid pattern is a field error, never a saved rule."""
    ensure(can_manage_rules(actor), "Only IT security and communications write content rules.")
    ensure_mfa(actor)
    creating = rule.pk is None
    if creating and rule.created_by_id is None:
        rule.created_by = actor
    try:
        rule.full_clean()
    except ValidationError as exc:
        raise InvalidInput("The rule is not valid.", fields=exc.message_dict) from exc
    rule.save()
    if departments is not None:
        rule.departments.set(departments)
    if platforms is not None:
        rule.platforms.set(platforms)
    audit.record(
        actor=actor,
        action="content_rule.created" if creating else "content_rule.changed",
        target=rule,
        data={
            "kind": rule.kind,
            "severity": rule.severity,
            "active": rule.is_active,
            "departments": sorted(d.slug for d in rule.departments.all()),
            "platforms": sorted(p.slug for p in rule.platforms.all()),
        },
    )
    return rule
