"""Reads of the record for its pages, the API and the held objects' notices."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from records.models import ArchiveExport, LegalHold, RetentionRun, SubjectRequest
from records.permissions import can_read_records
from records.registry import RECORD_TYPES, RecordType


def holds() -> QuerySet[LegalHold]:
    return LegalHold.objects.select_related("channel", "department", "set_by", "released_by").order_by(
        "-created_at", "-id"
    )


def subject_requests() -> QuerySet[SubjectRequest]:
    return SubjectRequest.objects.select_related("handled_by").order_by("-created_at", "-id")


def retention_runs(limit: int = 10) -> list[RetentionRun]:
    return list(RetentionRun.objects.order_by("-started_at", "-id")[:limit])


def archive_exports(limit: int = 20) -> list[ArchiveExport]:
    return list(ArchiveExport.objects.select_related("channel", "made_by").order_by("-created_at", "-id")[:limit])


def record_type_of(obj: Any) -> RecordType | None:
    return next((t for t in RECORD_TYPES.values() if t.model_class() is type(obj)), None)


def hold_notice(obj: Any, user) -> dict[str, Any]:
    """What the legal-hold notice include needs on a detail page, read by the view (never from the template)."""
    return {"holds": list(holds_covering(obj)), "see_hold_reasons": can_read_records(user)}


def holds_covering(obj: Any) -> list[LegalHold]:
    """The active holds that cover ``obj`` (a row of a registered kind, or a channel: the holds on its records), in
    one query: each criterion a hold names must match the row (``RecordType.hold_q`` says the same from the other
    side, for many rows at once)."""
    from channels_registry.models import Channel

    if isinstance(obj, Channel):
        on_it = Q(channel_id=obj.pk) | Q(channel__isnull=True, department_id=obj.department_id)
        return list(LegalHold.objects.filter(on_it, released_at__isnull=True).order_by("id"))
    kind = record_type_of(obj)
    if kind is None:
        return []
    this = kind.model_class()._default_manager.filter(pk=obj.pk)
    nothing = Q(pk__in=[])

    def criterion(name: str, path: str) -> Q:
        return Q(**{f"{name}__isnull": True}) | (Q(**{f"{name}_id__in": this.values(path)}) if path else nothing)

    q = Q(released_at__isnull=True) & criterion("channel", kind.channel) & criterion("department", kind.department)
    people = nothing
    for path in kind.person:
        people |= Q(person_id__in=this.values(path))
    q &= Q(person__isnull=True) | people
    day = timezone.localdate(getattr(obj, kind.date_field))
    q &= (Q(date_from__isnull=True) | Q(date_from__lte=day)) & (Q(date_to__isnull=True) | Q(date_to__gte=day))
    return list(LegalHold.objects.filter(q).order_by("id"))


def covered_counts(hold: LegalHold) -> dict[str, int]:
    """What a hold keeps: rows per kind of record."""
    counts = {}
    for key, kind in RECORD_TYPES.items():
        q = kind.hold_q(hold)
        counts[key] = kind.model_class()._default_manager.filter(q).distinct().count() if q is not None else 0
    return counts
