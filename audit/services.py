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


_CANONICAL = DjangoJSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    return _CANONICAL.encode(value)


def compute_hash(event: AuditEvent, prev_hash: str) -> str:
    return hash_values(
        prev_hash,
        event.created_at,
        event.actor_id,
        event.actor_label,
        event.action,
        event.target_type,
        event.target_id,
        event.target_label,
        event.data,
        event.request_id,
        event.ip,
    )


def hash_values(
    prev_hash: str,
    created_at: Any,
    actor_id: int | None,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    target_label: str,
    data: Any,
    request_id: str,
    ip: str | None,
) -> str:
    """The hash of one event given as plain values (what ``verify_chain`` reads, without building models)."""
    body = canonical_json(
        {
            "created_at": created_at.astimezone(UTC).isoformat(),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "target_label": target_label,
            "data": data,
            "request_id": request_id,
            "ip": ip,
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


_HASHED_FIELDS = (
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "data",
    "request_id",
    "ip",
)


def verify_chain(*, chunk_size: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk every event in order. Returns (events checked, first break or None).

    Reads plain tuples (no model instances) in id order with a server-side cursor.
    """
    prev_hash = GENESIS
    checked = 0
    rows = (
        AuditEvent.objects.order_by("id")
        .values_list("id", "prev_hash", "hash", *_HASHED_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    for pk, stored_prev, stored_hash, *values in rows:
        checked += 1
        if stored_prev != prev_hash:
            return checked, ChainBreak(
                pk, "its previous-hash does not match the event before it (an event was removed or re-ordered)"
            )
        if hash_values(prev_hash, *values) != stored_hash:
            return checked, ChainBreak(pk, "its content does not match its hash (it was edited)")
        prev_hash = stored_hash
    return checked, None
