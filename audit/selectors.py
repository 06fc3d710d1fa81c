import functools
import json

from django.contrib.auth import get_backends
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

from audit.models import AuditEvent

VIEW_PERMISSION = "audit.view_auditevent"


@functools.cache
def _model_backends_only() -> bool:
    return all(isinstance(backend, ModelBackend) for backend in get_backends())


def can_read_trail(user) -> bool:
    """Auditors and IT security hold the view permission (granted to their groups by migration).

    ``user.has_perm`` reads all the user's permissions, then all their groups' (two queries) to answer
    this one question; when every authentication backend is Django's model backend (which is all it
    consults), one query asks whether the user or one of their groups holds this permission."""
    if not getattr(user, "is_authenticated", False):
        return False
    if hasattr(user, "_perm_cache") or not _model_backends_only():
        return user.has_perm(VIEW_PERMISSION)
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    app_label, codename = VIEW_PERMISSION.split(".")
    held = Q(user=user) | Q(group__user=user)
    return Permission.objects.filter(held, content_type__app_label=app_label, codename=codename).exists()


def events_for(obj, *, limit: int = 50) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_object(obj).select_related(None).order_by("-id")[:limit])


def trail() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.order_by("-id")


EXPORT_COLUMNS = [
    ("id", lambda e: e.id),
    ("created_at", lambda e: e.created_at.isoformat()),
    ("actor", lambda e: e.actor_label),
    ("action", lambda e: e.action),
    ("target_type", lambda e: e.target_type),
    ("target_id", lambda e: e.target_id),
    ("target_label", lambda e: e.target_label),
    ("data", lambda e: json.dumps(e.data, sort_keys=True, ensure_ascii=False)),
    ("request_id", lambda e: e.request_id),
    ("ip", lambda e: e.ip or ""),
    ("prev_hash", lambda e: e.prev_hash),
    ("hash", lambda e: e.hash),
]
