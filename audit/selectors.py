import json

from django.db.models import QuerySet

from audit.models import AuditEvent

VIEW_PERMISSION = "audit.view_auditevent"


def can_read_trail(user) -> bool:
    """Auditors and IT security hold the view permission (granted to their groups by migration)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(VIEW_PERMISSION))


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
