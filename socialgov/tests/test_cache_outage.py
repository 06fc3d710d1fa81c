"""Redis away (restarting, unreachable) while people work: pages and the API still answer, signed-in people stay
signed in (their sessions come from the database), throttles let requests through; nothing is only in the cache.

The cache here is the production one (django-redis with ``REDIS_CACHE_OPTIONS``) pointed at a port nobody
listens on, so these run without a Redis."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings as django_settings
from django_redis.cache import RedisCache

from core.api.throttling import UserRateThrottle
from notifications.tests.conftest import closed_port
from socialgov.tests.test_api_throttling import _request

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    location = f"redis://127.0.0.1:{closed_port()}/0"
    redis = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "OPTIONS": django_settings.REDIS_CACHE_OPTIONS,
    }
    settings.CACHES = {"default": redis, "objects": redis}  # the object cache on the same Redis, as by default
    return location


def test_a_signed_in_person_reads_pages_while_redis_is_down(client, employee, redis_down, caplog):
    # given someone signed in (the session is in the database; its cached copy is unreachable)
    client.force_login(employee)

    # when they open pages
    with caplog.at_level(logging.ERROR, logger="django_redis.cache"):
        answers = [client.get(path).status_code for path in ("/", "/profile/", "/notifications/")]

    # then each answers, signed in, and the cache's failures are logged
    assert answers == [200, 200, 200]
    assert "Exception ignored" in caplog.text


def test_the_api_answers_while_redis_is_down(employee, token_client, redis_down):
    # when an integration calls a throttled endpoint
    response = token_client(employee).get("/api/v1/me/")

    # then it is answered (the throttle could not count it)
    assert response.status_code == 200


def test_a_throttle_lets_a_request_through_when_redis_does_not_answer(redis_down, caplog):
    # given a throttle of one a minute on an unreachable Redis
    throttle = type("Throttle", (UserRateThrottle,), {"rate": "1/min", "cache": RedisCache(redis_down, {})})
    request = _request()

    # when the same person asks twice
    with caplog.at_level(logging.WARNING, logger="core.api.throttling"):
        answers = [throttle().allow_request(request, None) for _ in range(2)]

    # then both pass (uncounted, logged) rather than fail
    assert answers == [True, True]
    assert "Throttle not counted" in caplog.text
