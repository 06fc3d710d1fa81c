"""The chain's arithmetic, as plain functions of plain values (used by the services, the sequencer,
verification, the seeder and the migration that converted the first trail).

- A personal row's commitment: HMAC-SHA256 keyed by the row's random salt over the canonical JSON of
  ``{"label", "ip", "data"}``. Without the salt nobody can test a guess against it; once the salt and the
  values are erased, the commitment (kept in the event) still stands in for them in the event's hash.
- An event's leaf: SHA-256 over ``"v2\\n"`` and the canonical JSON of its immutable fields, commitments
  included (``leaf_body``).
- A link's hash: SHA-256 over ``"{prev_hash}\\n{position}\\n{leaf}"``; the first link's prev_hash is GENESIS.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

GENESIS = "0" * 64
LEAF_PREFIX = b"v2\n"

_CANONICAL = DjangoJSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    return _CANONICAL.encode(value)


def stamp(value: datetime | str) -> str:
    """A timestamp as the hash reads it: ISO 8601 in UTC (SQLite hands back the stored UTC text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def commitment(salt: str, label: str, ip: str | None, data: Any) -> str:
    """The row's commitment; a salt that is not hex commits to nothing (an empty string)."""
    try:
        key = bytes.fromhex(salt)
    except ValueError:
        return ""
    ip = ipaddress.ip_address(ip).compressed if ip else None  # as the database may print it: ::ffff:1.2.3.4
    body = canonical_json({"label": label, "ip": ip, "data": data}).encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def leaf_body(
    event_id: int,
    created_at: datetime | str,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: str,
    target_text: str,
    data: Any,
    request_id: str,
    commitments: Any,
) -> dict[str, Any]:
    return {
        "id": event_id,
        "created_at": stamp(created_at),
        "actor_id": actor_id,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "target_text": target_text,
        "data": data,
        "request_id": request_id,
        "commitments": commitments,
    }


def leaf_hash(*values: Any) -> str:
    """SHA-256 of an event given as ``leaf_body``'s arguments."""
    return hashlib.sha256(LEAF_PREFIX + canonical_json(leaf_body(*values)).encode()).hexdigest()


def link_hash(prev_hash: str, position: int, leaf: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{position}\n{leaf}".encode()).hexdigest()
