"""Domain errors shared by every app's services.

A leaf module: it imports nothing from the apps, so every layer may use it.
Views map these to messages, the API to 400 / 403 / 404 / 409.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class InvalidInput(DomainError):
    status = 400
    code = "invalid"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class GateClosed(Forbidden):
    """Not yet: the person lacks something they can fix (``reasons``: objects with ``message`` and ``fix_url``)."""

    code = "gate"

    def __init__(self, message: str, *, reasons: Any = ()):
        super().__init__(message)
        self.reasons = [
            {"message": getattr(r, "message", str(r)), "fix_url": getattr(r, "fix_url", "")} for r in reasons
        ]


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The object is not in a state that allows this step."""

    status = 409
    code = "conflict"


def ensure(condition: Any, message: str) -> None:
    """Refuse the action (403) unless ``condition`` holds."""
    if not condition:
        raise Forbidden(message)


def ensure_state(obj: Any, *allowed: str, field: str = "state") -> None:
    """Refuse the transition (409) unless ``obj`` is in one of ``allowed`` states."""
    current = getattr(obj, field)
    if current not in allowed:
        label = getattr(obj, f"get_{field}_display", lambda: current)()
        raise Conflict(_("This cannot be done while it is %(state)s.") % {"state": label}, code="invalid_state")
