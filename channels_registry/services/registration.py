"""Registration: a channel proposed, its custodians named."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Department, User
from audit import services as audit
from channels_registry import permissions
from channels_registry.choices import (
    REGISTRATION_GRANT_REASON,
    ChannelRole,
    ChannelState,
)
from channels_registry.models import (
    AccessGrant,
    Channel,
    ChannelMembership,
)
from channels_registry.services._common import (
    GRANT_REVIEW_DAYS,
    MAX_CUSTODIANS,
    MAX_PURPOSE,
    _text,
    channel_url,
    decide_key,
)
from channels_registry.services.separation import registration_route
from channels_registry.validation import corporate_domains, is_corporate_address, vault_reference_problem
from core.errors import InvalidInput, ensure
from notifications.services import notify
from policies.gates import ensure_open, may_register_channel, registration_blockers
from policies.handles import normalise_handle, normalise_url
from policies.models import Platform


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
