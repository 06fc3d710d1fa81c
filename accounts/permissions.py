"""Predicates about people, used by services, views and the API alike."""

from __future__ import annotations

from typing import Any

from accounts.choices import Group, Role


def group_names(user: Any) -> frozenset[str]:
    """The user's group names, read once per user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_sg_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._sg_group_names = cached
    return cached


def remember(user: Any, *, groups: frozenset[str], mfa: bool) -> None:
    """What ``group_names`` and ``has_mfa`` would read, when the query that loaded the user read it too."""
    user._sg_group_names = groups
    user._sg_has_mfa = mfa


def membership_rows(user: Any) -> list[tuple[int, str, str]]:
    """(department id, department name, role) per membership, by department name: read once per user object
    (the registry's ``department_roles``, policies' ``person_facts`` and the dashboard's card share it), kept
    under the person's version (``core.objects``: ``membership_set`` / ``membership_remove`` bump it,
    ``department_save`` the organisation's)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_sg_memberships", None)
    if cached is None:
        from core import objects

        cached = objects.of_person(user, "memberships", lambda: (_memberships_of(user.pk), None))
        user._sg_memberships = cached
    return cached


def _memberships_of(user_id: int) -> list[tuple[int, str, str]]:
    from accounts.models import Membership

    return list(
        Membership.objects.filter(user_id=user_id)
        .order_by("department__name")
        .values_list("department_id", "department__name", "role")
    )


def department_roles(user: Any) -> dict[int, str]:
    """department id -> the user's role there (one membership per department), read once per user object: the
    registry's and approvals' permissions and the policy gates all ask, one query (``membership_rows``) answers."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_sg_department_roles", None)
    if cached is None:
        cached = {dept: role for dept, _, role in membership_rows(user)}
        user._sg_department_roles = cached
    return cached


def is_it_security(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or Group.IT_SECURITY in group_names(user)


def is_auditor(user: Any) -> bool:
    return Group.AUDITOR in group_names(user)


def is_communications(user: Any) -> bool:
    return Group.COMMUNICATIONS in group_names(user)


def can_read_audit(user: Any) -> bool:
    return is_auditor(user) or is_it_security(user)


def requires_mfa(user: Any) -> bool:
    """Everyone who decides or exports signs in with a second factor: the roles ``settings.MFA_REQUIRED_ROLES``
    lists (by default department managers and reviewers, communications, IT security, auditors and staff)."""
    from django.conf import settings

    if not getattr(user, "is_authenticated", False):
        return False
    roles = settings.MFA_REQUIRED_ROLES
    if "staff" in roles and (user.is_staff or user.is_superuser):
        return True
    if roles & group_names(user):
        return True
    return bool(roles & set(department_roles(user).values()))


def has_mfa(user: Any) -> bool:
    from allauth.mfa.utils import is_mfa_enabled

    cached = getattr(user, "_sg_has_mfa", None)
    if cached is None:
        cached = is_mfa_enabled(user)
        user._sg_has_mfa = cached
    return cached


# Set at sign-in (sso.receivers) when the identity provider asserted a second factor: OIDC ``amr`` with mfa, otp
# or hwk, or one of the SAML AuthnContextClassRefs configured for the provider. A password sign-in clears it.
IDP_MFA_SESSION_KEY = "sg_idp_mfa"


def mfa_satisfied(user: Any, request: Any = None) -> bool:
    """The one answer to "is this person's second factor satisfied" (the middleware, the API's permission and every
    deciding service ask it). A person enrolled in allauth's MFA (TOTP or a passkey) passed it to sign in: allauth
    asks an enrolled person's factor at every sign-in, the admin's included, and a passkey sign-in is one. A person
    whose identity provider asserted a second factor at this session's sign-in passed one there: given the request,
    that is read from its session and remembered on the user object, so the services deciding later in the same
    request (which are handed only the user) see it too."""
    if request is not None and getattr(user, "is_authenticated", False):
        session = getattr(request, "session", None)
        user._sg_idp_mfa = bool(session is not None and session.get(IDP_MFA_SESSION_KEY))
    if getattr(user, "_sg_idp_mfa", False):
        return True
    enrolled = getattr(user, "_sg_has_mfa", None)  # read with the person (backends, tokens)
    if enrolled is None and getattr(user, "is_authenticated", False):
        enrolled = has_mfa(user)
    return bool(enrolled) or not requires_mfa(user)  # only someone not enrolled: do their roles need it?


def ensure_mfa(user: Any) -> None:
    """Deciding anything needs two-factor sign-in when the role requires it (403 otherwise)."""
    from core.errors import Forbidden

    if not mfa_satisfied(user):
        raise Forbidden("Set up two-factor authentication before deciding anything.", code="mfa_required")


def can_deactivate_users(user: Any) -> bool:
    return bool(getattr(user, "is_active", False)) and (is_it_security(user) or bool(user.is_staff))


def can_manage_department(user: Any, department: Any) -> bool:
    """Manage the department's members: its managers, IT security and administrators (the memberships the
    permission checks read anyway: no query of its own)."""
    if not getattr(user, "is_active", False):
        return False
    if is_it_security(user) or user.is_staff:
        return True
    return department_roles(user).get(getattr(department, "pk", department)) == Role.MANAGER


def can_read_members(user: Any, department: Any) -> bool:
    """See who belongs to a department and in which role: whoever manages it, and auditors (who change nothing)."""
    return can_manage_department(user, department) or is_auditor(user)


def can_grant_role(user: Any, role: str) -> bool:
    """Who may give or take ``role``: a department's managers give and take member and reviewer; the manager role
    itself (which approves registrations and manages members) only IT security and administrators."""
    if role == Role.MANAGER:
        return is_it_security(user) or bool(getattr(user, "is_staff", False))
    return True
