"""API throttles that count, in one cache round trip, instead of keeping every request's time.

DRF's ``SimpleRateThrottle`` keeps a list of the times of the requests in the window: each request
reads it from the cache, unpickles it, appends, pickles and writes it back (two round trips, and a
list as long as the rate: 0.4 ms of CPU a request at a few requests, 0.9 ms with 10,000 in the window).
These throttles keep one counter a window instead, which starts with the window's first request and
expires with it: at most ``num_requests`` pass in a window, and a refused request is told to retry
when the window ends. (A burst straddling two windows may pass up to twice the rate in a short span;
the rate over time is the same.) On Redis the counter is one script (``INCR``, ``EXPIRE`` on the first, ``TTL``);
on other caches ``add`` + ``incr``. While Redis does not answer, requests are let through (and it is logged).
"""

from __future__ import annotations

import logging
import time

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django_redis.cache import RedisCache
from redis.exceptions import RedisError
from rest_framework import throttling

from core.http import client_ip

log = logging.getLogger(__name__)

# INCR, and the window's expiry set by its first request: one command, one round trip
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('TTL', KEYS[1])}
"""


class CountingRateThrottle(throttling.SimpleRateThrottle):
    """``SimpleRateThrottle`` with a counter a window (see the module)."""

    # not DRF's key: a counter must never meet the list of times DRF's throttle left under its key
    cache_format = "throttle_count_%(scope)s_%(ident)s"

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        count, self.remaining = self._count(self.key)
        return count <= self.num_requests

    def _count(self, key: str) -> tuple[int, float]:
        """This request's number in the current window, and the seconds left in the window."""
        # DRF's throttles hold the default cache's proxy: the cache behind it, for this thread
        cache = caches[DEFAULT_CACHE_ALIAS] if self.cache is default_cache else self.cache
        if isinstance(cache, RedisCache):
            full_key = cache.make_and_validate_key(key)
            client = cache.client.get_client(write=True)  # django-redis keeps one client a server
            try:
                count, ttl = client.eval(_COUNT_SCRIPT, 1, full_key, self.duration)
            except RedisError as exc:  # Redis away (restarting): let the request through rather than fail it
                log.warning("Throttle not counted (Redis unreachable): %s", exc)
                return 0, float(self.duration)
            return int(count), float(ttl if ttl > 0 else self.duration)
        now = time.time()
        if cache.add(key, (now, 1), self.duration):
            started, count = now, 1
        else:
            started, count = cache.get(key, (now, 0))
            count += 1
            cache.set(key, (started, count), max(1, int(started + self.duration - now)))
        return count, max(0.0, started + self.duration - now)

    def wait(self):
        return self.remaining

    def get_ident(self, request):
        """The client address allauth's rate limits and the audit trail use (``TRUSTED_PROXY_COUNT``), not DRF's."""
        return client_ip(request) or ""


class AnonRateThrottle(CountingRateThrottle, throttling.AnonRateThrottle):
    """DRF's ``AnonRateThrottle`` (rate ``anon``, by client address), counted."""


class UserRateThrottle(CountingRateThrottle, throttling.UserRateThrottle):
    """DRF's ``UserRateThrottle`` (rate ``user``, by person or client address), counted."""
