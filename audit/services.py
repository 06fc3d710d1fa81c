"""The one way into the audit trail, the sequencer that chains it, its verification and erasure.

``record`` is called inside the service's transaction, so the event commits or rolls back with the
change it describes. It takes no lock shared by anyone: it inserts the event (unchained), its personal
rows and a row in the sequencer's queue. After the commit the sequencer (``sequence``: a Celery task on
its own queue, kicked on commit and run by beat as a safety net; on SQLite a step right after the
commit) numbers the committed events in the order it finds them, in batches, and appends a ``ChainLink``
for each: the event's leaf hash, the previous link's hash and their hash (``audit.hashing``). Only the
sequencer takes the chain's advisory lock, one batch at a time.

``verify_chain`` checks every link against the one before it, every event against its leaf, and every
personal row against the commitment its event holds; events not chained yet are pending, not broken.
``audit_erase_person`` blanks what the trail says about one person; the chain still verifies.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import ipaddress
import json
import logging
import multiprocessing
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, models, transaction
from django.utils import timezone

from audit import context
from audit.hashing import GENESIS, LEAF_PREFIX, canonical_json, commitment, leaf_hash, link_hash, stamp
from audit.models import AuditEvent, AuditPersonal, ChainLink, PendingEvent
from core.errors import Forbidden, ensure

log = logging.getLogger(__name__)

__all__ = ["GENESIS", "canonical_json", "personal", "record", "record_many", "sequence", "verify_chain"]

# Any fixed 64-bit number: the advisory lock one sequencer holds for one batch (services never take it).
SEQUENCER_LOCK_KEY = 0x50C1A1607A0D17
SEQUENCER_BATCH = 5000
KICK_KEY = "audit:sequencer:kick"
KICK_TIMEOUT = 10  # seconds: a kick lost with its worker is sent again by the next commit after this
ERASED = "[erased]"
ERASERS_GROUP = "it_security"  # accounts.roles.Group.IT_SECURITY (audit imports no app)


# --- Writing ------------------------------------------------------------------------


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


# --- The sequencer ------------------------------------------------------------------


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


# --- Verification -------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    event_id: int | None
    reason: str
    position: int | None = None


@dataclass
class Verification:
    checked: int = 0  # chained events whose content, link and personal rows were checked
    broken: ChainBreak | None = None  # the first break (lowest position)
    pending: int = 0  # committed events the sequencer has not chained yet
    erased: int = 0  # personal rows erased (their commitments stand in for them)
    head_position: int = 0
    head_hash: str = GENESIS
    breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.broken is None


def _first(breaks: list[ChainBreak]) -> ChainBreak | None:
    if not breaks:
        return None
    return min(breaks, key=lambda b: (b.position is None, b.position or 0, b.event_id or 0))


_LINKAGE_SQL = """
SELECT position, event_id, prev_hash, expected, previous FROM (
    SELECT position, event_id, prev_hash,
           LAG(hash) OVER (ORDER BY position) AS expected,
           LAG(position) OVER (ORDER BY position) AS previous
    FROM {links}
) walk
WHERE prev_hash <> COALESCE(expected, %s) OR position <> COALESCE(previous, 0) + 1
ORDER BY position LIMIT 1
"""


def check_linkage() -> ChainBreak | None:
    """Positions run 1, 2, 3 … without a gap, and each link names the hash of the one before it."""
    sql = _LINKAGE_SQL.format(links=connection.ops.quote_name(ChainLink._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [GENESIS])
        row = cursor.fetchone()
    if row is None:
        return None
    position, event_id, prev_hash, expected, previous = row
    if position != (previous or 0) + 1:
        return ChainBreak(event_id, f"links {(previous or 0) + 1}–{position - 1} are missing before it", position)
    return ChainBreak(
        event_id, "its previous-hash does not match the link before it (a link was removed or re-ordered)", position
    )


# JSON columns as text ({text}: "::text" on PostgreSQL), parsed by orjson: psycopg2's own parser is the slow one
_CHECK_EVENTS = (
    "SELECT id, created_at, actor_id, action, target_type, target_id, target_text, data{text}, request_id "
    "FROM {events} WHERE id >= %s AND id <= %s ORDER BY id",
    "SELECT event_id, position, leaf, prev_hash, hash FROM {links} WHERE event_id >= %s AND event_id <= %s",
    "SELECT event_id, ref, salt, commitment, label, ip, data{text}, erased_at FROM {personal} "
    "WHERE event_id >= %s AND event_id <= %s",
)


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def _hmac_sha256(key: bytes, body: bytes) -> str:
    """HMAC-SHA256 (RFC 2104) of a key of at most 64 bytes, as two SHA-256 calls: what ``hmac.digest``
    gives, without OpenSSL 3's HMAC set-up on every call (a third of the time on a 16-byte salt)."""
    padded = key.ljust(64, b"\0")
    return _sha256(padded.translate(_OPAD) + _sha256(padded.translate(_IPAD) + body).digest()).hexdigest()


def _fast_commitment(salt: str, label: str, ip: str | None, data: str) -> str:
    """``commitment`` by orjson for the usual values ("" where it would write them otherwise: the caller
    then asks ``commitment`` itself)."""
    try:
        key = bytes.fromhex(salt)
        body = _dumps({"data": _loads(data), "ip": ip, "label": label}, option=_SORTED)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, TypeError, ValueError):
        return ""
    return _hmac_sha256(key, body) if len(key) <= 64 else hmac.digest(key, body, "sha256").hex()


def _sql(template: str) -> str:
    names = {"events": AuditEvent, "links": ChainLink, "personal": AuditPersonal}
    quoted = {k: connection.ops.quote_name(m._meta.db_table) for k, m in names.items()}
    return template.format(text="::text" if connection.vendor == "postgresql" else "", **quoted)


_sha256, _dumps, _loads, _SORTED = hashlib.sha256, orjson.dumps, orjson.loads, orjson.OPT_SORT_KEYS
_EDITED_ROW = "its personal row '{}' was edited"
_ADDED_ROW = "a personal row '{}' was added to it"
_EDITED_EVENT = "its content or its personal rows do not match its hash (edited or removed)"
_EDITED_LINK = "its link's hash does not match (the link was edited)"


def _chunk(cursor, lo: int, hi: int) -> Verification:
    """One chunk, read table by table (three range scans: cheaper for PostgreSQL than one joined read, which
    probes two indexes per event), merged here in one pass; names links and personal rows whose event is
    gone. Each hash is first computed the quick way (orjson, hashlib); only a value that does not match
    is computed again exactly (``commitment``, ``leaf_hash``: wide integers and all) before it is reported."""
    part = Verification()
    breaks = part.breaks
    cursor.execute(_sql(_CHECK_EVENTS[1]), [lo, hi])
    links = {r[0]: r for r in cursor.fetchall()}
    cursor.execute(_sql(_CHECK_EVENTS[2]), [lo, hi])
    people: dict[int, list[tuple]] = {}
    for r in cursor.fetchall():
        rows = people.get(r[0])
        if rows is None:
            people[r[0]] = [r]
        else:
            rows.append(r)
    cursor.execute(_sql(_CHECK_EVENTS[0]), [lo, hi])
    links_pop, people_pop, none = links.pop, people.pop, ()
    sha256, dumps, loads, sort = _sha256, _dumps, _loads, _SORTED
    checked = pending = erased = 0
    for row in cursor.fetchall():
        pk, created_at, actor_id, action, target_type, target_id, target_text, data, request_id = row
        link = links_pop(pk, None)
        position = link[1] if link is not None else None
        commitments: dict[str, str] = {}
        for _, ref, salt, value, label, ip, values, erased_at in people_pop(pk, none):
            if ref != "actor" and ref != "subject":
                breaks.append(ChainBreak(pk, _ADDED_ROW.format(ref), position))
            commitments[ref] = value
            if erased_at is not None and not salt:
                erased += 1
            elif (
                _fast_commitment(salt, label, ip, values) != value
                and commitment(salt, label, ip, _json(values)) != value
            ):
                breaks.append(ChainBreak(pk, _EDITED_ROW.format(ref), position))
        if link is None:
            pending += 1
            continue
        _, position, leaf, prev_hash, digest = link
        checked += 1
        try:
            body = dumps(
                {
                    "id": pk,
                    # an aware UTC datetime: orjson writes what isoformat() does (SQLite's text: stamp's)
                    "created_at": created_at if created_at.__class__ is not str else stamp(created_at),
                    "actor_id": actor_id,
                    "action": action,
                    "target_type": target_type,
                    "target_id": target_id,
                    "target_text": target_text,
                    "data": loads(data),
                    "request_id": request_id,
                    "commitments": commitments,
                },
                option=sort,
            )
            quick = sha256(LEAF_PREFIX + body).hexdigest()
        except (orjson.JSONDecodeError, orjson.JSONEncodeError, TypeError):
            quick = ""
        if quick != leaf and _leaf_of(row, _json(data), commitments) != leaf:
            breaks.append(ChainBreak(pk, _EDITED_EVENT, position))
        elif sha256(f"{prev_hash}\n{position}\n{leaf}".encode()).hexdigest() != digest:
            breaks.append(ChainBreak(pk, _EDITED_LINK, position))
    part.checked, part.pending, part.erased = checked, pending, erased
    for pk, link in links.items():
        breaks.append(ChainBreak(pk, "it was removed (its link remains)", link[1]))
    for pk in people:
        breaks.append(ChainBreak(pk, "it was removed (its personal rows remain)", None))
    return part


def verify_range(first_id: int, last_id: int, *, chunk_size: int = 20_000) -> Verification:
    """Check the events with ids ``first_id``..``last_id``: each chained event against its leaf and its link's
    hash, and each personal row against its commitment. (The links' order is ``check_linkage``'s.)"""
    result = Verification()
    # Each chunk makes ~100,000 short-lived tuples and strings, freed by reference counting; the cycle
    # collector would walk them again and again (an eighth of the time), so it is off while they live.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with connection.cursor() as cursor:
            for lo in range(first_id, last_id + 1, chunk_size):
                part = _chunk(cursor, lo, min(lo + chunk_size - 1, last_id))
                result.checked += part.checked
                result.pending += part.pending
                result.erased += part.erased
                result.breaks.extend(part.breaks)
    finally:
        if collecting:
            gc.enable()
    result.broken = _first(result.breaks)
    return result


def _verify_in_child(job: tuple) -> Any:
    from django.db import connections

    try:
        if job[0] == "linkage":
            return check_linkage()
        return verify_range(job[1], job[2])
    finally:
        connections.close_all()


PARALLEL_FROM = 200_000  # fewer events than this: one process (starting more costs more than it saves)


def verify_chain(*, workers: int = 1, chunk_size: int = 20_000) -> Verification:
    """Check the whole trail (see the module). With ``workers`` > 1 on PostgreSQL, outside a transaction,
    and a long trail, slices of events are checked by that many processes; the answer is the same."""
    bounds = AuditEvent.objects.aggregate(first=models.Min("id"), last=models.Max("id"))
    linked = ChainLink.objects.aggregate(first=models.Min("event_id"), last=models.Max("event_id"))
    head = ChainLink.objects.order_by("-position").values_list("position", "hash").first() or (0, GENESIS)
    # every event id an event or a link names: a link whose event was removed is checked too
    first = min((v for v in (bounds["first"], linked["first"]) if v is not None), default=None)
    last = max((v for v in (bounds["last"], linked["last"]) if v is not None), default=None)
    parallel = (
        workers > 1
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and first is not None
        and last - first + 1 >= PARALLEL_FROM
    )
    if not parallel:
        result = verify_range(first, last, chunk_size=chunk_size) if first is not None else Verification()
        linkage = check_linkage()
    else:
        slices = workers * 4
        step = -(-(last - first + 1) // slices)
        jobs = [("linkage",)] + [("events", lo, min(lo + step - 1, last)) for lo in range(first, last + 1, step)]
        from django.db import connections

        connections.close_all()  # each forked process opens its own connection
        result = Verification()
        linkage = None
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for part in pool.imap_unordered(_verify_in_child, jobs):
                if part is None or isinstance(part, ChainBreak):
                    linkage = part
                    continue
                result.checked += part.checked
                result.pending += part.pending
                result.erased += part.erased
                result.breaks.extend(part.breaks)
    if linkage is not None:
        result.breaks.append(linkage)
    result.broken = _first(result.breaks)
    result.head_position, result.head_hash = head
    return result


# --- Erasure ------------------------------------------------------------------------


def _may_erase(actor: Any) -> bool:
    return bool(
        getattr(actor, "is_active", False) and (actor.is_superuser or actor.groups.filter(name=ERASERS_GROUP).exists())
    )


@transaction.atomic
def audit_erase_person(*, actor: Any, person: Any, reason: str = "") -> int:
    """Erase what the trail says about ``person``: the values and salts of every personal row that names
    them (as actor or subject) are blanked. Events, their commitments and the chain stay as they were,
    so ``verify_chain`` still passes. Audited (without the person's data). Returns the rows erased."""
    ensure(_may_erase(actor), "Only IT security erases personal data from the audit trail.")
    if actor.pk == person.pk:
        raise Forbidden("Nobody erases their own data from the audit trail.")
    rows = AuditPersonal.objects.filter(person=person, erased_at__isnull=True)
    erased = rows.update(salt="", label=ERASED, ip=None, data={}, erased_at=timezone.now())
    record(
        actor=actor,
        action="audit.person_erased",
        target_type=get_user_model()._meta.label_lower,
        target_id=person.pk,
        target_label=f"person #{person.pk}",
        data={"rows": erased, "reason": (reason or "").strip()[:500]},
    )
    return erased
