"""The one way into the audit trail.

``record`` is called inside the service's transaction, so the event commits or
rolls back with the change it describes. Events are hash-chained: each stores
the previous event's hash and SHA-256 over its own canonical form plus that
hash; ``verify_chain`` walks the chain and names the first event that does not
fit. ``record_many`` appends a bulk change's events (one per object) in one
statement, chained the same way.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import json
import multiprocessing
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from audit import context
from audit.models import AuditEvent
from socialgov import cachekit

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
    cachekit.bump()  # what people's pages keep across requests may have changed (socialgov.cachekit)
    return event


def record_many(
    *,
    actor: Any,
    action: str,
    target_type: str,
    entries: Sequence[tuple[Any, str, dict[str, Any] | None]],
) -> int:
    """Append one event per ``(target_id, target_label, data)`` in ``entries``: a bulk change's trail.

    The events are chained exactly as ``record`` chains them (one lock, one read of the last hash),
    and written in one statement whatever their number. Returns how many were written.
    """
    if not entries:
        return 0
    actor_obj = actor if getattr(actor, "pk", None) else None
    actor_id = actor_obj.pk if actor_obj else None
    actor_label = (actor_obj.get_username() if actor_obj else "system")[:254]
    request_id = context.request_id.get()[:64]
    ip = _normal_ip(context.client_ip.get())
    with transaction.atomic():
        _lock_chain()
        prev_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS
        created_at = timezone.now()
        rows = []
        for target_id, target_label, data in entries:
            target_id, target_label = str(target_id)[:64], str(target_label)[:200]
            data_json = canonical_json(data or {})
            stored = json.loads(data_json)
            event_hash = hash_values(
                prev_hash,
                created_at,
                actor_id,
                actor_label,
                action,
                target_type,
                target_id,
                target_label,
                stored,
                request_id,
                ip,
            )
            rows.append((target_id, target_label, data_json, prev_hash, event_hash))
            prev_hash = event_hash
        _insert_events(created_at, actor_id, actor_label, action, target_type, request_id, ip, rows)
    cachekit.bump()
    return len(rows)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    return "\\N" if value is None else str(value).translate(_COPY_ESCAPES)


def _insert_events(
    created_at: Any,
    actor_id: int | None,
    actor_label: str,
    action: str,
    target_type: str,
    request_id: str,
    ip: str | None,
    rows: list[tuple[str, str, str, str, str]],
) -> None:
    """Write the rows in one statement: COPY on PostgreSQL, ``executemany`` on SQLite."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    columns = (
        "created_at, actor_id, actor_label, action, target_type, request_id, ip, "
        "target_id, target_label, data, prev_hash, hash"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            shared = "\t".join(
                _copy_value(v)
                for v in (created_at.isoformat(), actor_id, actor_label, action, target_type, request_id, ip)
            )
            text = "".join(shared + "\t" + "\t".join(map(_copy_value, row)) + "\n" for row in rows)
            # COPY keeps the rows in order, so ids follow the chain.
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(text))
        else:
            stamp = connection.ops.adapt_datetimefield_value(created_at)
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
                [(stamp, actor_id, actor_label, action, target_type, request_id, ip, *row) for row in rows],
            )


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


_SELECT_EVENTS = (
    "SELECT id, prev_hash, hash, created_at, actor_id, actor_label, action, target_type, target_id, "
    "target_label, data, request_id, ip FROM {table} WHERE id >= %s AND id <= %s ORDER BY id"
)


def _as_datetime(value: Any) -> datetime:
    # PostgreSQL gives aware datetimes; SQLite gives the stored UTC text.
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value


def _matches_canonical(prev_hash: str, stored_hash: str, row: tuple[Any, ...]) -> bool:
    """Does the row (``created_at`` .. ``ip``) hash to ``stored_hash`` with the encoder ``record`` uses?"""
    created_at, actor_id, actor_label, action, target_type, target_id, target_label, data, request_id, ip = row
    if isinstance(data, str | bytes):
        data = json.loads(data)
    return stored_hash == hash_values(
        prev_hash,
        _as_datetime(created_at),
        actor_id,
        actor_label,
        action,
        target_type,
        target_id,
        target_label,
        data,
        request_id,
        ip,
    )


def verify_range(first_id: int, last_id: int, *, chunk_size: int = 10_000) -> tuple[int, ChainBreak | None]:
    """Check the events with ids ``first_id``..``last_id``: (events checked, first break or None).

    Each event needs only its own row and the stored hash of the event before it, so ranges can be
    checked apart (and at once) and still cover the whole chain. Rows come as plain tuples from a
    server-side cursor; each is hashed with orjson and, only when that does not match, again with
    the canonical encoder ``record`` uses before the event counts as broken.
    """
    prev_hash = (
        AuditEvent.objects.filter(id__lt=first_id).order_by("-id").values_list("hash", flat=True).first() or GENESIS
    )
    checked = 0
    sql = _SELECT_EVENTS.format(table=connection.ops.quote_name(AuditEvent._meta.db_table))
    dumps, loads, sha256, sort_keys = orjson.dumps, orjson.loads, hashlib.sha256, orjson.OPT_SORT_KEYS
    fast_errors = (orjson.JSONDecodeError, orjson.JSONEncodeError, TypeError)
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, [first_id, last_id])
        while rows := cursor.fetchmany(chunk_size):
            for pk, stored_prev, stored_hash, *row in rows:
                checked += 1
                if stored_prev != prev_hash:
                    return checked, ChainBreak(
                        pk, "its previous-hash does not match the event before it (an event was removed or re-ordered)"
                    )
                created_at, actor_id, actor_label, action, target_type, target_id, target_label, data, rid, ip = row
                # The fast path: orjson writes an aware UTC datetime as isoformat() does and the rest as
                # the canonical encoder does; anything it writes otherwise (SQLite's text timestamps, a
                # float such as 1e-07, an integer wider than 64 bits) goes to the canonical encoder.
                try:
                    body = dumps(
                        {
                            "created_at": created_at,
                            "actor_id": actor_id,
                            "actor_label": actor_label,
                            "action": action,
                            "target_type": target_type,
                            "target_id": target_id,
                            "target_label": target_label,
                            "data": loads(data) if isinstance(data, str | bytes) else data,
                            "request_id": rid,
                            "ip": ip,
                        },
                        option=sort_keys,
                    )
                    fast = sha256(b"%s\n%s" % (prev_hash.encode(), body)).hexdigest() == stored_hash
                except fast_errors:
                    fast = False
                if not fast and not _matches_canonical(prev_hash, stored_hash, tuple(row)):
                    return checked, ChainBreak(pk, "its content does not match its hash (it was edited)")
                prev_hash = stored_hash
    return checked, None


def _verify_range_in_child(bounds: tuple[int, int]) -> tuple[int, ChainBreak | None]:
    from django.db import connections

    try:
        return verify_range(*bounds)
    finally:
        connections.close_all()


PARALLEL_FROM = 200_000  # fewer events than this: one process (starting more costs more than it saves)


def verify_chain(*, workers: int = 1, chunk_size: int = 10_000) -> tuple[int, ChainBreak | None]:
    """Walk every event in id order. Returns (events checked up to the first break, first break or None).

    With ``workers`` > 1 on PostgreSQL, outside a transaction, and a long trail, the id range is split
    into slices checked by that many processes; the answer is the same as one process's.
    """
    bounds = AuditEvent.objects.aggregate(first=models.Min("id"), last=models.Max("id"))
    first, last = bounds["first"], bounds["last"]
    if first is None:
        return 0, None
    parallel = (
        workers > 1
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and last - first + 1 >= PARALLEL_FROM
    )
    if not parallel:
        return verify_range(first, last, chunk_size=chunk_size)
    # Slices several times the workers: a break is found early, and a slow process holds up less.
    slices = workers * 4
    step = -(-(last - first + 1) // slices)
    ranges = [(lo, min(lo + step - 1, last)) for lo in range(first, last + 1, step)]
    from django.db import connections

    connections.close_all()  # each forked process opens its own connection
    checked = 0
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for n, broken in pool.imap(_verify_range_in_child, ranges):
            checked += n
            if broken is not None:
                pool.terminate()
                return checked, broken
    return checked, None
