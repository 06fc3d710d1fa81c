"""Platforms and IT's platform decisions: record, change, end; who is told."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department
from accounts.permissions import mfa_satisfied
from accounts.selectors import users_in_group
from audit import duties
from audit import services as audit
from core.errors import Conflict, InvalidInput, ensure
from notifications.services import notifications_done, notify
from policies.choices import DecisionOutcome
from policies.models import (
    Platform,
    PlatformDecision,
)
from policies.permissions import (
    can_decide_platforms,
    can_manage_platforms,
)
from policies.services._common import MAX_TEXT


@transaction.atomic
def platform_save(*, actor: Any, platform: Platform, changed: list[str] | None = None) -> Platform:
    ensure(can_manage_platforms(actor), _("Only IT security edits the platform catalogue."))
    ensure(mfa_satisfied(actor), _("Enrol in two-factor authentication first."))
    creating = platform.pk is None
    try:
        re.compile(platform.handle_pattern)
        platform.full_clean()
    except (re.error, ValidationError) as exc:
        fields = getattr(exc, "message_dict", {"handle_pattern": [str(exc)]})
        raise InvalidInput(_("The platform is not valid."), fields=fields) from exc
    platform.save()
    audit.record(
        actor=actor,
        action="platform.created" if creating else "platform.changed",
        target=platform,
        data={"changed": sorted(changed or []), "dormancy_days": platform.dormancy_days},
    )
    return platform


def decision_problems(
    *,
    outcome: str,
    rationale: str,
    conditions: str,
    effective_from: date,
    review_by: date | None,
    expires_on: date | None = None,
) -> dict[str, list[str]]:
    """What is missing or wrong in a decision, by field (also used by the admin form)."""
    errors: dict[str, list[str]] = {}
    if outcome not in DecisionOutcome.values:
        errors["outcome"] = [_("Choose one of %(outcomes)s.") % {"outcomes": ", ".join(DecisionOutcome.values)}]
    rationale = (rationale or "").strip()
    if not rationale:
        errors["rationale"] = [_("Say why: people who are refused will read it.")]
    elif len(rationale) > MAX_TEXT:
        errors["rationale"] = [_("Keep it under %(limit)s characters.") % {"limit": MAX_TEXT}]
    if outcome == DecisionOutcome.CONDITIONAL and not (conditions or "").strip():
        errors["conditions"] = [_("Name the conditions.")]
    if len(conditions or "") > MAX_TEXT:
        errors["conditions"] = [_("Keep it under %(limit)s characters.") % {"limit": MAX_TEXT}]
    if review_by is not None and effective_from is not None and review_by <= effective_from:
        errors["review_by"] = [_("The review date comes after the effective date.")]
    if expires_on is not None and effective_from is not None and expires_on < effective_from:
        errors["expires_on"] = [_("It cannot expire before it takes effect.")]
    return errors


def _scope(departments: Iterable[Department]) -> list[str]:
    return sorted(d.slug for d in departments) or ["all"]


# The outcome as a notification's title names it, in the middle of a sentence.
OUTCOME_WORDS = {
    DecisionOutcome.ALLOWED: gettext_lazy("allowed"),
    DecisionOutcome.CONDITIONAL: gettext_lazy("allowed with conditions"),
    DecisionOutcome.BLOCKED: gettext_lazy("blocked"),
}


def _scope_words(scope: list[str]) -> Any:
    """A decision's departments in a title: their slugs, or "all" (every department)."""
    return gettext_lazy("all") if scope == ["all"] else ", ".join(scope)


def platform_decision_parties(decision: PlatformDecision) -> duties.Decision:
    """Who may not decide on ``decision``: the person whose request it grants."""
    return duties.Decision(kind="platform_exception", target=decision, requested_by=[decision.requested_by_id])


def _tell_it(*, actor: Any, event: str, decision: PlatformDecision, title: Any, body: str, data: dict) -> None:
    recipients = list(users_in_group("it_security").exclude(pk=actor.pk))
    if decision.requested_by_id and decision.requested_by_id != actor.pk:
        recipients.append(decision.requested_by)  # the person whose request it granted
    notify(
        event=event,
        recipients=recipients,
        title=title,
        body=body,
        url=reverse("policies:platform_list") + f"?platform={decision.platform.slug}",
        target=decision.platform,
        data=data,
    )


@duties.refusals_recorded
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
    expires_on: date | None = None,
    requested_by: Any = None,
) -> PlatformDecision:
    """IT decides a platform for everyone (no departments) or for the named departments. ``requested_by``: whose
    request it grants (they may not decide it, nor later change or end it)."""
    ensure(can_decide_platforms(actor), _("Only IT security decides platforms."))
    ensure(mfa_satisfied(actor), _("Enrol in two-factor authentication first."))
    if requested_by is not None:
        duties.ensure_may_decide(
            actor, duties.Decision(kind="platform_exception", target=platform, requested_by=[requested_by])
        )
    rationale = (rationale or "").strip()
    effective_from = effective_from or timezone.localdate()
    errors = decision_problems(
        outcome=outcome,
        rationale=rationale,
        conditions=conditions,
        effective_from=effective_from,
        review_by=review_by,
        expires_on=expires_on,
    )
    if errors:
        raise InvalidInput(_("The decision is not complete."), fields=errors)
    departments = list(departments)
    decision = PlatformDecision.objects.create(
        platform=platform,
        outcome=outcome,
        rationale=rationale,
        conditions=(conditions or "").strip(),
        decided_by=actor,
        effective_from=effective_from,
        review_by=review_by,
        expires_on=expires_on,
        requested_by=requested_by,
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
            "expires_on": expires_on,
        },
    )
    notify(
        event="platform.decided",
        recipients=users_in_group("it_security").exclude(pk=actor.pk),
        title=format_lazy(
            gettext_lazy("{platform}: {outcome} for {departments}"),
            platform=platform.name,
            outcome=OUTCOME_WORDS[outcome],
            departments=_scope_words(scope),
        ),
        body=rationale,
        target=platform,
        data={"outcome": outcome, "departments": scope},
    )
    return decision


def decision_review_key(decision: PlatformDecision | int) -> str:
    """What IT's reminder that a decision is due for review asks: done when it is changed or ended."""
    return f"platform_decision:{getattr(decision, 'pk', decision)}:review"


def _lock_decision(decision: PlatformDecision) -> PlatformDecision:
    return (
        PlatformDecision.objects.select_for_update(of=("self",))
        .select_related("platform")
        .prefetch_related("departments")
        .get(pk=decision.pk)
    )


DECISION_FIELDS = ("outcome", "conditions", "rationale", "effective_from", "review_by", "expires_on")


@duties.refusals_recorded
@transaction.atomic
def platform_decision_change(
    *,
    actor: Any,
    decision: PlatformDecision,
    outcome: str,
    rationale: str,
    departments: Iterable[Department] = (),
    conditions: str = "",
    effective_from: date | None = None,
    review_by: date | None = None,
    expires_on: date | None = None,
) -> PlatformDecision:
    """IT changes a decision in force: what it says, for whom, until when. The one who changes it becomes its
    decider (the gate names them); the audit event keeps each changed field's value before and after."""
    ensure(can_decide_platforms(actor), _("Only IT security decides platforms."))
    ensure(mfa_satisfied(actor), _("Enrol in two-factor authentication first."))
    decision = _lock_decision(decision)
    if decision.ended_at is not None:
        raise Conflict(_("This decision was ended: record a new one instead."), code="invalid_state")
    duties.ensure_may_decide(actor, platform_decision_parties(decision))
    rationale = (rationale or "").strip()
    conditions = (conditions or "").strip()
    effective_from = effective_from or decision.effective_from
    errors = decision_problems(
        outcome=outcome,
        rationale=rationale,
        conditions=conditions,
        effective_from=effective_from,
        review_by=review_by,
        expires_on=expires_on,
    )
    if errors:
        raise InvalidInput(_("The decision was not changed."), fields=errors)
    departments = list(departments)
    before = {f: getattr(decision, f) for f in DECISION_FIELDS}
    before_scope = _scope(decision.departments.all())
    after = {
        "outcome": outcome,
        "conditions": conditions,
        "rationale": rationale,
        "effective_from": effective_from,
        "review_by": review_by,
        "expires_on": expires_on,
    }
    changes: dict[str, list[Any]] = {f: [before[f], after[f]] for f in DECISION_FIELDS if before[f] != after[f]}
    if before_scope != _scope(departments):
        changes["departments"] = [before_scope, _scope(departments)]
    if not changes:
        return decision
    if decision.decided_by_id != actor.pk:
        changes["decided_by"] = [decision.decided_by_id, actor.pk]
    for field, value in after.items():
        setattr(decision, field, value)
    decision.decided_by = actor
    decision.save(update_fields=[*DECISION_FIELDS, "decided_by"])
    if "departments" in changes:
        decision.departments.set(departments)
    audit.record(
        actor=actor,
        action="platform.decision_changed",
        target=decision.platform,
        data={"decision": decision.pk, "changes": changes},
    )
    notifications_done(key=decision_review_key(decision))  # reviewed: the reminders that it is due are done
    scope = _scope(departments)
    _tell_it(
        actor=actor,
        event="platform.decision_changed",
        decision=decision,
        title=format_lazy(
            gettext_lazy("{platform}: now {outcome} for {departments}"),
            platform=decision.platform.name,
            outcome=OUTCOME_WORDS[outcome],
            departments=_scope_words(scope),
        ),
        body=rationale,
        data={"outcome": outcome, "departments": scope, "changed": sorted(changes)},
    )
    return decision


@duties.refusals_recorded
@transaction.atomic
def platform_decision_end(*, actor: Any, decision: PlatformDecision, reason: str) -> PlatformDecision:
    """IT ends a decision now (it stops applying; the platform falls back to the next decision, or is allowed).
    Ending a decision already ended, or past its expiry, is a conflict."""
    ensure(can_decide_platforms(actor), _("Only IT security decides platforms."))
    ensure(mfa_satisfied(actor), _("Enrol in two-factor authentication first."))
    decision = _lock_decision(decision)
    if decision.ended_at is not None:
        raise Conflict(_("This decision was already ended."), code="invalid_state")
    if not decision.in_force() and decision.expires_on is not None:
        raise Conflict(
            _("This decision expired on %(date)s.") % {"date": f"{decision.expires_on:%Y-%m-%d}"},
            code="invalid_state",
        )
    duties.ensure_may_decide(actor, platform_decision_parties(decision))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why it ends."), fields={"reason": [_("Say why it ends.")]})
    if len(reason) > 300:
        raise InvalidInput(
            _("The reason is too long."),
            fields={"reason": [_("Keep it under %(limit)s characters.") % {"limit": 300}]},
        )
    decision.ended_at = timezone.now()
    decision.ended_by = actor
    decision.end_reason = reason
    decision.save(update_fields=["ended_at", "ended_by", "end_reason"])
    scope = _scope(decision.departments.all())
    audit.record(
        actor=actor,
        action="platform.decision_ended",
        target=decision.platform,
        data={"decision": decision.pk, "outcome": decision.outcome, "departments": scope, "reason": reason},
    )
    notifications_done(key=decision_review_key(decision))
    _tell_it(
        actor=actor,
        event="platform.decision_ended",
        decision=decision,
        title=format_lazy(
            gettext_lazy("{platform}: the {outcome} decision for {departments} ended"),
            platform=decision.platform.name,
            outcome=OUTCOME_WORDS[decision.outcome],
            departments=_scope_words(scope),
        ),
        body=reason,
        data={"outcome": decision.outcome, "departments": scope},
    )
    return decision
