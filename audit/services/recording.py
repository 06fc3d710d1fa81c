"""Writing the trail: ``record`` and ``record_many`` insert events unchained, with their personal rows and a row in
the sequencer's queue, inside the caller's transaction."""

from __future__ import annotations

import ipaddress
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from audit import context
from audit.hashing import canonical_json, commitment
from audit.models import AuditEvent, AuditPersonal, PendingEvent
from audit.services.sequencing import kick_sequencer


@dataclass(frozen=True)
class Personal:
    """A value in an event's ``data`` that names a person: kept in the subject's personal row, erasable."""

    value: Any


def personal(value: Any) -> Personal:
    """Mark ``data={"user": audit.personal(user.email)}``: the value is about the event's subject."""
    return Personal(value)


def _normal_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return ipaddress.ip_address(ip).compressed
    except ValueError:
        return None


def _subject_id(target: Any, subject: Any) -> int | None:
    """Whom the target's label (and the marked data) names: ``subject``, a person as target, or the person
    a target model names through its ``audit_subject`` attribute path (e.g. ``"user_id"``, ``"grant.user_id"``)."""
    if subject is not None:
        return subject if isinstance(subject, int) else subject.pk
    if target is None:
        return None
    if isinstance(target, get_user_model()):
        return target.pk
    path = getattr(type(target), "audit_subject", None)
    if not path:
        return None
    value = target
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _salt() -> str:
    return secrets.token_hex(16)


def _row(ref: str, person_id: int | None, label: str, ip: str | None, data: dict[str, Any]) -> AuditPersonal:
    salt = _salt()
    return AuditPersonal(
        ref=ref,
        person_id=person_id,
        salt=salt,
        commitment=commitment(salt, label, ip, data),
        label=label,
        ip=ip,
        data=data,
    )


def _split(data: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what names nobody, the marked personal values), both as stored (JSON-native)."""
    plain, marked = {}, {}
    for key, value in (data or {}).items():
        (marked if isinstance(value, Personal) else plain)[key] = value.value if isinstance(value, Personal) else value
    return json.loads(canonical_json(plain)), json.loads(canonical_json(marked))


def _actor_row(actor_obj: Any, ip: str | None) -> AuditPersonal | None:
    if actor_obj is None and ip is None:
        return None
    label = actor_obj.get_username()[:254] if actor_obj is not None else ""
    return _row("actor", actor_obj.pk if actor_obj is not None else None, label, ip, {})


def record(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    target_type: str = "",
    target_id: Any = "",
    target_label: str = "",
    data: dict[str, Any] | None = None,
    subject: Any = None,
) -> AuditEvent:
    """Append one event. ``actor`` is a user or None (the system). ``subject`` (a user) is whom the target's
    label and the ``personal()`` values in ``data`` name, when the target does not say (see ``_subject_id``)."""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = target.pk
        target_label = target_label or str(target)
    actor_obj = actor if getattr(actor, "pk", None) else None
    target_label = str(target_label)[:200]
    plain, marked = _split(data)
    subject_id = _subject_id(target, subject)
    if marked and subject_id is None:
        raise ValueError(f"{action}: personal values in data need a subject (the person they name).")
    ip = _normal_ip(context.client_ip.get())
    rows = [r for r in (_actor_row(actor_obj, ip),) if r is not None]
    if subject_id is not None:
        rows.append(_row("subject", subject_id, target_label, None, marked))
    event = AuditEvent(
        created_at=timezone.now(),
        actor=actor_obj,
        action=action,
        target_type=target_type,
        target_id=str(target_id)[:64],
        target_text="" if subject_id is not None else target_label,
        data=plain,
        request_id=context.request_id.get()[:64],
    )
    # No savepoint: the three inserts stand or fall with the caller's transaction (or form their own).
    with transaction.atomic(savepoint=False):
        event.save()
        for r in rows:
            r.event = event
        if rows:
            AuditPersonal.objects.bulk_create(rows)
        PendingEvent.objects.create(event=event)
    transaction.on_commit(kick_sequencer)
    # What the trail's readers show (audit.selectors annotates the same from the rows)
    event.actor_label = actor_obj.get_username()[:254] if actor_obj else "system"
    event.target_label = target_label
    event.ip = ip
    event.details = {**plain, **marked}
    return event


def record_many(
    *,
    actor: Any,
    action: str,
    target_type: str,
    entries: Sequence[tuple[Any, str, dict[str, Any] | None]],
) -> int:
    """Append one event per ``(target_id, target_label, data)`` in ``entries``: a bulk change's trail.

    Labels and data name nobody here (channels, runs). Three statements whatever the number of events,
    and no lock. Returns how many were written.
    """
    if not entries:
        return 0
    actor_obj = actor if getattr(actor, "pk", None) else None
    request_id = context.request_id.get()[:64]
    ip = _normal_ip(context.client_ip.get())
    created_at = timezone.now()
    events, rows = [], []
    for target_id, target_label, data in entries:
        plain, marked = _split(data)
        if marked:
            raise ValueError(f"{action}: record_many takes no personal values.")
        row = _actor_row(actor_obj, ip)
        events.append(
            AuditEvent(
                created_at=created_at,
                actor=actor_obj,
                action=action,
                target_type=target_type,
                target_id=str(target_id)[:64],
                target_text=str(target_label)[:200],
                data=plain,
                request_id=request_id,
            )
        )
        rows.append(row)
    with transaction.atomic(savepoint=False):
        AuditEvent.objects.bulk_create(events)
        personal_rows = []
        for event, row in zip(events, rows, strict=True):
            if row is not None:
                row.event = event
                personal_rows.append(row)
        if personal_rows:
            AuditPersonal.objects.bulk_create(personal_rows)
        PendingEvent.objects.bulk_create([PendingEvent(event=e) for e in events])
    transaction.on_commit(kick_sequencer)
    return len(events)
