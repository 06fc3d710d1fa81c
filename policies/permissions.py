"""Predicates about platforms and IT's decisions."""

from __future__ import annotations

from typing import Any

from accounts.permissions import is_auditor, is_communications, is_it_security


def can_manage_platforms(user: Any) -> bool:
    return bool(getattr(user, "is_active", False)) and is_it_security(user)


def can_decide_platforms(user: Any) -> bool:
    return can_manage_platforms(user)


def can_manage_rules(user: Any) -> bool:
    """IT security and communications (brand) write the content rules."""
    return bool(getattr(user, "is_active", False)) and (is_it_security(user) or is_communications(user))


def can_read_rules(user: Any) -> bool:
    """Rules name confidential code words: only those who write or audit them read them."""
    return can_manage_rules(user) or is_auditor(user)


def can_manage_policies(user: Any) -> bool:
    """Communications and IT security publish policies and courses."""
    return can_manage_rules(user)


def can_read_coverage(user: Any) -> bool:
    return can_manage_policies(user) or is_auditor(user)


def manages(actor: Any, user: Any) -> bool:
    """IT security, or a manager of a department ``user`` belongs to."""
    from accounts.choices import Role
    from accounts.models import Membership

    if is_it_security(actor):
        return True
    departments = Membership.objects.filter(user=user).values("department")
    return Membership.objects.filter(user=actor, role=Role.MANAGER, department__in=departments).exists()
