"""Predicates about platforms and IT's decisions."""

from __future__ import annotations

from typing import Any

from accounts.permissions import is_it_security


def can_manage_platforms(user: Any) -> bool:
    return bool(getattr(user, "is_active", False)) and is_it_security(user)


def can_decide_platforms(user: Any) -> bool:
    return can_manage_platforms(user)
