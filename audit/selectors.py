import functools
import json

from django.contrib.auth import get_backends
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import F, FilteredRelation, Func, JSONField, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf

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


class JSONMerge(Func):
    """``data`` with ``extra``'s keys added (both JSON objects; extra may be NULL)."""

    output_field = JSONField()

    def __init__(self, data, extra, **extras):
        super().__init__(data, Coalesce(extra, Value({}, output_field=JSONField())), **extras)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" || ", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSON_PATCH", **extra_context)


def with_people(qs: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """Events with what their readers show, in the same query: ``actor_label`` ("system" for none),
    ``target_label``, ``ip`` and ``details`` (``data`` with the subject's personal values) from the personal
    rows (``[erased]`` once erased), and the chain's ``position``, ``prev_hash`` and ``hash`` (None while pending)."""
    return qs.annotate(
        actor_row=FilteredRelation("personal", condition=Q(personal__ref="actor")),
        subject_row=FilteredRelation("personal", condition=Q(personal__ref="subject")),
    ).annotate(
        actor_label=Coalesce(NullIf(F("actor_row__label"), Value("")), Value("system")),
        target_label=Coalesce(NullIf(F("subject_row__label"), Value("")), F("target_text")),
        ip=F("actor_row__ip"),
        details=JSONMerge(F("data"), F("subject_row__data")),
        position=F("link__position"),
        prev_hash=F("link__prev_hash"),
        hash=F("link__hash"),
    )


def events_for(obj, *, limit: int = 50) -> list[AuditEvent]:
    """The object's history, newest first: events as soon as they commit (they need not be chained yet)."""
    return list(with_people(AuditEvent.objects.for_object(obj)).order_by("-id")[:limit])


def trail() -> QuerySet[AuditEvent]:
    return with_people(AuditEvent.objects.all()).order_by("-id")


EXPORT_COLUMNS = [
    ("id", lambda e: e.id),
    ("created_at", lambda e: e.created_at.isoformat()),
    ("actor", lambda e: e.actor_label),
    ("action", lambda e: e.action),
    ("target_type", lambda e: e.target_type),
    ("target_id", lambda e: e.target_id),
    ("target_label", lambda e: e.target_label),
    ("data", lambda e: json.dumps(e.details, sort_keys=True, ensure_ascii=False)),
    ("request_id", lambda e: e.request_id),
    ("ip", lambda e: e.ip or ""),
    ("position", lambda e: e.position or ""),
    ("prev_hash", lambda e: e.prev_hash or ""),
    ("hash", lambda e: e.hash or ""),
]
