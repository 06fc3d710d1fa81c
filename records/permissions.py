"""Who does what with the record. Compliance and IT security keep it (holds, exports, requests); auditors read it;
only IT security erases (as ``audit.services.audit_erase_person`` asks)."""

from __future__ import annotations

from typing import Any

from accounts.choices import Group
from accounts.permissions import group_names, is_auditor, is_it_security


def is_compliance(user: Any) -> bool:
    return Group.COMPLIANCE in group_names(user)


def can_read_records(user: Any) -> bool:
    """The records pages, the holds, the retention runs and the request log."""
    return bool(getattr(user, "is_active", False)) and (is_it_security(user) or is_compliance(user) or is_auditor(user))


def can_keep_records(user: Any) -> bool:
    """Set and release legal holds, export a person's data (art. 15)."""
    return bool(getattr(user, "is_active", False)) and (is_it_security(user) or is_compliance(user))


def can_export_archive(user: Any) -> bool:
    return can_read_records(user)


def can_set_retention(user: Any) -> bool:
    return bool(getattr(user, "is_active", False)) and (is_it_security(user) or is_compliance(user))


def can_erase(user: Any) -> bool:
    return bool(getattr(user, "is_active", False)) and is_it_security(user)
