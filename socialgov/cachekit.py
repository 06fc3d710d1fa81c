"""Per-person values kept across requests, and the one thing that invalidates them.

One generation number for the whole site lives in the cache. Every audited write (``audit.services.record``
and ``record_many``: every service that changes what a page shows records what it did) bumps it — at once,
and again when the writing transaction commits, so a reader that ran between the two cannot keep what it
read before the commit. A value is stored with the generation it was computed under and the person's id in
its key; another generation is a miss, so the next request after any committed write recomputes.

What changes with time alone ("waiting 3 hours", past SLA, due within 30 days, a delegation that starts)
is bounded by ``TTL``: a value is at most that old. Writes that are not audited (notifications, a
person's preferences) must not feed a value kept here.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.http import QueryDict

log = logging.getLogger(__name__)

T = TypeVar("T")

GENERATION_KEY = "cachekit:generation"
TTL = 60  # seconds


def _incr() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there (evicted, or never set): start anywhere, not where an old value was stored
        cache.add(GENERATION_KEY, secrets.randbits(48), timeout=None)
        cache.incr(GENERATION_KEY)


def bump() -> None:
    """Whatever is kept here may be out of date: now, and again once the current transaction commits.

    A cache that does not answer does not fail the write (values kept there expire within ``TTL``)."""
    try:
        _incr()
    except Exception:  # noqa: BLE001 - log, never fail the write
        log.warning("cachekit: could not bump the generation", exc_info=True)
    transaction.on_commit(_incr, robust=True)


# What a person's page reads from the cache anyway (the layout's bell and banner: ``read_along``), fetched in the
# same round trip as the first value kept for them on a request.
_ALONG: list[Callable[[Any], list[str]]] = []


def read_along(keys_of: Callable[[Any], list[str]]) -> None:
    """Have ``keys_of(user)`` (cache keys, not kept values: their owners set and forget them) fetched with the first
    ``per_person`` value of a request; ``along(user, keys)`` answers them without another round trip."""
    _ALONG.append(keys_of)


def along(user: Any, keys: list[str]) -> dict[str, Any] | None:
    """What the cache held under ``keys`` when this request's first ``per_person`` value was read (a key it did not
    hold is missing), or None when they were not read along (ask the cache)."""
    read = getattr(user, "_sg_read_along", None)
    if read is None or not all(k in read for k in keys):
        return None
    return {k: read[k] for k in keys if read[k] is not None}


def note_along(user: Any, key: str, value: Any) -> None:
    """What ``key``'s owner has just computed and stored for this request, for a later ``along`` to answer (when the
    key was read along and held nothing, or something out of date)."""
    read = getattr(user, "_sg_read_along", None)
    if read is not None and key in read:
        read[key] = value


def kept(key: str, compute: Callable[[], T]) -> T:
    """``compute()``, or the value it gave for ``key`` under the current generation (at most ``TTL`` old)."""
    key = f"cachekit:{key}"
    return _kept(key, compute, cache.get_many([GENERATION_KEY, key]))


def _kept(key: str, compute: Callable[[], T], found: dict[str, Any]) -> T:
    """``kept`` for what the cache held under the generation and ``key`` (``found``)."""
    generation = found.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, secrets.randbits(48), timeout=None)
        generation = cache.get(GENERATION_KEY)
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1]
    value = compute()  # read after the generation: a write committed later bumps past it
    cache.set(key, (generation, value), TTL)
    return value


def per_person(name: str, user: Any, compute: Callable[[], T]) -> T:
    """``compute()`` for ``user``, or the value it gave under the current generation (at most ``TTL`` old). The
    request's first one also reads what ``read_along`` names, left on the user object for ``along``."""
    if not _ALONG or hasattr(user, "_sg_read_along"):
        return kept(f"{name}:{user.pk}", compute)
    key, also = f"cachekit:{name}:{user.pk}", [k for keys_of in _ALONG for k in keys_of(user)]
    found = cache.get_many([GENERATION_KEY, key, *also])
    user._sg_read_along = {k: found.get(k) for k in also}
    return _kept(key, compute, found)


def query_key(query: QueryDict, *parts: str) -> str:
    """A request's query (every parameter with its values in order, whatever the order of the parameters) and
    ``parts`` (what else a kept value turns on: the language, the person's groups...), as a short key: two requests
    asking the same have the same."""
    asked = sorted(query.lists())
    return hashlib.blake2b(repr((parts, asked)).encode(), digest_size=16).hexdigest()


def shared(name: str, key: Any, compute: Callable[[], T]) -> T:
    """``compute()`` for ``key`` (an object's id), the same for everyone who may see it, or the value it gave under
    the current generation (at most ``TTL`` old): for what only audited writes change, such as an object's history
    (its events are the audited writes)."""
    return kept(f"{name}:{key}", compute)
