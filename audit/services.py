"""The one way into the audit trail.

``record`` is called inside the service's transaction, so the event commits or
rolls back with the change it describes. Events are hash-chained: each stores
the previous event's hash and SHA-256 over its own canonical form plus that
hash; ``verify_chain`` walks the chain and names the first event that does not
fit.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from audit import context
from audit.models import AuditEvent

GENESIS = "0" * 64
# Any fixed 64-bit number: the advisory lock that serialises appends on PostgreSQL.
_CHAIN_LOCK_KEY = 0x50C1A1607A0D17


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)


def compute_hash(event: AuditEvent, prev_hash: str) -> str:
    body = canonical_json(
        {
            "created_at": event.created_at.astimezone(UTC).isoformat(),
            "actor_id": event.actor_id,
            "actor_label": event.actor_label,
            "action": event.action,
            "target_type": event.target_type,
            "target_id": event.target_id,
            "target_label": event.target_label,
            "data": event.data,
            "request_id": event.request_id,
            "ip": event.ip,
        }
    )
    return hashlib.sha256((prev_hash + "\n" + body).encode()).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    # SQLite: transactions begin IMMEDIATE (settings), so there is one writer at a time.


def _normal_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return ipaddress.ip_address(ip).compressed
    except ValueError:
        return None


def record(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    target_type: str = "",
    target_id: Any = "",
    target_label: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. ``actor`` is a user or None (the system)."""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = target.pk
        target_label = target_label or str(target)
    actor_obj = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        prev_hash = last or GENESIS
        event = AuditEvent(
            created_at=timezone.now(),
            actor=actor_obj,
            actor_label=(actor_obj.get_username() if actor_obj else "system")[:254],
            action=action,
            target_type=target_type,
            target_id=str(target_id)[:64],
            target_label=str(target_label)[:200],
            data=json.loads(canonical_json(data or {})),
            request_id=context.request_id.get()[:64],
            ip=_normal_ip(context.client_ip.get()),
            prev_hash=prev_hash,
        )
        event.hash = compute_hash(event, prev_hash)
        event.save()
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def verify_chain(*, chunk_size: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk every event in order. Returns (events checked, first break or None)."""
    prev_hash = GENESIS
    checked = 0
    fields = [f.attname for f in AuditEvent._meta.concrete_fields]
    rows = AuditEvent.objects.order_by("id").values_list(*fields).iterator(chunk_size=chunk_size)
    for row in rows:
        event = AuditEvent(**dict(zip(fields, row, strict=True)))
        checked += 1
        if event.prev_hash != prev_hash:
            return checked, ChainBreak(
                event.id, "its previous-hash does not match the event before it (an event was removed or re-ordered)"
            )
        if compute_hash(event, prev_hash) != event.hash:
            return checked, ChainBreak(event.id, "its content does not match its hash (it was edited)")
        prev_hash = event.hash
    return checked, None
