"""Who reads the reports, and over which departments."""

from __future__ import annotations

from typing import Any

from accounts.permissions import is_auditor, is_communications, is_it_security
from channels_registry.permissions import managed_department_ids


def reads_all_departments(user: Any) -> bool:
    return is_auditor(user) or is_it_security(user) or is_communications(user)


def report_departments(user: Any) -> frozenset[int] | None:
    """``None``: every department; a set: only these (a manager's own); empty: no reports at all."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if reads_all_departments(user):
        return None
    return frozenset(managed_department_ids(user))


def can_read_reports(user: Any) -> bool:
    departments = report_departments(user)
    return departments is None or bool(departments)
