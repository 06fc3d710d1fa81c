"""Verification of the trail: every link against the one before it, every event against its leaf, every personal
row against the commitment its event holds."""

from __future__ import annotations

import gc
import hashlib
import hmac
import multiprocessing
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import connection, models

from audit.hashing import GENESIS, LEAF_PREFIX, commitment, stamp
from audit.models import AuditEvent, AuditPersonal, ChainLink
from audit.services.sequencing import _json, _leaf_of


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
