"""Workflow: approval, rejection, the security review, suspension, reinstatement, retirement."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.permissions import ensure_mfa
from accounts.selectors import department_managers
from audit import duties
from audit import services as audit
from channels_registry import permissions
from channels_registry.choices import (
    CHECKLIST,
    CUSTODIAN_ROLES,
    LIVE_STATES,
    ChannelRole,
    ChannelState,
    FindingState,
    ReviewOutcome,
)
from channels_registry.models import (
    Channel,
    ChannelMembership,
    DormancyFinding,
    SecurityReview,
)
from channels_registry.services._common import (
    MAX_TEXT,
    _lock,
    _require_reason,
    channel_url,
    decide_key,
    security_review_key,
)
from channels_registry.services.separation import _owners, registration_decision, registration_route
from core.errors import InvalidInput, ensure, ensure_state
from notifications.services import decided_by, notifications_done, notify


def _may_approve(actor: User, channel: Channel, route: duties.Route) -> bool:
    """The department's managers (and administrators) approve; IT security too when the decision went up to it."""
    if permissions.can_approve(actor, channel):
        return True
    return route.escalated and actor.pk in route.ids and permissions.is_it_decider(actor)


@duties.refusals_recorded
@transaction.atomic
def channel_approve(*, actor: User, channel: Channel, note: str = "") -> Channel:
    channel = _lock(channel)
    decision = registration_decision(channel)
    route = registration_route(channel, decision)
    ensure(_may_approve(actor, channel, route), _("Only the department's managers approve its channels."))
    ensure_mfa(actor)
    ensure_state(channel, ChannelState.PROPOSED)
    duties.ensure_may_decide(actor, decision)
    channel.state = ChannelState.IN_SECURITY_REVIEW
    channel.approved_by = actor
    channel.save(update_fields=["state", "approved_by"])
    note = (note or "").strip()[:MAX_TEXT]
    audit.record(actor=actor, action="channel.approved", target=channel, data={"note": note})
    notifications_done(key=decide_key(channel))  # the other managers' requests to approve
    reviewers = registration_route(channel)
    channel.deciders = reviewers
    notify(
        event="channel.approved",
        recipients=[channel.registered_by, *_owners(channel)],
        title=format_lazy(
            gettext_lazy("{person} approved {channel}: IT's security review is next"),
            person=actor.get_full_name(),
            channel=channel.display_name,
        ),
        body=decided_by(actor, note),
        url=channel_url(channel),
        target=channel,
        data={"decided_by": actor.pk, "comment": note},
    )
    notify(
        event="channel.security_review_requested",
        recipients=reviewers.people,
        title=format_lazy(
            gettext_lazy("Security review: {platform} {channel}"),
            platform=channel.platform.name,
            channel=channel.display_name,
        ),
        body=format_lazy(
            "{}\n“{}”" if note else "{}",
            format_lazy(
                gettext_lazy("Approved by {person} for {department}."),
                person=str(actor),
                department=channel.department.name,
            ),
            note,
        ),
        url=channel_url(channel),
        target=channel,
        action_key=decide_key(channel),
    )
    return channel


@duties.refusals_recorded
@transaction.atomic
def channel_reject(*, actor: User, channel: Channel, reason: str) -> Channel:
    channel = _lock(channel)
    decision = registration_decision(channel)
    route = registration_route(channel, decision)
    ensure(
        permissions.can_reject(actor, channel) or _may_approve(actor, channel, route),
        _("Only the department's managers or IT security reject channels."),
    )
    ensure_state(channel, ChannelState.PROPOSED, ChannelState.IN_SECURITY_REVIEW)
    if channel.state == ChannelState.IN_SECURITY_REVIEW:
        ensure(permissions.is_it_decider(actor), _("Only IT security decides a channel in security review."))
    duties.ensure_may_decide(actor, decision)
    reason = _require_reason(reason)
    channel.state = ChannelState.REJECTED
    channel.state_reason = reason
    channel.save(update_fields=["state", "state_reason"])
    _end_all_memberships(channel, "Registration rejected.")
    audit.record(actor=actor, action="channel.rejected", target=channel, data={"reason": reason})
    notifications_done(key=decide_key(channel))
    notify(
        event="channel.rejected",
        recipients=[channel.registered_by, *_owners_including_ended(channel)],
        title=format_lazy(
            gettext_lazy("{channel} was not approved: rejected by {person}"),
            channel=channel.display_name,
            person=actor.get_full_name(),
        ),
        body=decided_by(actor, reason),
        url=channel_url(channel),
        target=channel,
        data={"decided_by": actor.pk, "comment": reason},
    )
    return channel


def _owners_including_ended(channel: Channel) -> list[User]:
    return [m.user for m in channel.memberships.filter(role=ChannelRole.OWNER).select_related("user")]


def _end_all_memberships(channel: Channel, reason: str) -> None:
    now = timezone.now()
    channel.memberships.filter(ended_at__isnull=True).update(ended_at=now, ended_reason=reason)
    channel.grants.filter(revoked_at__isnull=True).update(revoked_at=now, revoke_reason=reason)


@duties.refusals_recorded
@transaction.atomic
def security_review_decide(
    *, actor: User, channel: Channel, checklist: dict[str, dict[str, Any]], note: str = ""
) -> SecurityReview:
    """IT's checklist: every item passed makes the channel active; any failed rejects it with the notes."""
    channel = _lock(channel)
    ensure(
        permissions.can_security_review(actor, channel), _("Only IT security, signed in with 2FA, reviews channels.")
    )
    ensure_state(channel, ChannelState.IN_SECURITY_REVIEW)
    duties.ensure_may_decide(actor, registration_decision(channel))
    errors: dict[str, list[str]] = {}
    clean: dict[str, dict[str, Any]] = {}
    for item, label in CHECKLIST.items():
        entry = checklist.get(item)
        if not isinstance(entry, dict) or not isinstance(entry.get("passed"), bool):
            errors[item] = [_("Mark “%(item)s” passed or failed.") % {"item": _(label)}]
            continue
        item_note = str(entry.get("note") or "").strip()[:1000]
        if not entry["passed"] and not item_note:
            errors[item] = [_("Say why “%(item)s” failed.") % {"item": _(label)}]
        clean[item] = {"passed": entry["passed"], "note": item_note}
    if unknown := set(checklist) - set(CHECKLIST):
        errors["checklist"] = [_("Unknown items: %(items)s.") % {"items": ", ".join(sorted(unknown))}]
    if not errors and all(v["passed"] for v in clean.values()):
        custodians = ChannelMembership.objects.filter(
            Q(role__in=CUSTODIAN_ROLES) | Q(holds_credentials=True), channel=channel, ended_at__isnull=True
        ).count()
        if custodians < 2:
            errors["custodians"] = [
                ngettext(
                    "The channel has %(count)s custodian; it needs two.",
                    "The channel has %(count)s custodians; it needs two.",
                    custodians,
                )
                % {"count": custodians}
            ]
        if not channel.mfa_enabled:
            errors["mfa"] = [_("The registration says two-factor authentication is off.")]
    if errors:
        raise InvalidInput(_("The review is not complete."), fields=errors)
    passed = all(v["passed"] for v in clean.values())
    note = (note or "").strip()[:MAX_TEXT]
    review = SecurityReview.objects.create(
        channel=channel,
        reviewer=actor,
        outcome=ReviewOutcome.PASSED if passed else ReviewOutcome.FAILED,
        checklist=clean,
        note=note,
    )
    now = timezone.now()
    if passed:
        channel.state = ChannelState.ACTIVE
        channel.activated_at = now
        channel.state_reason = ""
    else:
        failed = [f"{CHECKLIST[k]}: {v['note']}" for k, v in clean.items() if not v["passed"]]
        channel.state = ChannelState.REJECTED
        channel.state_reason = "; ".join(failed) + (f" — {note}" if note else "")
    channel.save(update_fields=["state", "activated_at", "state_reason"])
    if not passed:
        _end_all_memberships(channel, "Registration rejected in security review.")
    audit.record(
        actor=actor,
        action="channel.security_reviewed",
        target=channel,
        data={"review": review.pk, "outcome": review.outcome, "checklist": clean, "note": note},
    )
    notifications_done(key=decide_key(channel))  # IT's requests to review it
    notifications_done(key=security_review_key(channel))  # and the reminder that its last review is due again
    notify(
        event="channel.activated" if passed else "channel.rejected",
        recipients=[channel.registered_by, *_owners_including_ended(channel)],
        title=format_lazy(
            gettext_lazy("{channel} is active after IT's security review by {person}")
            if passed
            else gettext_lazy("{channel} is rejected after IT's security review by {person}"),
            channel=channel.display_name,
            person=actor.get_full_name(),
        ),
        body=decided_by(actor, channel.state_reason if not passed else note),
        url=channel_url(channel),
        target=channel,
        data={"decided_by": actor.pk, "comment": note, "review": review.pk},
    )
    return review


@transaction.atomic
def channel_suspend(*, actor: User, channel: Channel, reason: str) -> Channel:
    channel = _lock(channel)
    ensure(permissions.is_it_decider(actor), _("Only IT security suspends channels."))
    ensure_state(channel, *LIVE_STATES)
    reason = _require_reason(reason)
    channel.state_before_suspension = channel.state
    channel.state = ChannelState.SUSPENDED
    channel.state_reason = reason
    channel.save(update_fields=["state", "state_before_suspension", "state_reason"])
    audit.record(actor=actor, action="channel.suspended", target=channel, data={"reason": reason})
    _tell_of_it_decision(
        actor, channel, "channel.suspended", gettext_lazy("{channel} is suspended by {person}"), reason
    )
    return channel


@transaction.atomic
def channel_reinstate(*, actor: User, channel: Channel, reason: str = "") -> Channel:
    channel = _lock(channel)
    ensure(permissions.is_it_decider(actor), _("Only IT security reinstates channels."))
    ensure_state(channel, ChannelState.SUSPENDED)
    channel.state = channel.state_before_suspension or ChannelState.ACTIVE
    channel.state_before_suspension = ""
    channel.state_reason = (reason or "").strip()[:MAX_TEXT]
    channel.save(update_fields=["state", "state_before_suspension", "state_reason"])
    audit.record(actor=actor, action="channel.reinstated", target=channel, data={"state": channel.state})
    _tell_of_it_decision(
        actor,
        channel,
        "channel.reinstated",
        gettext_lazy("{channel} is reinstated by {person}"),
        channel.state_reason,
    )
    return channel


@transaction.atomic
def channel_retire(*, actor: User, channel: Channel, reason: str) -> Channel:
    channel = _lock(channel)
    ensure(permissions.is_it_decider(actor), _("Only IT security retires channels."))
    ensure_state(channel, *LIVE_STATES, ChannelState.SUSPENDED)
    reason = _require_reason(reason)
    channel.state = ChannelState.RETIRED
    channel.state_reason = reason
    channel.save(update_fields=["state", "state_reason"])
    DormancyFinding.objects.filter(channel=channel).exclude(state=FindingState.RESOLVED).update(
        state=FindingState.RESOLVED, resolved_at=timezone.now()
    )
    audit.record(actor=actor, action="channel.retired", target=channel, data={"reason": reason})
    _tell_of_it_decision(actor, channel, "channel.retired", gettext_lazy("{channel} is retired by {person}"), reason)
    return channel


def _tell_owners_and_managers(actor: User | None, channel: Channel, event: str, title: Any, body: Any) -> None:
    recipients = {u.pk: u for u in [*_owners(channel), *department_managers(channel.department_id)]}
    recipients.pop(getattr(actor, "pk", None), None)
    notify(
        event=event, recipients=recipients.values(), title=title, body=body, url=channel_url(channel), target=channel
    )


def _tell_of_it_decision(
    actor: User, channel: Channel, event: str, title: Any, comment: str, *, to: Iterable[User] = ()
) -> None:
    """The channel's owners and department managers (and ``to``) hear of IT's decision, with who and why.

    ``title``: a marked text naming ``{channel}`` and ``{person}`` (who decided)."""
    people = [*_owners(channel), *to, *department_managers(channel.department_id)]
    recipients = {u.pk: u for u in people}
    recipients.pop(actor.pk, None)
    notify(
        event=event,
        recipients=recipients.values(),
        title=format_lazy(title, channel=channel.display_name, person=actor.get_full_name()),
        body=decided_by(actor, comment),
        url=channel_url(channel),
        target=channel,
        data={"decided_by": actor.pk, "comment": comment},
    )
