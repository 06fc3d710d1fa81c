"""Two beats: the one holding the beat lock sends the periodic tasks, the other sends nothing and takes over
when the first goes. The lock lives in the broker's Redis: run with REDIS_URL for those tests."""

from __future__ import annotations

import os

import pytest

from core.scheduler import BEAT_LOCK_KEY, LeaderScheduler
from socialgov.celery import app as celery_app

LOCK_DB = os.environ.get("TEST_WORKER_BROKER_URL", "redis://127.0.0.1:6379/14")


def _beat() -> LeaderScheduler:
    return LeaderScheduler(app=celery_app)


@pytest.fixture
def redis_broker(settings):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis: run with REDIS_URL=redis://127.0.0.1:6379/13")
    import redis

    client = redis.Redis.from_url(LOCK_DB)
    client.delete(BEAT_LOCK_KEY)
    settings.CELERY_BROKER_URL = LOCK_DB
    yield client
    client.delete(BEAT_LOCK_KEY)


@pytest.mark.django_db(transaction=True)
def test_without_a_redis_broker_the_only_beat_leads(settings):
    settings.CELERY_BROKER_URL = "filesystem://localhost/"
    assert _beat().lead() is True


@pytest.mark.django_db(transaction=True)
def test_a_second_beat_sends_nothing_while_the_first_holds_the_lock(redis_broker, monkeypatch):
    # given a beat that leads
    first = _beat()
    assert first.lead() is True

    # when a second one starts and ticks
    second = _beat()
    sent = []
    monkeypatch.setattr(second, "apply_entry", lambda entry, producer=None: sent.append(entry.name))

    # then it stands by: no task sent, told to look again later
    assert second.lead() is False
    assert second.tick() > 0
    assert sent == []
    assert first.lead() is True  # the leader's renewal still holds


@pytest.mark.django_db(transaction=True)
def test_the_standby_takes_over_when_the_leader_stops_or_its_lock_is_lost(redis_broker):
    # given a leader and a standby
    first, second = _beat(), _beat()
    assert (first.lead(), second.lead()) == (True, False)

    # when the leader stops: the standby leads at its next tick
    first.close()
    assert second.lead() is True

    # when Redis loses the lock (restarted empty): whoever ticks first leads, the other stands by
    redis_broker.delete(BEAT_LOCK_KEY)
    assert first.lead() is True
    assert second.lead() is False
