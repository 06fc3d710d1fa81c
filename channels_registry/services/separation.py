"""Separation of duties: the decisions' parties and who decides."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.selectors import department_managers
from audit import duties
from channels_registry.choices import (
    CUSTODIAN_ROLES,
    AccessRequestKind,
    ChannelRole,
    ChannelState,
)
from channels_registry.models import (
    AccessRequest,
    Channel,
    ChannelMembership,
)
from channels_registry.services._common import _administrators, _it_people

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
