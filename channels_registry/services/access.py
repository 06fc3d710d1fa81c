"""Access: requests and grants."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department, User
from audit import duties
from audit import services as audit
from channels_registry import permissions
from channels_registry.choices import (
    LIVE_STATES,
    OPEN_RECERT_STATES,
    AccessRequestKind,
    AccessRequestState,
    ChannelRole,
    ChannelState,
    RecertificationState,
)
from channels_registry.models import (
    AccessGrant,
    AccessRequest,
    Channel,
    ChannelMembership,
    Recertification,
)
from channels_registry.services._common import (
    GRANT_REVIEW_DAYS,
    _lock,
    _recertifications_done,
    _require_reason,
    channel_url,
    grant_review_key,
    request_key,
)
from channels_registry.services.offboarding import _flag_orphans
from channels_registry.services.separation import access_request_decision, access_request_route
from core.errors import Conflict, InvalidInput, ensure, ensure_state
from notifications.services import decided_by, notifications_done, notify
from policies import services as policy_services
from policies.choices import DecisionOutcome
from policies.models import Platform


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
        body=decided_by(actor, reason),
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
        body=decided_by(actor, reason) if actor else _expiry_reason(grant) or reason,
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
