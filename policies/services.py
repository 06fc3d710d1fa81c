"""Writes about platforms and IT's platform decisions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department
from accounts.permissions import ensure_mfa, mfa_satisfied
from accounts.selectors import users_in_group
from audit import duties
from audit import services as audit
from core import objects
from core.errors import Conflict, InvalidInput, ensure, ensure_state
from notifications.services import notifications_done, notify
from policies import selectors
from policies.choices import Audience, CompletionMethod, DecisionOutcome, VersionState
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
from policies.permissions import (
    can_decide_platforms,
    can_manage_platforms,
    can_manage_policies,
    can_manage_rules,
    manages,
)
from policies.rendering import render_markdown
from policies.selectors import audience_of

MAX_TEXT = 5000
# Addresses under /policies/ (and /policies/training/) that are pages: no policy or course may take one as its slug.
RESERVED_POLICY_SLUGS = frozenset({"new", "mine", "rules", "training", "platforms"})
RESERVED_COURSE_SLUGS = frozenset({"new"})


def _full_clean(obj: Any, refusal: str, reserved: frozenset[str] = frozenset()) -> None:
    """The model's validation, and no slug that is a page's address, as field errors."""
    errors: dict[str, list[str]] = {}
    try:
        obj.full_clean()
    except ValidationError as exc:
        errors = dict(exc.message_dict)
    if getattr(obj, "slug", None) in reserved:
        errors.setdefault("slug", []).append(
            _("“%(slug)s” is the address of another page: choose another.") % {"slug": obj.slug}
        )
    if errors:
        raise InvalidInput(refusal, fields=errors)


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
QUOTED = gettext_lazy("“{title}”")  # a title quoted in a sentence, with the language's quotation marks


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
    ensure(can_manage_rules(actor), _("Only IT security and communications write content rules."))
    ensure_mfa(actor)
    creating = rule.pk is None
    if creating and rule.created_by_id is None:
        rule.created_by = actor
    try:
        rule.full_clean()
    except ValidationError as exc:
        raise InvalidInput(_("The rule is not valid."), fields=exc.message_dict) from exc
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


# --- Policies ------------------------------------------------------------------------


@transaction.atomic
def policy_create(
    *,
    actor: Any,
    title: str,
    slug: str,
    summary: str = "",
    required_to_author: bool = False,
    required_to_review: bool = False,
    required_to_register: bool = False,
) -> Policy:
    ensure(can_manage_policies(actor), _("Only communications and IT security publish policies."))
    ensure_mfa(actor)
    policy = Policy(
        title=(title or "").strip(),
        slug=slug,
        summary=(summary or "").strip(),
        required_to_author=required_to_author,
        required_to_review=required_to_review,
        required_to_register=required_to_register,
    )
    _full_clean(policy, _("The policy is not valid."), RESERVED_POLICY_SLUGS)
    policy.save()
    audit.record(actor=actor, action="policy.created", target=policy, data={"slug": policy.slug})
    return policy


@transaction.atomic
def policy_version_draft(
    *,
    actor: Any,
    policy: Policy,
    body: str,
    change_note: str = "",
    audience_everyone: bool = True,
    audience_departments: Iterable[Department] = (),
    audience_roles: Iterable[str] = (),
    acknowledge_by: date | None = None,
) -> PolicyVersion:
    """A new draft version; it binds no one until it is published."""
    ensure(can_manage_policies(actor), _("Only communications and IT security write policies."))
    ensure_mfa(actor)
    policy = Policy.objects.select_for_update(of=("self",)).get(pk=policy.pk)
    errors: dict[str, list[str]] = {}
    if not (body or "").strip():
        errors["body"] = [_("Write the policy.")]
    roles = sorted(set(audience_roles))
    if unknown := [r for r in roles if r not in Audience.values]:
        errors["audience_roles"] = [_("Unknown roles: %(roles)s.") % {"roles": ", ".join(unknown)}]
    departments = list(audience_departments)
    if not audience_everyone and not departments and not roles:
        errors["audience_everyone"] = [_("Name who must acknowledge it: everyone, departments or roles.")]
    if acknowledge_by is not None and acknowledge_by < timezone.localdate():
        errors["acknowledge_by"] = [_("The date to acknowledge by is in the past.")]
    if errors:
        raise InvalidInput(_("The version is not complete."), fields=errors)
    last = policy.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = PolicyVersion.objects.create(
        policy=policy,
        number=last + 1,
        body=body,
        body_html=render_markdown(body),
        change_note=(change_note or "").strip(),
        audience_everyone=audience_everyone,
        audience_roles=roles,
        acknowledge_by=acknowledge_by,
        created_by=actor,
    )
    version.audience_departments.set(departments)
    audit.record(actor=actor, action="policy.version_drafted", target=policy, data={"number": version.number})
    return version


@transaction.atomic
def policy_version_publish(*, actor: Any, version: PolicyVersion) -> PolicyVersion:
    """Publish a draft: it becomes the policy's current version, and its audience is asked to acknowledge it."""
    ensure(can_manage_policies(actor), _("Only communications and IT security publish policies."))
    ensure_mfa(actor)
    Policy.objects.select_for_update(of=("self",)).get(pk=version.policy_id)  # one publication per policy at a time
    version = PolicyVersion.objects.select_for_update(of=("self",)).select_related("policy").get(pk=version.pk)
    ensure_state(version, VersionState.DRAFT)
    version.state = VersionState.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor
    version.body_html = render_markdown(version.body)
    version.save(update_fields=["state", "published_at", "published_by", "body_html"])
    policy = version.policy
    policy.current_version = version
    policy.save(update_fields=["current_version"])
    audit.record(
        actor=actor,
        action="policy.published",
        target=policy,
        data={"number": version.number, "acknowledge_by": version.acknowledge_by},
    )
    objects.bump_org()  # what everyone in its audience owes
    if version.acknowledge_by:
        title = format_lazy(
            gettext_lazy("Please read and acknowledge “{policy}” (version {number}) by {date}"),
            policy=policy.title,
            number=version.number,
            date=f"{version.acknowledge_by:%Y-%m-%d}",
        )
    else:
        title = format_lazy(
            gettext_lazy("Please read and acknowledge “{policy}” (version {number})"),
            policy=policy.title,
            number=version.number,
        )
    notify(
        event="policy.published",
        recipients=list(audience_of(version)),
        title=title,
        body=version.change_note,
        url=reverse("policies:policy_detail", args=[policy.slug]),
        target=policy,
        data={"version": version.number, "versions": [version.pk]},
        action_key=ACKNOWLEDGE_KEY,
    )
    return version


@transaction.atomic
def acknowledgement_record(*, actor: Any, version: PolicyVersion) -> Acknowledgement:
    """The actor has read the published version. Acknowledging twice changes nothing."""
    ensure(getattr(actor, "is_active", False), _("Sign in to acknowledge a policy."))
    version = PolicyVersion.objects.select_related("policy").get(pk=version.pk)
    ensure_state(version, VersionState.PUBLISHED)
    ack, created = Acknowledgement.objects.get_or_create(version=version, user=actor)  # a race: one row wins
    if not created:
        return ack
    audit.record(
        actor=actor,
        action="policy.acknowledged",
        target=version.policy,
        data={"version": version.number, "acknowledgement": ack.pk},
    )
    objects.bump_person(actor.pk)
    # The requests to acknowledge it leave the person's unread; a reminder naming other policies too stays until
    # those are acknowledged as well (or superseded: the new version asks again).
    notifications_done(
        key=ACKNOWLEDGE_KEY,
        recipients=[actor],
        items="versions",
        still_open=lambda versions: (
            PolicyVersion.objects.filter(pk__in=versions, policy__current_version=F("pk"))
            .exclude(acknowledgements__user=actor)
            .values_list("pk", flat=True)
        ),
    )
    return ack


# --- Training ------------------------------------------------------------------------


@transaction.atomic
def training_completion_record(
    *,
    actor: Any,
    user: Any,
    course: TrainingCourse,
    completed_on: date | None = None,
    attested: bool = False,
    note: str = "",
) -> TrainingCompletion:
    """A trainee attests their own completion; a trainer of the course or the trainee's manager records it."""
    ensure(getattr(actor, "is_active", False), _("Sign in to record training."))
    today = timezone.localdate()
    completed_on = completed_on or today
    if actor.pk == user.pk:
        method = CompletionMethod.ATTESTED
        if not attested:
            raise InvalidInput(
                _("Confirm that you completed the course."),
                fields={"attested": [_("Tick to confirm you completed it.")]},
            )
    elif course.trainers.filter(pk=actor.pk).exists():
        method = CompletionMethod.TRAINER
    else:
        ensure(manages(actor, user), _("Only the trainee, a trainer of the course or their manager records this."))
        method = CompletionMethod.MANAGER
    ensure(course.is_active, _("This course is no longer offered."))
    if completed_on > today:
        raise InvalidInput(
            _("The course cannot be completed in the future."), fields={"completed_on": [_("In the future.")]}
        )
    if completed_on < today - timedelta(days=course.validity_days):
        raise InvalidInput(_("That completion has already expired."), fields={"completed_on": [_("Already expired.")]})
    completion = TrainingCompletion.objects.create(
        course=course,
        user=user,
        completed_on=completed_on,
        expires_on=completed_on + timedelta(days=course.validity_days),
        method=method,
        recorded_by=actor,
        note=(note or "").strip()[:300],
    )
    audit.record(
        actor=actor,
        action="training.completed",
        target=course,
        data={
            "user": user.pk,
            "method": method,
            "completed_on": completed_on,
            "expires_on": completion.expires_on,
        },
    )
    objects.bump_person(user.pk)
    if actor.pk != user.pk:
        notify(
            event="training.recorded",
            recipients=[user],
            title=format_lazy(
                gettext_lazy("{person} recorded your completion of “{course}”"),
                person=actor.get_full_name(),
                course=course.title,
            ),
            body=format_lazy(gettext_lazy("Valid until {date}."), date=f"{completion.expires_on:%Y-%m-%d}"),
            url=reverse("policies:course_detail", args=[course.slug]),
            target=course,
        )
    return completion


@transaction.atomic
def policy_save(*, actor: Any, policy: Policy, changed: list[str] | None = None) -> Policy:
    """Change a policy's title, summary or what it is required for (its text changes by new versions)."""
    ensure(can_manage_policies(actor), _("Only communications and IT security change policies."))
    ensure_mfa(actor)
    if policy.pk is None:
        return policy_create(
            actor=actor,
            title=policy.title,
            slug=policy.slug,
            summary=policy.summary,
            required_to_author=policy.required_to_author,
            required_to_review=policy.required_to_review,
            required_to_register=policy.required_to_register,
        )
    _full_clean(policy, _("The policy is not valid."), RESERVED_POLICY_SLUGS)
    policy.save()
    audit.record(actor=actor, action="policy.changed", target=policy, data={"changed": sorted(changed or [])})
    objects.bump_org()  # what it requires of everyone
    return policy


@transaction.atomic
def course_save(
    *,
    actor: Any,
    course: TrainingCourse,
    departments: Iterable[Department] | None = None,
    trainers: Iterable[Any] | None = None,
    changed: list[str] | None = None,
) -> TrainingCourse:
    ensure(can_manage_policies(actor), _("Only communications and IT security manage training courses."))
    ensure_mfa(actor)
    creating = course.pk is None
    _full_clean(course, _("The course is not valid."), RESERVED_COURSE_SLUGS)
    course.save()
    if departments is not None:
        course.departments.set(departments)
    if trainers is not None:
        course.trainers.set(trainers)
    audit.record(
        actor=actor,
        action="training.course_created" if creating else "training.course_changed",
        target=course,
        data={"changed": sorted(changed or []), "validity_days": course.validity_days},
    )
    objects.bump_org()  # what it requires of everyone
    return course


# --- Reminders -----------------------------------------------------------------------

REMINDER_EVERY = timedelta(days=7)
ACKNOWLEDGE_KEY = "policies.acknowledge"  # the publication's request and the weekly reminder; payload["versions"]


def acknowledgement_reminders_send() -> int:
    """Remind each person of the current policy versions they have not acknowledged: one note a week at most.

    Safe to run twice: someone reminded in the last six days is skipped. Returns how many were reminded.
    """
    from notifications.models import Notification

    pending: dict[int, list[PolicyVersion]] = {}
    people: dict[int, Any] = {}
    for version in selectors.current_versions():
        done = Acknowledgement.objects.filter(version=version).values("user_id")
        for user in selectors.audience_of(version).exclude(pk__in=done):
            pending.setdefault(user.pk, []).append(version)
            people[user.pk] = user
    if not pending:
        return 0
    recent = set(
        Notification.objects.filter(
            event="policy.reminder",
            recipient_id__in=list(pending),
            created_at__gte=timezone.now() - REMINDER_EVERY + timedelta(days=1),
        ).values_list("recipient_id", flat=True)
    )
    sent = 0
    for user_id, versions in sorted(pending.items()):
        if user_id in recent:
            continue
        titles = format_lazy(
            ", ".join("{}" for _v in versions), *(format_lazy(QUOTED, title=v.policy.title) for v in versions)
        )
        due = [v.acknowledge_by for v in versions if v.acknowledge_by]
        with transaction.atomic():
            notify(
                event="policy.reminder",
                recipients=[people[user_id]],
                title=format_lazy(gettext_lazy("Please acknowledge {policies}"), policies=titles),
                body=format_lazy(gettext_lazy("The first is due by {date}."), date=f"{min(due):%Y-%m-%d}")
                if due
                else "",
                url=reverse("policies:my_requirements"),
                data={"versions": [v.pk for v in versions]},
                action_key=ACKNOWLEDGE_KEY,
            )
        sent += 1
    return sent
