"""Who may see and do what in the registry. Used by services, selectors, views and the API alike.

Everyone signed in sees a channel's public facts. Its security details (custodians'
access, MFA, where the credentials are kept) are for its custodians, its
department's managers, IT security and auditors. Auditors read everything and
change nothing.
"""

from __future__ import annotations

from typing import Any

from accounts import permissions as accounts_permissions
from accounts.choices import Role
from accounts.permissions import is_auditor, is_it_security, mfa_satisfied
from channels_registry.choices import CUSTODIAN_ROLES, AccessRequestKind
from channels_registry.models import AccessRequest, Channel, ChannelMembership, Recertification


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def may_act(user: Any) -> bool:
    """Signed in, active, and not an auditor (who reads everything and changes nothing)."""
    return _signed_in(user) and not (is_auditor(user) and not is_it_security(user))


def department_roles(user: Any) -> dict[int, str]:
    """department id -> the user's role there (none for an inactive account), read once per user object."""
    if not _signed_in(user):
        return {}
    return accounts_permissions.department_roles(user)


def managed_department_ids(user: Any) -> set[int]:
    return {d for d, r in department_roles(user).items() if r == Role.MANAGER}


def is_manager_of(user: Any, department_id: int) -> bool:
    return department_id in managed_department_ids(user)


def live_memberships(user: Any, channel: Channel) -> list[ChannelMembership]:
    """The user's live memberships of ``channel`` (uses a prefetched ``live_members`` when there)."""
    if not _signed_in(user):
        return []
    members = getattr(channel, "live_members", None)
    if members is not None:
        return [m for m in members if m.user_id == user.pk]
    return list(ChannelMembership.objects.filter(channel=channel, user=user, ended_at__isnull=True))


def is_custodian(user: Any, channel: Channel) -> bool:
    return any(m.role in CUSTODIAN_ROLES or m.holds_credentials for m in live_memberships(user, channel))


def is_owner(user: Any, channel: Channel) -> bool:
    return any(m.role == "owner" for m in live_memberships(user, channel))


def can_view_security(user: Any, channel: Channel) -> bool:
    if not _signed_in(user):
        return False
    return (
        is_it_security(user)
        or is_auditor(user)
        or is_manager_of(user, channel.department_id)
        or is_custodian(user, channel)
    )


def can_register(user: Any) -> bool:
    return may_act(user) and (bool(department_roles(user)) or is_it_security(user))


def can_register_for(user: Any, department_id: int) -> bool:
    return may_act(user) and (department_id in department_roles(user) or is_it_security(user))


def can_approve(user: Any, channel: Channel) -> bool:
    """The department's managers approve its registrations (a superuser may too)."""
    return may_act(user) and (is_manager_of(user, channel.department_id) or bool(user.is_superuser))


def is_it_decider(user: Any) -> bool:
    """IT security decides only after two-factor sign-in."""
    return may_act(user) and is_it_security(user) and mfa_satisfied(user)


def can_security_review(user: Any, channel: Channel | None = None) -> bool:
    return is_it_decider(user)


def can_reject(user: Any, channel: Channel) -> bool:
    return can_approve(user, channel) or is_it_decider(user)


def can_log_activity(user: Any, channel: Channel) -> bool:
    return may_act(user) and (
        bool(live_memberships(user, channel)) or is_manager_of(user, channel.department_id) or is_it_security(user)
    )


def can_manage_access(user: Any, channel: Channel) -> bool:
    return may_act(user) and (is_owner(user, channel) or is_it_decider(user))


def can_decide_request(user: Any, request: AccessRequest) -> bool:
    if request.kind == AccessRequestKind.PLATFORM:
        return is_it_decider(user)
    return request.channel is not None and can_manage_access(user, request.channel)


def can_decide_recertification(user: Any, recertification: Recertification) -> bool:
    return can_manage_access(user, recertification.grant.channel)


def can_see_it_desk(user: Any) -> bool:
    return _signed_in(user) and (is_it_security(user) or is_auditor(user))


def can_offboard(user: Any) -> bool:
    return may_act(user) and (is_it_security(user) or bool(user.is_staff)) and mfa_satisfied(user)
