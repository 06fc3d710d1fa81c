"""Policies, their versions and acknowledgements, and the weekly reminder to acknowledge."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department
from accounts.permissions import ensure_mfa
from audit import services as audit
from core import objects
from core.errors import InvalidInput, ensure, ensure_state
from notifications.services import notifications_done, notify
from policies import selectors
from policies.choices import Audience, VersionState
from policies.models import (
    Acknowledgement,
    Policy,
    PolicyVersion,
)
from policies.permissions import (
    can_manage_policies,
)
from policies.rendering import render_markdown
from policies.selectors import audience_of
from policies.services._common import RESERVED_POLICY_SLUGS, _full_clean


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


QUOTED = gettext_lazy("“{title}”")  # a title quoted in a sentence, with the language's quotation marks

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
