"""The sequencer: it numbers committed events and appends a ``ChainLink`` for each, under the chain's advisory lock,
one batch at a time."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from audit.hashing import GENESIS, leaf_hash, link_hash
from audit.models import AuditEvent, AuditPersonal, ChainLink, PendingEvent

log = logging.getLogger(__name__)

# Any fixed 64-bit number: the advisory lock one sequencer holds for one batch (services never take it).
SEQUENCER_LOCK_KEY = 0x50C1A1607A0D17
SEQUENCER_BATCH = 5000
KICK_KEY = "audit:sequencer:kick"
KICK_TIMEOUT = 10  # seconds: a kick lost with its worker is sent again by the next commit after this


def kick_sequencer() -> None:
    """After a commit that recorded events: chain them soon. A burst of commits sends one task (the first
    to set the kick key); the task clears the key before it reads the queue, so no commit is left behind."""
    if connection.vendor == "sqlite":  # one writer at a time: chain right after the commit
        sequence()
        return
    try:
        if cache.add(KICK_KEY, 1, timeout=KICK_TIMEOUT):
            from audit.tasks import sequence_events

            sequence_events.apply_async()
    except Exception as exc:  # noqa: BLE001 - cache or broker away: beat's safety run chains them
        log.warning("Sequencer not kicked (beat's run will chain the events): %s", exc)


_EVENT_COLUMNS = "id, created_at, actor_id, action, target_type, target_id, target_text, data, request_id"


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _leaf_of(row: tuple[Any, ...], data: Any, commitments: dict[str, str]) -> str:
    pk, created_at, actor_id, action, target_type, target_id, target_text, _, request_id = row
    return leaf_hash(
        pk, created_at, actor_id, action, target_type, target_id, target_text, data, request_id, commitments
    )


def _sequence_batch(limit: int) -> int:
    events_table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEQUENCER_LOCK_KEY])
        ids = list(PendingEvent.objects.order_by("event_id").values_list("event_id", flat=True)[:limit])
        if not ids:
            return 0
        with connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(f"SELECT {_EVENT_COLUMNS} FROM {events_table} WHERE id IN ({marks}) ORDER BY id", ids)  # noqa: S608
            rows = cursor.fetchall()
        commitments: dict[int, dict[str, str]] = {}
        for event_id, ref, value in AuditPersonal.objects.filter(event_id__in=ids).values_list(
            "event_id", "ref", "commitment"
        ):
            commitments.setdefault(event_id, {})[ref] = value
        position, prev = ChainLink.objects.order_by("-position").values_list("position", "hash").first() or (0, GENESIS)
        now = timezone.now()
        links = []
        for row in rows:
            position += 1
            leaf = _leaf_of(row, _json(row[7]), commitments.get(row[0], {}))
            digest = link_hash(prev, position, leaf)
            links.append(
                ChainLink(position=position, event_id=row[0], leaf=leaf, prev_hash=prev, hash=digest, sequenced_at=now)
            )
            prev = digest
        ChainLink.objects.bulk_create(links, batch_size=1000)
        PendingEvent.objects.filter(event_id__in=ids).delete()
    return len(ids)


def sequence(*, batch: int = SEQUENCER_BATCH, max_batches: int = 200) -> int:
    """Chain every committed event not chained yet, ``batch`` at a time (each batch its own short
    transaction under the sequencer's lock). Returns how many were chained."""
    done = 0
    for _ in range(max_batches):
        n = _sequence_batch(batch)
        done += n
        if n < batch:
            break
    return done
