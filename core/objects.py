"""Values kept per object under the object's version, in the ``objects`` cache (``OBJECT_CACHE_URL``).

A version is a random token kept under ``v:<name>`` (``person:42``, ``org``); a value is kept under its own name
and the tokens of the versions it depends on, so a new token is a miss and the value is computed again. The
service that changes what a value reads calls ``bump(name)``: a new token at once and another when its transaction
commits, so a reader that computed the value from what was there before stored it under a token nobody asks for
again. A version the cache evicted gets a new token: a miss, never a stale value. Everything here can be
computed again, so the cache may evict (an LRU bound: README, "Lists at scale"); it holds no rate-limit counter,
throttle or session (those stay in the default cache).

Like Zulip's ``cache_with_key`` / ``flush_*``: never whole pages, only values of one object.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.core.cache import caches
from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

T = TypeVar("T")

# At most this long for anything: what changes outside the services (a delegator deactivated) shows by then.
TIMEOUT = 600


def _cache():
    return caches["objects"]


def versions(*names: str) -> tuple[str, ...]:
    """The current token of each version (one round trip; a missing one is started)."""
    cache = _cache()
    keys = [f"v:{name}" for name in names]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            token = secrets.token_hex(6)
            cache.add(key, token, timeout=None)
            found[key] = cache.get(key) or token  # another process may have added its own first
    return tuple(found[key] for key in keys)


def bump(*names: str) -> None:
    """What depends on these versions is out of date: now, and again once the current transaction commits (a
    reader between the two computed from what was there before the commit, under a token nobody asks for after)."""

    def renew():
        try:
            _cache().set_many({f"v:{name}": secrets.token_hex(6) for name in names}, timeout=None)
        except Exception:  # noqa: BLE001 - the write stands; kept values expire within TIMEOUT
            log.warning("objects: could not bump %s", names, exc_info=True)

    renew()
    transaction.on_commit(renew, robust=True)


def kept(key: str, tokens: tuple[str, ...], compute: Callable[[], tuple[T, datetime | None]]) -> T:
    """``compute()``'s value for ``key`` under ``tokens``, or what it gave before under the same tokens.
    ``compute`` returns the value and the time it stops being true by itself (None: not by itself)."""
    cache = _cache()
    full = f"{key}:{':'.join(tokens)}"
    entry = cache.get(full)
    now = timezone.now()
    if entry is not None and (entry[0] is None or entry[0] > now):
        return entry[1]
    value, until = compute()
    timeout = TIMEOUT if until is None else max(1, min(TIMEOUT, int((until - now).total_seconds())))
    cache.set(full, (until, value), timeout)
    return value


def person_versions(user: Any) -> tuple[str, ...]:
    """The tokens of ``person:<id>`` and ``org`` (departments, policies, courses), read once per user object."""
    tokens = getattr(user, "_sg_versions", None)
    if tokens is None:
        tokens = user._sg_versions = versions(f"person:{user.pk}", "org")
    return tokens


def of_person(user: Any, name: str, compute: Callable[[], tuple[T, datetime | None]]) -> T:
    """A fact about ``user`` kept under their version and the organisation's (see ``bump_person``)."""
    return kept(f"person:{user.pk}:{name}", person_versions(user), compute)


def bump_person(*user_ids: int) -> None:
    """Their memberships, delegations held, acknowledgements or training changed (on commit)."""
    if user_ids:
        bump(*(f"person:{pk}" for pk in user_ids))


def bump_org() -> None:
    """A department, policy or course changed: every person's facts are read again (on commit)."""
    bump("org")
