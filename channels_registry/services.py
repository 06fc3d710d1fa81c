"""Every change to the registry: one function each, ``<noun>_<verb>``.

Each takes the acting user keyword-only, checks permission, locks and re-reads
the row it changes, refuses a transition the state machine does not allow
(409), and writes the audit event and the notifications in the same
transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Min, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext, ngettext_lazy

from accounts.models import Department, Membership, User
from accounts.permissions import ensure_mfa
from accounts.selectors import department_managers, users_in_group
from accounts.services import user_deactivate
from audit import duties
from audit import services as audit
from channels_registry import feeds, permissions
from channels_registry.choices import (
    CHECKLIST,
    CUSTODIAN_ROLES,
    FEED_HEALTHY,
    LIVE_STATES,
    OPEN_RECERT_STATES,
    REGISTRATION_GRANT_REASON,
    AccessRequestKind,
    AccessRequestState,
    ActivityKind,
    ActivitySource,
    ChannelRole,
    ChannelState,
    FeedStatus,
    FindingState,
    RecertificationState,
    ReportedState,
    ReviewOutcome,
    RotationState,
)
from channels_registry.models import (
    AccessGrant,
    AccessRequest,
    Channel,
    ChannelActivity,
    ChannelFeed,
    ChannelMembership,
    DormancyFinding,
    Recertification,
    ReportedAccount,
    RotationTask,
    SecurityReview,
)
from channels_registry.validation import corporate_domains, is_corporate_address, vault_reference_problem
from core.errors import Conflict, InvalidInput, ensure, ensure_state
from core.outbound import OutboundRefused, check_url
from notifications.services import Message, notifications_done, notify, notify_each, site_text
from policies import services as policy_services
from policies.choices import DecisionOutcome
from policies.gates import ensure_open, may_register_channel, registration_blockers
from policies.handles import normalise_handle, normalise_url
from policies.models import Platform

log = logging.getLogger(__name__)

IT = "it_security"
MAX_PURPOSE = 5000
MAX_TEXT = 5000
MAX_CUSTODIANS = 10
GRANT_REVIEW_DAYS = 90
RECERT_ESCALATE_AFTER = timedelta(days=7)
DORMANCY_GRACE = timedelta(days=30)


def channel_url(channel: Channel) -> str:
    return reverse("channels_registry:channel_detail", args=[channel.pk])


def decide_key(channel: Channel | int) -> str:
    """What a registration's notification asks of its deciders (the manager's approval, IT's security review):
    done by whoever takes the decision."""
    return f"channel:{getattr(channel, 'pk', channel)}:decide"


def request_key(request: AccessRequest | int) -> str:
    return f"access_request:{getattr(request, 'pk', request)}:decide"


def grant_review_key(grant: AccessGrant | int) -> str:
    """What IT's reminder that a grant is due for review asks: done when it is recertified or revoked."""
    return f"access_grant:{getattr(grant, 'pk', grant)}:review"


def security_review_key(channel: Channel | int) -> str:
    """What IT's reminder that a channel's security review is due asks: done by the channel's next review."""
    return f"channel:{getattr(channel, 'pk', channel)}:security_review"


RECERTIFY_KEY = "access.recertify"  # the recertification notes; payload["grants"]: the grants they ask about


def _recertifications_done() -> None:
    """Mark read the recertification notes whose grants are all decided (confirmed, revoked or offboarded)."""
    notifications_done(
        key=RECERTIFY_KEY,
        items="grants",
        still_open=lambda grants: Recertification.objects.filter(
            grant_id__in=grants, state__in=OPEN_RECERT_STATES
        ).values_list("grant_id", flat=True),
    )


def _it_people():
    return users_in_group(IT)


def _administrators():
    return User.objects.filter(is_active=True, is_superuser=True).order_by("pk")


# --- Separation of duties: the decisions' parties and who decides ----------------------------------------------

# The levels of a route, in English as the audit trail keeps them (``route.level``); what people read translates
# them (``gettext_lazy(route.level)``).
IT_SECURITY = gettext_noop("IT security")
AN_ADMINISTRATOR = gettext_noop("an administrator")
DEPARTMENT_MANAGERS = gettext_noop("the department's managers")
OWNERS_OR_IT = gettext_noop("the channel's owners or IT security")


def _custodian_ids(channel: Channel) -> list[int]:
    return list(
        ChannelMembership.objects.filter(
            Q(role__in=CUSTODIAN_ROLES) | Q(holds_credentials=True), channel=channel, ended_at__isnull=True
        ).values_list("user_id", flat=True)
    )


def registration_decision(channel: Channel) -> duties.Decision:
    """The decision a channel waits for: its manager's approval (proposed) or IT's security review (after it).
    Its registrant and the custodians it names are parties; the review also needs someone other than the
    person who approved it."""
    if channel.state == ChannelState.IN_SECURITY_REVIEW:
        return duties.Decision(
            kind="security_review",
            target=channel,
            registered_by=[channel.registered_by_id],
            subjects=_custodian_ids(channel),
            other_stages=[channel.approved_by_id],
        )
    return duties.Decision(
        kind="channel_approval",
        target=channel,
        registered_by=[channel.registered_by_id],
        subjects=_custodian_ids(channel),
    )


def registration_route(channel: Channel, decision: duties.Decision | None = None) -> duties.Route:
    """Who decides the channel's next step: the department's managers approve, IT security reviews; when all of
    them are parties (a one-person department, a manager who registered their own channel) it goes up a level:
    IT security, then an administrator."""
    decision = decision or registration_decision(channel)
    if decision.kind == "security_review":
        levels = [(IT_SECURITY, _it_people()), (AN_ADMINISTRATOR, _administrators())]
    else:
        levels = [
            (DEPARTMENT_MANAGERS, department_managers(channel.department_id).order_by("pk")),
            (IT_SECURITY, _it_people().order_by("pk")),
            (AN_ADMINISTRATOR, _administrators()),
        ]
    return duties.route(decision, levels)


def access_request_decision(request: AccessRequest) -> duties.Decision:
    kind = "platform_exception" if request.kind == AccessRequestKind.PLATFORM else "access_request"
    return duties.Decision(kind=kind, target=request, requested_by=[request.requester_id])


def access_request_route(request: AccessRequest) -> duties.Route:
    """Who decides a request: the channel's owners or IT security (a platform request: IT security); when that is
    only the requester (the only IT member asking), another IT member or an administrator."""
    decision = access_request_decision(request)
    usual: list[User] = []
    if request.channel_id:
        usual += _owners(request.channel)
    usual += list(_it_people().order_by("pk"))
    label = OWNERS_OR_IT if request.channel_id else IT_SECURITY
    return duties.route(decision, [(label, usual), (AN_ADMINISTRATOR, _administrators())])


def _owners(channel: Channel) -> list[User]:
    return [
        m.user
        for m in ChannelMembership.objects.filter(
            channel=channel, role=ChannelRole.OWNER, ended_at__isnull=True
        ).select_related("user")
    ]


def live_custodians_of(channel: Channel) -> list[ChannelMembership]:
    """The people still holding the channel (owners, admins, anyone with the credentials)."""
    return list(
        ChannelMembership.objects.filter(
            Q(role__in=CUSTODIAN_ROLES) | Q(holds_credentials=True), channel=channel, ended_at__isnull=True
        ).select_related("user")
    )


def _lock(channel: Channel) -> Channel:
    return Channel.objects.select_for_update(of=("self",)).select_related("platform", "department").get(pk=channel.pk)


def _grouped(number: int) -> str:
    return number_format(number, force_grouping=True)


def _text(
    value: str, field: str, errors: dict, *, required: bool = True, limit: int = MAX_TEXT, missing: str = ""
) -> str:
    """``value`` stripped; ``missing``: what a required field left empty says (else "This field is required.")."""
    value = (value or "").strip()
    if required and not value:
        errors[field] = [missing or _("This field is required.")]
    elif len(value) > limit:
        errors[field] = [
            _("Keep it under %(limit)s characters (this has %(length)s).")
            % {"limit": _grouped(limit), "length": _grouped(len(value))}
        ]
    return value


def _require_reason(reason: str, missing: str = "") -> str:
    reason = (reason or "").strip()
    if not reason:
        missing = missing or _("Give a reason.")
        raise InvalidInput(missing, fields={"reason": [missing]})
    if len(reason) > MAX_TEXT:
        raise InvalidInput(
            _("The reason is too long."),
            fields={"reason": [_("Keep it under %(limit)s characters.") % {"limit": MAX_TEXT}]},
        )
    return reason


# Notification texts are marked and lazy: ``notify()`` renders them in each recipient's language.


def _decided_by(actor: Any, comment: str = "") -> Any:
    """The line a decision's notification carries: who decided and, when they wrote one, their comment."""
    name = actor.get_full_name() if actor is not None else "socialgov"
    comment = (comment or "").strip()
    if comment:
        return f"{name}: “{comment}”"
    return format_lazy(gettext_lazy("By {name}, without a comment."), name=name)


def _lines(*texts: Any) -> Any:
    """Separate sentences (marked or not) one after the other, each translated on its own, joined when read."""
    return format_lazy(" ".join(["{}"] * len(texts)), *texts)


def _in_language(language: str, user_id: int, title: Any, body: Any, url: str, data: Any) -> Message:
    """One person's message of a fan-out, written in their language (empty: the site's)."""
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        return Message(user_id, str(title), str(body), url, data, language=language)


# --- Registration ----------------------------------------------------------------------


class DuplicateChannel(InvalidInput):
    """The platform and handle are already registered; ``existing`` is that channel (pages link to it)."""

    code = "duplicate"

    def __init__(self, message: str, *, fields: dict[str, list[str]], existing: Channel):
        super().__init__(message, fields=fields)
        self.existing = existing

    @classmethod
    def or_invalid(cls, message: str, fields: dict[str, list[str]], existing: Channel | None) -> InvalidInput:
        return cls(message, fields=fields, existing=existing) if existing else InvalidInput(message, fields=fields)


def _duplicate_message(existing: Channel) -> str:
    return _("%(platform)s %(handle)s is already registered as “%(name)s” (%(state)s): %(url)s") % {
        "platform": existing.platform.name,
        "handle": existing.handle,
        "name": existing.display_name,
        "state": existing.get_state_display().lower(),
        "url": channel_url(existing),
    }


def _find_duplicate(platform: Platform, handle: str) -> Channel | None:
    return (
        Channel.objects.select_related("platform")
        .filter(platform=platform, handle=handle)
        .exclude(state=ChannelState.REJECTED)
        .first()
    )


@transaction.atomic
def channel_register(
    *,
    actor: User,
    platform: Platform,
    handle: str,
    url: str,
    display_name: str,
    department: Department,
    purpose: str,
    audience: str,
    custodians: Iterable[User],
    recovery_contact: str,
    mfa_enabled: bool,
    credentials_location: str,
    tools_connected: str = "",
) -> Channel:
    """Propose a channel for a department; its manager approves, then IT reviews its security."""
    ensure(permissions.can_register(actor), _("You may register channels only for a department you belong to."))
    ensure(
        permissions.can_register_for(actor, department.pk),
        _("You may register channels only for your own departments, not %(department)s.")
        % {"department": department.name},
    )
    errors: dict[str, list[str]] = {}
    gate = may_register_channel(department=department, platform=platform)
    if not gate.allowed:
        errors["platform"] = [gate.message]
    else:
        # The person's own gates: policies to acknowledge, training for holding credentials (403 with reasons).
        ensure_open(
            registration_blockers(user=actor, department=department, platform=platform),
            _("You cannot register a channel yet."),
        )
    normal_handle = ""
    try:
        normal_handle = normalise_handle(platform, handle)
    except InvalidInput as exc:
        errors.update(exc.fields)
    normal_url = ""
    try:
        normal_url = normalise_url(platform, url)
    except InvalidInput as exc:
        errors.update(exc.fields)
    display_name = _text(display_name, "display_name", errors, limit=200, missing=_("A display name is required."))
    purpose = _text(purpose, "purpose", errors, limit=MAX_PURPOSE, missing=_("The purpose is required."))
    audience = _text(audience, "audience", errors, limit=300, missing=_("The audience is required."))
    tools_connected = _text(tools_connected, "tools_connected", errors, required=False)
    people = list(dict.fromkeys(custodians))
    if len(people) < 2:
        errors["custodians"] = [_("Name at least two custodians, so the account never depends on one person.")]
    elif len(people) > MAX_CUSTODIANS:
        errors["custodians"] = [_("Name at most %(count)s custodians.") % {"count": MAX_CUSTODIANS}]
    elif inactive := [p.email for p in people if not p.is_active]:
        errors["custodians"] = [
            ngettext("This person has left: %(people)s.", "These people have left: %(people)s.", len(inactive))
            % {"people": ", ".join(inactive)}
        ]
    recovery_contact = (recovery_contact or "").strip().lower()
    domains = corporate_domains(actor.email)
    if not is_corporate_address(recovery_contact, domains):
        errors["recovery_contact"] = [
            _("Use a corporate address (%(domains)s), never a personal one.")
            % {"domains": ", ".join(f"@{d}" for d in domains)}
        ]
    if not mfa_enabled:
        errors["mfa_enabled"] = [_("Switch on two-factor authentication on the account before registering it.")]
    if problem := vault_reference_problem(credentials_location):
        errors["credentials_location"] = [problem]
    existing = None
    if normal_handle and "handle" not in errors and (existing := _find_duplicate(platform, normal_handle)):
        errors["handle"] = [_duplicate_message(existing)]
    if errors:
        raise DuplicateChannel.or_invalid(_("The channel was not registered: see the fields marked."), errors, existing)

    try:
        with transaction.atomic():
            channel = Channel.objects.create(
                platform=platform,
                handle=normal_handle,
                url=normal_url,
                display_name=display_name,
                department=department,
                purpose=purpose,
                audience=audience,
                recovery_contact=recovery_contact,
                mfa_enabled=True,
                credentials_location=credentials_location.strip(),
                tools_connected=tools_connected,
                registered_by=actor,
            )
    except IntegrityError as exc:  # a concurrent registration won the race
        existing = _find_duplicate(platform, normal_handle)
        message = _duplicate_message(existing) if existing else _("This handle is already registered.")
        raise DuplicateChannel.or_invalid(
            _("The channel was not registered."), {"handle": [message]}, existing
        ) from exc
    review_by = timezone.localdate() + timedelta(days=GRANT_REVIEW_DAYS)
    for i, person in enumerate(people):
        role = ChannelRole.OWNER if i == 0 else ChannelRole.ADMIN
        ChannelMembership.objects.create(
            channel=channel, user=person, role=role, holds_credentials=True, mfa_confirmed=True
        )
        AccessGrant.objects.create(
            channel=channel,
            user=person,
            role=role,
            granted_by=actor,
            reason=REGISTRATION_GRANT_REASON,
            review_by=review_by,
        )
    audit.record(
        actor=actor,
        action="channel.registered",
        target=channel,
        data={
            "platform": platform.slug,
            "handle": channel.handle,
            "department": department.slug,
            "custodians": [p.pk for p in people],  # ids: the people's addresses are theirs to erase
            "platform_decision": gate.outcome,
        },
    )
    route = registration_route(channel)
    channel.deciders = route
    if route.escalated:
        audit.record(
            actor=actor,
            action="channel.approval_escalated",
            target=channel,
            data={"to": [p.pk for p in route.people], "level": route.level},
        )
    notify(
        event="channel.registered",
        recipients=route.people,
        title=format_lazy(
            gettext_lazy("Approve the new {platform} channel {channel}"),
            platform=platform.name,
            channel=channel.display_name,
        ),
        body=format_lazy(
            gettext_lazy(
                "{person} registered it for {department}: {purpose} You decide as {level}: no one else in the "
                "department may."
            )
            if route.escalated
            else gettext_lazy("{person} registered it for {department}: {purpose}"),
            person=str(actor),
            department=department.name,
            purpose=purpose[:300],
            level=gettext_lazy(route.level),
        ),
        url=channel_url(channel),
        target=channel,
        data={"department": department.slug, "escalated": route.escalated},
        action_key=decide_key(channel),
    )
    return channel


# --- Workflow ----------------------------------------------------------------------------


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
        body=_decided_by(actor, note),
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
        body=_decided_by(actor, reason),
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
        body=_decided_by(actor, channel.state_reason if not passed else note),
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
        body=_decided_by(actor, comment),
        url=channel_url(channel),
        target=channel,
        data={"decided_by": actor.pk, "comment": comment},
    )


# --- Activity and dormancy ----------------------------------------------------------------


@transaction.atomic
def activity_record(
    *,
    actor: User | None,
    channel: Channel,
    kind: str = ActivityKind.OTHER,
    source: str = ActivitySource.PAGE,
    occurred_at: datetime | None = None,
    note: str = "",
    external_id: str = "",
    url: str = "",
    content: str = "",
) -> ChannelActivity | None:
    """Something happened on the account. ``actor`` None is the system (a published post, the channel's feed).

    A feed entry (``external_id``) is recorded once: None when the channel has it already, by its id or,
    for a feed that changes its entries' ids, by its link."""
    channel = _lock(channel)
    if external_id and _entry_known(channel, external_id, url):
        return None
    if actor is not None:
        ensure(
            permissions.can_log_activity(actor, channel), _("Only the channel's members, managers or IT log activity.")
        )
    ensure_state(channel, ChannelState.ACTIVE, ChannelState.DORMANT, ChannelState.SUSPENDED)
    now = timezone.now()
    occurred_at = occurred_at or now
    errors = {}
    if kind not in ActivityKind.values:
        errors["kind"] = [_("Choose one of %(choices)s.") % {"choices": ", ".join(ActivityKind.values)}]
    if occurred_at > now + timedelta(minutes=5):
        errors["occurred_at"] = [_("Activity cannot be in the future.")]
    if len(note or "") > 500:
        errors["note"] = [_("Keep the note under 500 characters.")]
    if errors:
        raise InvalidInput(_("The activity was not recorded."), fields=errors)
    activity = ChannelActivity.objects.create(
        channel=channel,
        kind=kind,
        source=source,
        occurred_at=occurred_at,
        note=(note or "").strip(),
        recorded_by=actor,
        external_id=external_id,
        url=url,
        content=content,
    )
    fields = []
    if channel.last_activity_at is None or occurred_at > channel.last_activity_at:
        channel.last_activity_at = occurred_at
        fields.append("last_activity_at")
    woke = channel.state == ChannelState.DORMANT
    if woke:
        channel.state = ChannelState.ACTIVE
        channel.dormant_since = None
        fields += ["state", "dormant_since"]
        DormancyFinding.objects.filter(channel=channel).exclude(state=FindingState.RESOLVED).update(
            state=FindingState.RESOLVED, resolved_at=now
        )
    if fields:
        channel.save(update_fields=fields)
    audit.record(
        actor=actor,
        action="channel.woke" if woke else "channel.activity_recorded",
        target=channel,
        data={"activity": activity.pk, "kind": kind, "source": source, "occurred_at": occurred_at},
    )
    if woke:
        _tell_owners_and_managers(
            actor,
            channel,
            "channel.woke",
            format_lazy(gettext_lazy("{channel} is active again"), channel=channel.display_name),
            format_lazy(gettext_lazy("New activity: {kind}."), kind=kind),
        )
    return activity


def _entry_known(channel: Channel, external_id: str, url: str) -> bool:
    same = Q(external_id=external_id) | (Q(url=url) & ~Q(external_id="") if url else Q(pk__in=[]))
    return ChannelActivity.objects.filter(same, channel=channel).exists()


# --- Feeds ----------------------------------------------------------------------------------------------------

FEED_LIVE_STATES = (ChannelState.ACTIVE, ChannelState.DORMANT, ChannelState.SUSPENDED)


def _feed_url_problem(url: str) -> str:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return _("Give the feed's web address (http or https).")
    try:
        check_url(url)
    except OutboundRefused as exc:
        return str(exc)
    return ""


@transaction.atomic
def channel_feed_set(
    *, actor: User, channel: Channel, url: str, kind: str = "rss", requires_approval: bool = True
) -> ChannelFeed | None:
    """Name the channel's public feed (or, with an empty ``url``, stop reading it). Custodians and IT security.
    An address that resolves inside the company's network is refused."""
    channel = _lock(channel)
    ensure(permissions.can_manage_access(actor, channel), _("Only the channel's owners and IT security set its feed."))
    url = (url or "").strip()
    current = ChannelFeed.objects.select_for_update(of=("self",)).filter(channel=channel).first()
    if not url:
        if current is not None:
            current.delete()
            audit.record(actor=actor, action="channel.feed_removed", target=channel, data={"url": current.url})
        return None
    errors: dict[str, list[str]] = {}
    if kind not in dict(feeds.choices()):
        errors["kind"] = [_("Choose one of %(choices)s.") % {"choices": ", ".join(dict(feeds.choices()))}]
    problem = _feed_url_problem(url) if len(url) <= 500 else _("At most 500 characters.")
    if problem:
        errors["url"] = [problem]
    if errors:
        raise InvalidInput(_("The feed was not saved."), fields=errors)
    if current is None:
        current = ChannelFeed(channel=channel)
    if current.url != url or current.kind != kind:
        current.etag, current.last_modified, current.status, current.message = "", "", FeedStatus.NEVER, ""
    current.url, current.kind, current.requires_approval = url, kind, requires_approval
    current.save()
    audit.record(
        actor=actor,
        action="channel.feed_set",
        target=channel,
        data={"url": url, "kind": kind, "requires_approval": requires_approval},
    )
    return current


def feed_read(*, feed: ChannelFeed | int, now: datetime | None = None) -> str:
    """Read one feed (outside any transaction: the network), then record its new entries as the channel's
    activity and how the read went, in one short transaction. Returns the status. Never raises for what the
    feed or the network does wrong."""
    pk = feed.pk if isinstance(feed, ChannelFeed) else feed
    feed = ChannelFeed.objects.select_related("channel").get(pk=pk)
    if feed.channel.state not in FEED_LIVE_STATES:
        return feed.status
    try:
        result = feeds.connector(feed.kind).read(feed.url, etag=feed.etag, last_modified=feed.last_modified)
    except Exception as exc:  # a connector's own bug must not stop the other feeds
        log.exception("feed %s: the %s connector failed", feed.pk, feed.kind)
        result = feeds.Result(FeedStatus.FAILED, f"The {feed.kind} connector failed: {type(exc).__name__}.")
    return _feed_record(pk, result, now or timezone.now())


@transaction.atomic
def _feed_record(pk: int, result: feeds.Result, now: datetime) -> str:
    feed = ChannelFeed.objects.select_for_update(of=("self",)).select_related("channel").get(pk=pk)
    recorded = 0
    if feed.channel.state in FEED_LIVE_STATES:
        epoch = datetime.min.replace(tzinfo=UTC)
        for entry in sorted(result.entries, key=lambda e: e.published_at or epoch):
            occurred = min(entry.published_at or now, now)
            activity = activity_record(
                actor=None,
                channel=feed.channel,
                kind=ActivityKind.POST,
                source=ActivitySource.FEED,
                occurred_at=occurred,
                note=(entry.title or entry.url or entry.id)[:300],
                external_id=entry.id,
                url=entry.url if entry.url.startswith(("http://", "https://")) else "",
                content=entry.text,
            )
            recorded += activity is not None
    was = feed.status
    feed.status, feed.message, feed.checked_at = result.status, result.message[:300], now
    if result.status in FEED_HEALTHY:
        feed.last_ok_at = now
        feed.etag, feed.last_modified = result.etag, result.last_modified
    feed.entries_recorded += recorded
    feed.save(
        update_fields=[
            "status",
            "message",
            "checked_at",
            "last_ok_at",
            "etag",
            "last_modified",
            "entries_recorded",
            "updated_at",
        ]
    )
    if was != feed.status:
        audit.record(
            actor=None,
            action="channel.feed_status",
            target=feed.channel,
            data={"status": feed.status, "was": was, "message": feed.message, "recorded": recorded},
        )
    return feed.status


def feeds_read_due(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Read every feed whose connector's interval has passed since its last read (beat: every few minutes).
    Each feed on its own; one that fails is counted and the others go on."""
    now = now or timezone.now()
    due = Q(checked_at__isnull=True)
    for kind, _label in feeds.choices():
        interval = timedelta(minutes=feeds.connector(kind).interval_minutes)
        due |= Q(kind=kind, checked_at__lte=now - interval)
    ids = list(
        ChannelFeed.objects.filter(due, channel__state__in=FEED_LIVE_STATES)
        .order_by(F("checked_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for pk in ids:
        try:
            status = feed_read(feed=pk, now=now)
        except Exception:  # the database went away for this one: the next run tries again
            log.exception("feed %s could not be recorded", pk)
            status = FeedStatus.FAILED
        counts[status] = counts.get(status, 0) + 1
    return counts


def _dormancy_threshold_q(platforms: list[Platform], now: datetime) -> Q:
    q = Q(pk__in=[])
    for p in platforms:
        q |= Q(platform_id=p.pk, baseline__lt=now - timedelta(days=p.dormancy_days))
    return q


def _open_findings(now: datetime, lo: int, hi: int) -> None:
    """One finding per channel (ids ``lo`` ≤ id < ``hi``) flagged at ``now``, in one INSERT … SELECT."""
    finding, channel = DormancyFinding._meta, Channel._meta
    q = connection.ops.quote_name
    stamp = connection.ops.adapt_datetimefield_value(now)
    # Table names come from the models; every value is a parameter.
    insert = f"INSERT INTO {q(finding.db_table)} (channel_id, state, last_activity_at, opened_at) "
    select = f"SELECT id, %s, COALESCE(last_activity_at, activated_at, created_at), %s FROM {q(channel.db_table)} "  # noqa: S608
    sql = insert + select + "WHERE state = %s AND dormant_since = %s AND id >= %s AND id < %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [FindingState.OPEN, stamp, ChannelState.DORMANT, stamp, lo, hi])


# Rows one transaction of a bulk step changes, and so locks, at most: a channel's activity waits for a
# batch (tens of milliseconds), never for the whole audit (seconds at 100,000 channels).
DORMANCY_BATCH = 500


def _id_batches(model: type) -> Iterable[tuple[int, int]]:
    size = DORMANCY_BATCH
    bounds = model.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return
    for lo in range(bounds["lo"], bounds["hi"] + 1, size):
        yield lo, lo + size


def _names(names: list[str], limit: int = 20) -> str:
    return ", ".join(names[:limit]) + ("…" if len(names) > limit else "")


AUDIT_SLICE = 1000  # channel ids per audit event of a bulk dormancy step


def _audit_in_slices(action: str, channel_ids: list[int]) -> None:
    """The trail of a bulk step: every channel id, in events of at most ``AUDIT_SLICE`` ids.

    Not one event per channel: at 100,000 channels those inserts into the trail's hash indexes cost
    more than the rest of the audit (bench/NOTES.md); not one event for all: a row of 100,000 ids is
    a burden to every page and export that shows it.
    """
    slices = [channel_ids[i : i + AUDIT_SLICE] for i in range(0, len(channel_ids), AUDIT_SLICE)]
    audit.record_many(
        actor=None,
        action=action,
        target_type=Channel._meta.label_lower,
        entries=[
            ("", f"dormancy audit, {len(ids)} channel(s) ({n} of {len(slices)})", {"channels": ids})
            for n, ids in enumerate(slices, start=1)
        ],
    )


def _flag_quiet_channels(now: datetime) -> int:
    """Active channels quiet past their platform's threshold become dormant, ``DORMANCY_BATCH`` ids at a time,
    each batch one short transaction: one UPDATE (it locks the rows it changes; a channel whose activity
    commits meanwhile is re-checked and left alone), one finding each, their ids in the trail. Then one
    notification per owner listing only theirs."""
    platforms = list(Platform.objects.only("pk", "dormancy_days"))
    baseline = Coalesce("last_activity_at", "activated_at", "created_at")
    flagged = []
    for lo, hi in _id_batches(Channel):
        with transaction.atomic():
            count = (
                Channel.objects.alias(baseline=baseline)
                .filter(_dormancy_threshold_q(platforms, now), state=ChannelState.ACTIVE, pk__gte=lo, pk__lt=hi)
                .update(state=ChannelState.DORMANT, dormant_since=now)
            )
            if not count:
                continue
            _open_findings(now, lo, hi)
            batch = list(
                Channel.objects.filter(state=ChannelState.DORMANT, dormant_since=now, pk__gte=lo, pk__lt=hi)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            _audit_in_slices("channel.dormancy_flagged", batch)
            flagged += batch
    if not flagged:
        return 0
    with transaction.atomic():
        _tell_owners_of_dormant(now, len(flagged))
    return len(flagged)


def _tell_owners_of_dormant(now: datetime, flagged: int) -> None:
    theirs: dict[int, list[tuple[int, str]]] = {}
    language_of: dict[int, str] = {}
    for user_id, channel_id, name, language in (
        ChannelMembership.objects.filter(
            channel__state=ChannelState.DORMANT,
            channel__dormant_since=now,
            role=ChannelRole.OWNER,
            ended_at__isnull=True,
            user__is_active=True,
        )
        .order_by("user_id", "channel_id")
        .values_list("user_id", "channel_id", "channel__display_name", "user__language")
    ):
        theirs.setdefault(user_id, []).append((channel_id, name))
        language_of[user_id] = language
    url = reverse("channels_registry:my_channels") + "?dormant=true"
    notify_each(
        event="channel.dormant",
        messages=[
            _in_language(
                language_of[user_id],
                user_id,
                format_lazy(gettext_lazy("{channel} went dormant"), channel=channels[0][1])
                if len(channels) == 1
                else format_lazy(
                    ngettext_lazy(
                        "{count} of your channels went dormant", "{count} of your channels went dormant", len(channels)
                    ),
                    count=len(channels),
                ),
                format_lazy(
                    gettext_lazy(
                        "No activity past the platform's threshold on: {channels}. "
                        "Post or log activity to wake a channel, or ask IT to retire it."
                    ),
                    channels=_names([n for _, n in channels]),
                ),
                url,
                {"channels": [pk for pk, _pk in channels]},
            )
            for user_id, channels in theirs.items()
        ],
        webhook_title=site_text(
            format_lazy(
                ngettext_lazy(
                    "The dormancy audit flagged {count} channel", "The dormancy audit flagged {count} channels", flagged
                ),
                count=flagged,
            )
        ),
        webhook_url=reverse("channels_registry:channel_list") + "?dormant=true",
        webhook_data={"flagged": flagged},
    )


def _propose_retirements(now: datetime, grace: timedelta) -> int:
    """Findings still open after the grace period are escalated (``DORMANCY_BATCH`` findings a transaction,
    each batch in the trail); then IT hears the count, each department's managers about their department's
    channels (a count and a filtered link, not every id)."""
    escalated = 0
    for lo, hi in _id_batches(DormancyFinding):
        with transaction.atomic():
            count = DormancyFinding.objects.filter(
                state=FindingState.OPEN,
                opened_at__lte=now - grace,
                channel__state=ChannelState.DORMANT,
                pk__gte=lo,
                pk__lt=hi,
            ).update(state=FindingState.ESCALATED, escalated_at=now)
            if count:
                batch = DormancyFinding.objects.filter(
                    state=FindingState.ESCALATED, escalated_at=now, pk__gte=lo, pk__lt=hi
                ).order_by("channel_id")
                _audit_in_slices("channel.retirement_proposed", list(batch.values_list("channel_id", flat=True)))
                escalated += count
    if not escalated:
        return 0
    with transaction.atomic():
        return _tell_about_retirements(now)


def _tell_about_retirements(now: datetime) -> int:
    due = list(
        DormancyFinding.objects.filter(state=FindingState.ESCALATED, escalated_at=now)
        .order_by("channel_id")
        .values_list("channel_id", "channel__display_name", "channel__department_id")
    )
    per_department: dict[int, list[str]] = {}
    for _channel_id, name, department_id in due:
        per_department.setdefault(department_id, []).append(name)
    list_url = reverse("channels_registry:channel_list") + "?dormant=true"
    retire_all = format_lazy(
        ngettext_lazy("Retire {count} dormant channel?", "Retire {count} dormant channels?", len(due)), count=len(due)
    )
    still_dormant = gettext_lazy("Still dormant after the grace period: {channels}.")
    messages = [
        _in_language(
            user.language,
            user.pk,
            retire_all,
            format_lazy(still_dormant, channels=_names([name for _, name, _ in due])),
            list_url,
            {"count": len(due)},
        )
        for user in _it_people()
    ]
    it_ids = {m.recipient_id for m in messages}
    names_of = dict(Department.objects.filter(pk__in=per_department).values_list("pk", "name"))
    for user_id, department_id, language in (
        Membership.objects.filter(department_id__in=per_department, role="manager", user__is_active=True)
        .exclude(user_id__in=it_ids)
        .order_by("user_id", "department_id")
        .values_list("user_id", "department_id", "user__language")
    ):
        names = per_department[department_id]
        messages.append(
            _in_language(
                language,
                user_id,
                format_lazy(
                    ngettext_lazy(
                        "Retire {count} dormant channel of {department}?",
                        "Retire {count} dormant channels of {department}?",
                        len(names),
                    ),
                    count=len(names),
                    department=names_of[department_id],
                ),
                format_lazy(still_dormant, channels=_names(names)),
                f"{list_url}&department={department_id}",
                {"count": len(names), "department": department_id},
            )
        )
    notify_each(
        event="channel.retirement_proposed",
        messages=messages,
        webhook_title=site_text(retire_all),
        webhook_url=list_url,
        webhook_data={"count": len(due)},
    )
    return len(due)


def dormancy_audit(*, now: datetime | None = None, grace: timedelta = DORMANCY_GRACE) -> dict[str, int]:
    """Flag active channels quiet past their platform's threshold, escalate findings past the grace.

    Set-based, in short transactions of ``DORMANCY_BATCH`` rows (each with its part of the trail), so
    that no channel waits on the audit for longer than a batch: the number of queries grows with the
    batches, not with the channels, and every notification carries only what its recipient needs. The
    trail lists every flagged and escalated channel (``_audit_in_slices``) and the run's counts. Safe to
    run twice: flagged channels are dormant, escalated findings are escalated. (A run stopped between
    its batches and its notifications leaves those owners untold; the next run flags only new channels.)
    """
    now = now or timezone.now()
    # Escalate first: only findings from earlier runs can be past the grace, and the planner knows
    # those rows (the tens of thousands a first run inserts below have no statistics yet in this
    # transaction; escalating after them chose a nested loop that ran for minutes at 100,000 channels).
    escalated = _propose_retirements(now, grace)
    flagged = _flag_quiet_channels(now)
    if flagged or escalated:
        with transaction.atomic():
            audit.record(
                actor=None,
                action="channel.dormancy_audited",
                target_type=Channel._meta.label_lower,
                target_label="dormancy audit",
                data={"flagged": flagged, "retirement_proposed": escalated},
            )
    return {"flagged": flagged, "escalated": escalated}


# --- Custodians, offboarding, rotation -------------------------------------------------------


def _flag_orphans(actor: User | None, channel_ids: Iterable[int]) -> list[Channel]:
    """Mark live channels left with fewer than two custodians (and clear the mark when mended)."""
    from channels_registry.selectors import channels as channel_qs

    now = timezone.now()
    orphaned = []
    for channel in channel_qs().filter(pk__in=list(channel_ids)):
        if channel.state not in (*LIVE_STATES, ChannelState.SUSPENDED):
            continue
        if channel.custodian_count < 2 and channel.orphaned_at is None:
            Channel.objects.filter(pk=channel.pk).update(orphaned_at=now)
            channel.orphaned_at = now
            audit.record(
                actor=actor,
                action="channel.orphaned",
                target=channel,
                data={"custodians_left": channel.custodian_count},
            )
            orphaned.append(channel)
        elif channel.custodian_count >= 2 and channel.orphaned_at is not None:
            Channel.objects.filter(pk=channel.pk).update(orphaned_at=None)
            audit.record(actor=actor, action="channel.orphan_cleared", target=channel, data={})
    return orphaned


# What a channel's keepers read of someone who left, by the role they held.
LEFT_AS = {
    ChannelRole.OWNER: gettext_lazy("{person} left (owner)."),
    ChannelRole.ADMIN: gettext_lazy("{person} left (admin)."),
    ChannelRole.PUBLISHER: gettext_lazy("{person} left (publisher)."),
    ChannelRole.CONTRIBUTOR: gettext_lazy("{person} left (contributor)."),
}


@transaction.atomic
def user_offboard(*, actor: User | None, user: User, reason: str = "") -> dict[str, Any]:
    """Someone leaves: deactivate them, end their channel access, rotate what they knew, flag orphans.

    ``actor`` None is the system (the management command run by IT).
    """
    if actor is not None:
        ensure(permissions.can_offboard(actor), _("Only IT security or administrators offboard people."))
    user = user_deactivate(actor=actor, user=user, reason=reason or "Offboarded")
    now = timezone.now()
    memberships = list(
        ChannelMembership.objects.select_for_update(of=("self",))
        .filter(user=user, ended_at__isnull=True)
        .select_related("channel", "channel__platform", "channel__department")
    )
    channel_ids = sorted({m.channel_id for m in memberships})
    ChannelMembership.objects.filter(pk__in=[m.pk for m in memberships]).update(ended_at=now, ended_reason="Offboarded")
    grants = list(AccessGrant.objects.filter(user=user, revoked_at__isnull=True).values_list("pk", flat=True))
    AccessGrant.objects.filter(pk__in=grants).update(
        revoked_at=now, revoked_by=actor, revoke_reason=f"Offboarded. {reason}".strip()
    )
    if Recertification.objects.filter(grant_id__in=grants, state__in=OPEN_RECERT_STATES).update(
        state=RecertificationState.REVOKED, decided_at=now, note="Offboarded."
    ):
        _recertifications_done()
    tasks = []
    for m in memberships:
        audit.record(
            actor=actor,
            action="channel.member_offboarded",
            target=m.channel,
            data={"user": audit.personal(user.email), "role": m.role, "held_credentials": m.holds_credentials},
            subject=user,
        )
        if m.holds_credentials and m.channel.state not in (ChannelState.RETIRED, ChannelState.REJECTED):
            task, created = RotationTask.objects.get_or_create(
                channel=m.channel, departed_user=user, state=RotationState.OPEN
            )
            if created:
                audit.record(
                    actor=actor,
                    action="channel.rotation_opened",
                    target=m.channel,
                    data={"task": task.pk, "departed": audit.personal(user.email)},
                    subject=user,
                )
            tasks.append(task)
    orphaned = _flag_orphans(actor, channel_ids)
    orphan_ids = {c.pk for c in orphaned}
    for m in memberships:
        channel = m.channel
        lines = [format_lazy(LEFT_AS[m.role], person=user.email)]
        if any(t.channel_id == channel.pk for t in tasks):
            lines.append(gettext_lazy("IT will rotate the credentials they knew."))
        if channel.pk in orphan_ids:
            lines.append(gettext_lazy("Fewer than two custodians remain: name another custodian."))
        keepers = [m.user for m in live_custodians_of(channel)]
        recipients = {u.pk: u for u in [*keepers, *department_managers(channel.department_id), *_it_people()]}
        recipients.pop(getattr(actor, "pk", None), None)
        notify(
            event="channel.custodian_left",
            recipients=recipients.values(),
            title=format_lazy(
                gettext_lazy("{person} left {channel} — orphaned")
                if channel.pk in orphan_ids
                else gettext_lazy("{person} left {channel}"),
                person=user.email,
                channel=channel.display_name,
            ),
            body=_lines(*lines),
            url=channel_url(channel),
            target=channel,
            data={"user": user.email, "orphaned": channel.pk in orphan_ids},
        )
    audit.record(
        actor=actor,
        action="user.offboarded",
        target=user,
        data={
            "reason": reason,
            "memberships_ended": len(memberships),
            "grants_revoked": len(grants),
            "rotation_tasks": [t.pk for t in tasks],
            "orphaned_channels": sorted(orphan_ids),
        },
    )
    return {"user": user, "memberships": memberships, "rotation_tasks": tasks, "orphaned": orphaned}


@transaction.atomic
def rotation_task_close(*, actor: User, task: RotationTask, note: str = "") -> RotationTask:
    task = (
        RotationTask.objects.select_for_update(of=("self",)).select_related("channel", "departed_user").get(pk=task.pk)
    )
    ensure(permissions.is_it_decider(actor), _("Only IT security closes credential rotations."))
    ensure_state(task, RotationState.OPEN)
    task.state = RotationState.DONE
    task.closed_by = actor
    task.closed_at = timezone.now()
    task.note = (note or "").strip()[:MAX_TEXT]
    task.save(update_fields=["state", "closed_by", "closed_at", "note"])
    audit.record(
        actor=actor,
        action="channel.rotation_done",
        target=task.channel,
        data={"task": task.pk, "departed": audit.personal(task.departed_user.email), "note": task.note},
        subject=task.departed_user_id,
    )
    channel = task.channel
    _tell_of_it_decision(
        actor,
        channel,
        "channel.rotation_done",
        gettext_lazy("Credentials of {channel} rotated by {person}"),
        task.note,
        to=[m.user for m in live_custodians_of(channel)],
    )
    return task


@transaction.atomic
def membership_confirm_mfa(*, actor: User, channel: Channel) -> ChannelMembership:
    """A member confirms that their own access to the channel uses two-factor authentication."""
    ensure(permissions.may_act(actor), _("Auditors change nothing."))
    membership = (
        ChannelMembership.objects.select_for_update(of=("self",))
        .filter(channel=channel, user=actor, ended_at__isnull=True)
        .first()
    )
    ensure(membership is not None, _("You hold no role on this channel."))
    if membership.mfa_confirmed:
        return membership
    membership.mfa_confirmed = True
    membership.save(update_fields=["mfa_confirmed"])
    audit.record(
        actor=actor,
        action="channel.member_mfa_confirmed",
        target=channel,
        data={"user": audit.personal(actor.email)},
        subject=actor,
    )
    return membership


# --- Access: requests, grants, recertification ------------------------------------------------


@transaction.atomic
def access_request_create(
    *,
    actor: User,
    kind: str,
    reason: str,
    channel: Channel | None = None,
    role: str = "",
    platform: Platform | None = None,
    department: Department | None = None,
) -> AccessRequest:
    ensure(permissions.may_act(actor), _("Auditors change nothing."))
    reason = _require_reason(reason, _("Give a reason for the request."))
    if kind == AccessRequestKind.CHANNEL_ROLE:
        if channel is None:
            raise InvalidInput(_("Choose a channel."), fields={"channel": [_("Choose a channel.")]})
        if role not in ChannelRole.values:
            raise InvalidInput(
                _("Choose a role."),
                fields={"role": [_("Choose one of %(choices)s.") % {"choices": ", ".join(ChannelRole.values)}]},
            )
        ensure_state(channel, ChannelState.ACTIVE, ChannelState.DORMANT, ChannelState.IN_SECURITY_REVIEW)
        platform = department = None
    elif kind == AccessRequestKind.PLATFORM:
        if platform is None or department is None:
            raise InvalidInput(_("Choose a platform and a department."), fields={"platform": [_("Choose a platform.")]})
        ensure(permissions.can_register_for(actor, department.pk), _("You may ask only for your own departments."))
        channel, role = None, ""
    else:
        raise InvalidInput(_("Unknown kind of request."), fields={"kind": [_("Choose a kind.")]})
    if AccessRequest.objects.filter(
        requester=actor,
        kind=kind,
        channel=channel,
        platform=platform,
        department=department,
        role=role,
        state=AccessRequestState.PENDING,
    ).exists():
        raise Conflict(_("You already asked for this; the request is waiting for a decision."))
    request = AccessRequest.objects.create(
        kind=kind, requester=actor, channel=channel, role=role, platform=platform, department=department, reason=reason
    )
    audit.record(
        actor=actor,
        action="access.requested",
        target=request,
        data={
            "kind": kind,
            "channel": getattr(channel, "pk", None),
            "role": role,
            "platform": getattr(platform, "slug", None),
            "department": getattr(department, "slug", None),
        },
    )
    route = access_request_route(request)
    request.deciders = route
    if route.escalated:
        audit.record(
            actor=actor,
            action="access.request_escalated",
            target=request,
            data={"to": [p.pk for p in route.people], "level": route.level},
        )
    notify(
        event="access.requested",
        recipients=route.people,
        title=format_lazy(
            gettext_lazy("{person} asks for the role {role} on {channel}")
            if channel is not None
            else gettext_lazy("{person} asks for {platform} for {department}"),
            person=str(actor),
            role=ChannelRole(role).label if role else "",
            channel=getattr(channel, "display_name", ""),
            platform=getattr(platform, "name", ""),
            department=getattr(department, "name", ""),
        ),
        body=format_lazy(
            "{}\n{}",
            reason,
            format_lazy(gettext_lazy("You decide as {level}: no one else may."), level=gettext_lazy(route.level)),
        )
        if route.escalated
        else reason,
        url=reverse("channels_registry:access_request_list"),
        target=request,
        data={"escalated": route.escalated},
        action_key=request_key(request),
    )
    return request


@duties.refusals_recorded
@transaction.atomic
def access_request_decide(
    *, actor: User, request: AccessRequest, grant: bool, reason: str, valid_until=None
) -> AccessRequest:
    request = (
        AccessRequest.objects.select_for_update(of=("self",))
        .select_related("channel", "platform", "department", "requester")
        .get(pk=request.pk)
    )
    ensure(permissions.can_decide_request(actor, request), _("Only the channel's owner or IT security decides this."))
    ensure_state(request, AccessRequestState.PENDING)
    # nobody decides their own request, IT security included: another IT member (or an administrator) must
    duties.ensure_may_decide(actor, access_request_decision(request))
    reason = _require_reason(reason)
    request.state = AccessRequestState.GRANTED if grant else AccessRequestState.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_reason = reason
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    if grant and request.kind == AccessRequestKind.CHANNEL_ROLE:
        grant_create(
            actor=actor,
            channel=request.channel,
            user=request.requester,
            role=request.role,
            reason=reason,
            valid_until=valid_until,
            request=request,
        )
    elif grant:
        policy_services.platform_decision_record(
            actor=actor,
            platform=request.platform,
            outcome=DecisionOutcome.ALLOWED,
            departments=[request.department],
            rationale=f"On request of {request.requester}: {reason}",
            requested_by=request.requester,
        )
    audit.record(
        actor=actor,
        action="access.granted" if grant else "access.refused",
        target=request,
        data={"reason": reason, "requester": audit.personal(request.requester.email)},
    )
    notifications_done(key=request_key(request))  # the other deciders' requests
    notify(
        event="access.decided",
        recipients=[request.requester],
        title=format_lazy(
            gettext_lazy("Your request was granted by {person}")
            if grant
            else gettext_lazy("Your request was refused by {person}"),
            person=actor.get_full_name(),
        ),
        body=_decided_by(actor, reason),
        url=reverse("channels_registry:access_request_list"),
        target=request,
        data={"decided_by": actor.pk, "comment": reason, "granted": grant},
    )
    return request


NOW_HOLDS = {
    ChannelRole.OWNER: gettext_lazy("You are now owner of {channel}"),
    ChannelRole.ADMIN: gettext_lazy("You are now admin of {channel}"),
    ChannelRole.PUBLISHER: gettext_lazy("You are now publisher of {channel}"),
    ChannelRole.CONTRIBUTOR: gettext_lazy("You are now contributor of {channel}"),
}


@duties.refusals_recorded
@transaction.atomic
def grant_create(
    *,
    actor: User,
    channel: Channel,
    user: User,
    role: str,
    reason: str,
    valid_until=None,
    request: AccessRequest | None = None,
    holds_credentials: bool = False,
) -> AccessGrant:
    channel = _lock(channel)
    ensure(permissions.can_manage_access(actor, channel), _("Only the channel's owner or IT security grants access."))
    ensure_state(channel, *LIVE_STATES, ChannelState.SUSPENDED)
    if role not in ChannelRole.values:
        raise InvalidInput(
            _("Unknown role."),
            fields={"role": [_("Choose one of %(choices)s.") % {"choices": ", ".join(ChannelRole.values)}]},
        )
    ensure(user.is_active, _("People who left cannot be granted access."))
    # nobody grants access to themselves (IT security included): they ask, and someone else decides
    duties.ensure_may_decide(actor, duties.Decision(kind="grant", target=channel, subjects=[user]))
    reason = _require_reason(reason)
    membership = ChannelMembership.objects.select_for_update(of=("self",)).filter(
        channel=channel, user=user, ended_at__isnull=True
    )
    membership = membership.first()
    if membership is None:
        ChannelMembership.objects.create(channel=channel, user=user, role=role, holds_credentials=holds_credentials)
    else:
        membership.role = role
        membership.holds_credentials = membership.holds_credentials or holds_credentials
        membership.save(update_fields=["role", "holds_credentials"])
        AccessGrant.objects.filter(channel=channel, user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor, revoke_reason="Replaced by a new grant."
        )
    grant = AccessGrant.objects.create(
        channel=channel,
        user=user,
        role=role,
        granted_by=actor,
        reason=reason,
        request=request,
        valid_until=valid_until,
        review_by=timezone.localdate() + timedelta(days=GRANT_REVIEW_DAYS),
    )
    audit.record(
        actor=actor,
        action="access.granted_role",
        target=channel,
        data={
            "grant": grant.pk,
            "user": audit.personal(user.email),
            "role": role,
            "reason": reason,
            "valid_until": valid_until,
        },
        subject=user,
    )
    _flag_orphans(actor, [channel.pk])
    notify(
        event="access.grant_created",
        recipients=[user],
        title=format_lazy(NOW_HOLDS[grant.role], channel=channel.display_name),
        body=reason,
        url=channel_url(channel),
        target=channel,
    )
    return grant


@transaction.atomic
def grant_revoke(*, actor: User | None, grant: AccessGrant, reason: str) -> AccessGrant:
    grant = AccessGrant.objects.select_for_update(of=("self",)).select_related("channel", "user").get(pk=grant.pk)
    if actor is not None:
        ensure(permissions.can_manage_access(actor, grant.channel), _("Only the channel's owner or IT revokes access."))
    if grant.revoked_at is not None:
        raise Conflict(_("This grant is already revoked."), code="invalid_state")
    reason = _require_reason(reason)
    now = timezone.now()
    grant.revoked_at = now
    grant.revoked_by = actor
    grant.revoke_reason = reason
    grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    ChannelMembership.objects.filter(channel=grant.channel, user=grant.user, ended_at__isnull=True).update(
        ended_at=now, ended_reason=f"Grant revoked: {reason}"[:300]
    )
    recertifying = Recertification.objects.filter(grant=grant, state__in=OPEN_RECERT_STATES).update(
        state=RecertificationState.REVOKED, decided_by=actor, decided_at=now, note=reason
    )
    audit.record(
        actor=actor,
        action="access.revoked",
        target=grant.channel,
        data={"grant": grant.pk, "user": audit.personal(grant.user.email), "role": grant.role, "reason": reason},
        subject=grant.user_id,
    )
    _flag_orphans(actor, [grant.channel_id])
    notifications_done(key=grant_review_key(grant))  # IT's reminder that it is due for review
    if recertifying:
        _recertifications_done()
    notify(
        event="access.revoked",
        recipients=[grant.user],
        title=format_lazy(
            gettext_lazy("Your access to {channel} was revoked by {person}")
            if actor
            else gettext_lazy("Your access to {channel} was revoked"),
            channel=grant.channel.display_name,
            person=actor.get_full_name() if actor else "",
        ),
        body=_decided_by(actor, reason) if actor else _expiry_reason(grant) or reason,
        target=grant.channel,
        data={"decided_by": getattr(actor, "pk", None), "comment": reason},
    )
    return grant


def _expiry_reason(grant: AccessGrant, *, stored: bool = False) -> Any:
    """Why an expired grant was revoked: in English as the grant keeps it (``stored``), marked for its holder's
    notification; None when ``grant`` was revoked for another reason."""
    english = f"Granted until {grant.valid_until:%Y-%m-%d}."
    if stored:
        return english
    if grant.valid_until is None or grant.revoke_reason != english:
        return None
    return format_lazy(gettext_lazy("Granted until {date}."), date=f"{grant.valid_until:%Y-%m-%d}")


def grants_expire(*, now: datetime | None = None) -> int:
    """Revoke live grants whose ``valid_until`` has passed, end their memberships, flag orphans.

    One short transaction a grant (``grant_revoke`` locks that grant alone), not one holding every expired
    grant's lock until the last is done. Safe to run twice: revoked grants are no longer live.
    """
    now = now or timezone.now()
    expired = list(
        AccessGrant.objects.filter(revoked_at__isnull=True, valid_until__lt=now.date()).select_related(
            "channel", "user"
        )
    )
    revoked = 0
    for grant in expired:
        try:
            grant_revoke(actor=None, grant=grant, reason=_expiry_reason(grant, stored=True))
        except Conflict:  # revoked meanwhile
            continue
        revoked += 1
    return revoked


@transaction.atomic
def recertifications_open(*, now: datetime | None = None) -> dict[str, int]:
    """Open an item for every live grant past its review date; escalate week-old ones to IT.

    Bulk queries only; safe to run twice (one open item per grant at most).
    """
    now = now or timezone.now()
    open_items = Recertification.objects.filter(state__in=OPEN_RECERT_STATES)
    due = list(
        AccessGrant.objects.filter(revoked_at__isnull=True, review_by__lte=now.date())
        .exclude(pk__in=open_items.values("grant_id"))
        .values_list("pk", "channel_id")
    )
    if due:
        Recertification.objects.bulk_create(
            [Recertification(grant_id=g, opened_at=now, escalate_at=now + RECERT_ESCALATE_AFTER) for g, _ in due]
        )
        owners_of: dict[int, set[int]] = {}
        languages: dict[int, str] = {}  # the recipients' languages, read with the rows that name them
        for user_id, channel_id, language in ChannelMembership.objects.filter(
            channel_id__in={c for _, c in due}, role=ChannelRole.OWNER, ended_at__isnull=True, user__is_active=True
        ).values_list("user_id", "channel_id", "user__language"):
            owners_of.setdefault(channel_id, set()).add(user_id)
            languages[user_id] = language
        # Separation of duties: nobody recertifies their own grant. A grant whose holder is its channel's only
        # owner goes to IT security at once (the next level), not back to the holder.
        holders = dict(AccessGrant.objects.filter(pk__in=[g for g, _ in due]).values_list("pk", "user_id"))
        it_people = list(_it_people().values_list("pk", "language"))
        it_ids = [pk for pk, _language in it_people]
        languages.update((pk, language) for pk, language in it_people if pk not in languages)
        per_person: dict[int, list[int]] = {}
        for grant_id, channel_id in due:
            deciders = owners_of.get(channel_id, set()) - {holders[grant_id]}
            for user_id in deciders or (set(it_ids) - {holders[grant_id]}):
                per_person.setdefault(user_id, []).append(grant_id)
        url = reverse("channels_registry:recertification_list")
        notify_each(
            event="access.recertification_due",
            messages=[
                _in_language(
                    languages.get(user_id, ""),
                    user_id,
                    format_lazy(
                        ngettext_lazy(
                            "Confirm or revoke {count} access grant",
                            "Confirm or revoke {count} access grants",
                            len(grants),
                        ),
                        count=len(grants),
                    ),
                    gettext_lazy(
                        "Each grant is reviewed every 90 days by someone other than its holder. "
                        "Unanswered items go to IT after a week."
                    ),
                    url,
                    {"grants": grants},
                )
                for user_id, grants in sorted(per_person.items())
            ],
            webhook_title=site_text(
                format_lazy(
                    ngettext_lazy(
                        "{count} access grant due for recertification",
                        "{count} access grants due for recertification",
                        len(due),
                    ),
                    count=len(due),
                )
            ),
            webhook_url=url,
            webhook_data={"grants": [g for g, _ in due]},
            action_key=RECERTIFY_KEY,
        )
    late_rows = list(
        Recertification.objects.select_for_update(of=("self",))
        .filter(state=RecertificationState.OPEN, escalate_at__lte=now)
        .values_list("pk", "grant_id")
    )
    late = [pk for pk, _ in late_rows]
    if late:
        Recertification.objects.filter(pk__in=late).update(state=RecertificationState.ESCALATED, escalated_at=now)
        notify(
            event="access.recertification_escalated",
            recipients=_it_people(),
            title=format_lazy(
                ngettext_lazy(
                    "{count} recertification unanswered for a week",
                    "{count} recertifications unanswered for a week",
                    len(late),
                ),
                count=len(late),
            ),
            url=reverse("channels_registry:recertification_list"),
            data={"recertifications": late, "grants": [g for _, g in late_rows]},
            action_key=RECERTIFY_KEY,
        )
    if due or late:
        audit.record(
            actor=None,
            action="access.recertification_run",
            target_type="channels_registry.recertification",
            target_label="recertification run",
            data={"opened_for_grants": [g for g, _ in due], "escalated": late},
        )
    return {"opened": len(due), "escalated": len(late)}


@duties.refusals_recorded
@transaction.atomic
def recertification_decide(
    *, actor: User, recertification: Recertification, confirm: bool, note: str = ""
) -> Recertification:
    item = (
        Recertification.objects.select_for_update(of=("self",))
        .select_related("grant", "grant__channel", "grant__user")
        .get(pk=recertification.pk)
    )
    ensure(permissions.can_decide_recertification(actor, item), _("Only the channel's owner or IT security decides."))
    ensure_state(item, *OPEN_RECERT_STATES)
    duties.ensure_may_decide(actor, duties.Decision(kind="recertification", target=item, subjects=[item.grant.user_id]))
    note = (note or "").strip()[:MAX_TEXT]
    if not confirm and not note:
        raise InvalidInput(_("Say why the access is revoked."), fields={"note": [_("Say why the access is revoked.")]})
    now = timezone.now()
    grant = item.grant
    if confirm:
        # The grant changes too: lock it (the item's lock covers the item alone); one revoked meanwhile stays revoked.
        if AccessGrant.objects.select_for_update(of=("self",)).get(pk=grant.pk).revoked_at is not None:
            raise Conflict(_("This access was revoked meanwhile."), code="invalid_state")
        grant.review_by = now.date() + timedelta(days=GRANT_REVIEW_DAYS)
        grant.save(update_fields=["review_by"])
        item.state = RecertificationState.CONFIRMED
        item.decided_by = actor
        item.decided_at = now
        item.note = note
        item.save(update_fields=["state", "decided_by", "decided_at", "note"])
        audit.record(
            actor=actor,
            action="access.recertified",
            target=grant.channel,
            data={
                "grant": grant.pk,
                "user": audit.personal(grant.user.email),
                "review_by": grant.review_by,
                "note": note,
            },
            subject=grant.user_id,
        )
        _recertifications_done()
        notifications_done(key=grant_review_key(grant))  # IT's reminder that it is due for review
        notify(
            event="access.recertified",
            recipients=[grant.user],
            title=format_lazy(
                gettext_lazy("{person} confirmed your access to {channel}"),
                person=actor.get_full_name(),
                channel=grant.channel.display_name,
            ),
            body=format_lazy(
                "{}\n{}",
                _decided_by(actor, note),
                format_lazy(gettext_lazy("Next review by {date}."), date=f"{grant.review_by:%Y-%m-%d}"),
            ),
            url=channel_url(grant.channel),
            target=grant.channel,
            data={"decided_by": actor.pk, "comment": note, "review_by": grant.review_by},
        )
    else:
        grant_revoke(actor=actor, grant=grant, reason=f"Not recertified: {note}")
        item.refresh_from_db()
    return item


# --- Reported accounts ---------------------------------------------------------------------------


@transaction.atomic
def reported_account_create(*, actor: User, platform: Platform, url: str, note: str = "") -> ReportedAccount:
    ensure(permissions.may_act(actor), _("Auditors change nothing."))
    errors: dict[str, list[str]] = {}
    try:
        url = normalise_url(None, url)
    except InvalidInput as exc:
        errors.update(exc.fields)
    note = _text(note, "note", errors, required=False)
    if errors:
        raise InvalidInput(_("The report was not saved."), fields=errors)
    report = ReportedAccount.objects.create(platform=platform, url=url, note=note, reported_by=actor)
    audit.record(
        actor=actor, action="reported_account.created", target=report, data={"url": url, "platform": platform.slug}
    )
    notify(
        event="reported_account.created",
        recipients=_it_people().exclude(pk=actor.pk),
        title=format_lazy(
            gettext_lazy("An account claims to be us: {platform} {url}"), platform=platform.name, url=url
        ),
        body=note,
        url=reverse("channels_registry:it_desk"),
        target=report,
    )
    return report


TRIAGE_OUTCOMES = (ReportedState.CLAIMED, ReportedState.TAKEDOWN, ReportedState.FAN_PAGE, ReportedState.DISMISSED)
# What the person who reported an account reads, by the outcome.
TRIAGED_AS = {
    ReportedState.CLAIMED: gettext_lazy("Your report of {url} was triaged by {person}: claimed (registered)"),
    ReportedState.TAKEDOWN: gettext_lazy("Your report of {url} was triaged by {person}: takedown requested"),
    ReportedState.FAN_PAGE: gettext_lazy(
        "Your report of {url} was triaged by {person}: accepted as an unofficial fan page"
    ),
    ReportedState.DISMISSED: gettext_lazy("Your report of {url} was triaged by {person}: dismissed"),
}


@duties.refusals_recorded
@transaction.atomic
def reported_account_triage(
    *, actor: User, report: ReportedAccount, outcome: str, note: str = "", channel: Channel | None = None
) -> ReportedAccount:
    report = (
        ReportedAccount.objects.select_for_update(of=("self",))
        .select_related("platform", "reported_by")
        .get(pk=report.pk)
    )
    ensure(permissions.is_it_decider(actor), _("Only IT security triages reported accounts."))
    ensure_state(report, ReportedState.NEW, ReportedState.TAKEDOWN)
    duties.ensure_may_decide(
        actor, duties.Decision(kind="report_triage", target=report, requested_by=[report.reported_by_id])
    )
    if outcome not in TRIAGE_OUTCOMES:
        raise InvalidInput(
            _("Unknown outcome."),
            fields={"outcome": [_("Choose one of %(choices)s.") % {"choices": ", ".join(TRIAGE_OUTCOMES)}]},
        )
    if outcome == ReportedState.CLAIMED:
        if channel is None:
            raise InvalidInput(
                _("Register the account as a channel first, then claim it."),
                fields={"channel": [_("Choose the channel it was registered as.")]},
            )
        if channel.platform_id != report.platform_id:
            raise InvalidInput(_("Wrong platform."), fields={"channel": [_("That channel is on another platform.")]})
    report.state = outcome
    report.triaged_by = actor
    report.triaged_at = timezone.now()
    report.triage_note = (note or "").strip()[:MAX_TEXT]
    report.channel = channel if outcome == ReportedState.CLAIMED else None
    report.save(update_fields=["state", "triaged_by", "triaged_at", "triage_note", "channel"])
    audit.record(
        actor=actor,
        action="reported_account.triaged",
        target=report,
        data={"outcome": outcome, "note": report.triage_note, "channel": getattr(channel, "pk", None)},
    )
    notify(
        event="reported_account.triaged",
        recipients=[report.reported_by],
        title=format_lazy(TRIAGED_AS[report.state], url=report.url, person=actor.get_full_name()),
        body=_decided_by(actor, report.triage_note),
        target=report,
        data={"decided_by": actor.pk, "comment": report.triage_note},
    )
    return report
