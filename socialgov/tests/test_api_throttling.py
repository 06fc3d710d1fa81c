"""Counting throttles: at most the rate in a window, one cache round trip a request."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.core.cache import cache as default_cache
from django.utils import timezone
from django_redis.cache import RedisCache

from core.api.throttling import UserRateThrottle

REDIS_URL = os.environ.get("REDIS_URL", "")


def _throttle(rate, cache):
    class Throttle(UserRateThrottle):
        pass

    Throttle.rate, Throttle.cache = rate, cache
    return Throttle


def _request():
    person = SimpleNamespace(is_authenticated=True, pk=uuid.uuid4().int % 10**9)
    return SimpleNamespace(user=person, META={"REMOTE_ADDR": "10.0.0.1"})


def _caches():
    caches = [pytest.param(lambda: default_cache, id="locmem")]
    redis = pytest.mark.skipif(not REDIS_URL, reason="needs Redis: run with REDIS_URL=redis://127.0.0.1:6379/13")
    caches.append(pytest.param(lambda: RedisCache(REDIS_URL, {}), id="redis", marks=redis))
    return caches


@pytest.mark.parametrize("make_cache", _caches())
def test_the_rate_passes_and_the_next_is_told_when_to_retry(make_cache):
    # given: three a minute, for one person
    throttle, request = _throttle("3/min", make_cache()), _request()

    # when
    answers = [throttle().allow_request(request, None) for _ in range(3)]
    refused = throttle()

    # then
    assert answers == [True, True, True]
    assert refused.allow_request(request, None) is False
    assert 0 < refused.wait() <= 60
    assert throttle().allow_request(_request(), None) is True  # someone else


def test_the_window_ends_with_its_first_request_s_minute():
    throttle, request = _throttle("2/min", default_cache), _request()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert [throttle().allow_request(request, None) for _ in range(3)] == [True, True, False]
        clock.shift(timedelta(seconds=30))
        assert throttle().allow_request(request, None) is False
        clock.shift(timedelta(seconds=31))
        assert throttle().allow_request(request, None) is True


@pytest.mark.parametrize("make_cache", _caches())
def test_a_counter_never_meets_the_times_drf_s_throttle_left(make_cache):
    # given: what DRF's own throttle wrote for the same person and scope (a list of request times)
    from rest_framework.throttling import UserRateThrottle as DrfThrottle

    cache, request = make_cache(), _request()
    drf = type("Drf", (DrfThrottle,), {"rate": "3/min", "cache": cache})
    assert drf().allow_request(request, None)

    # then: the counting throttle counts on its own key
    assert [_throttle("3/min", cache)().allow_request(request, None) for _ in range(4)] == [True, True, True, False]
