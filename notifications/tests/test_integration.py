"""Real services: a Celery worker on Redis against the PostgreSQL test database, SMTP and HTTP on loopback.

Run with DATABASE_URL=postgres://... and REDIS_URL=redis://...; skipped (with the reason) otherwise.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core import mail
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import use_broker
from notifications import services, tasks
from notifications.choices import DeliveryState, EmailState
from notifications.models import Notification, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from notifications.tests.conftest import CLOSED_BROKER

# The broker db of the real-worker tests (flushed before and after each): keep it apart from the
# REDIS_URL cache db and from anything else on that Redis.
WORKER_BROKER = os.environ.get("TEST_WORKER_BROKER_URL", "redis://127.0.0.1:6379/14")
DEADLINE = 30.0
SWEEP_DONE = re.compile(r"notifications\.sweep_outbox\[[^\]]+\] succeeded in [^:]+: (\(\d+, \d+\))")


def _require_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://...")


def _require_redis():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis: run with REDIS_URL=redis://127.0.0.1:6379/13")


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def _wait_for(predicate, *, what: str, worker_log=None):
    """Poll until ``predicate()`` is true, up to DEADLINE seconds."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(0.1)
    log = worker_log() if worker_log else ""
    pytest.fail(f"{what} did not happen within {DEADLINE:.0f} s.\n--- worker log ---\n{log}")


def start_worker(*, smtp_server=None, **extra_env: str) -> subprocess.Popen:
    """Start a real Celery worker (solo pool) on WORKER_BROKER, reading the test database.

    The returned process has ``read_log()`` (the last 5000 characters of its output) and
    ``log_path``; the caller stops it (``stop_worker``) and removes the log.
    """
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "CELERY_BROKER_URL": WORKER_BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CONN_MAX_AGE": "0",
        **extra_env,
    }
    if smtp_server is not None:
        env["EMAIL_URL"] = f"smtp://{smtp_server.host}:{smtp_server.port}"
    log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "socialgov",
            "worker",
            "--pool",
            "solo",
            "-Q",
            "default,notifications,webhooks,periodic,audit",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()

    def read_log() -> str:
        with open(log.name, encoding="utf-8", errors="replace") as f:
            return f.read()[-5000:]

    proc.read_log = read_log
    proc.log_path = log.name
    return proc


def stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    os.unlink(proc.log_path)


@pytest.fixture
def worker_broker():
    """A flushed Redis db as the broker, the publishers pointed at it; flushed again afterwards."""
    _require_redis()
    _require_postgres()
    import redis

    redis.Redis.from_url(WORKER_BROKER).flushdb()
    use_broker(WORKER_BROKER)
    try:
        yield WORKER_BROKER
    finally:
        use_broker("memory://")
        redis.Redis.from_url(WORKER_BROKER).flushdb()


@pytest.fixture
def worker(worker_broker, smtp_server):
    """A real Celery worker (solo pool) on a flushed Redis db, reading the test database."""
    proc = start_worker(smtp_server=smtp_server)
    proc.smtp = smtp_server
    try:
        yield proc
    finally:
        stop_worker(proc)


def _delivered(pk: int) -> bool:
    return Notification.objects.filter(pk=pk, delivered_at__isnull=False).exists()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_a_committed_notification_by_email_and_webhook(worker, webhook_receiver):
    # given
    alice = UserFactory(email="alice@example.com")
    endpoint = WebhookEndpoint.objects.create(name="receiver", url=webhook_receiver.url, secret="k", events=["post.*"])

    # when
    started = time.monotonic()
    with transaction.atomic():
        (n,) = services.notify(event="post.due", recipients=[alice], title="Due tomorrow", url="/posts/1/")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    # then
    done = _wait_for(lambda: _delivered(n.pk), what="e-mail delivery", worker_log=worker.read_log)
    _wait_for(
        lambda: WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.SUCCEEDED).exists(),
        what="webhook delivery",
        worker_log=worker.read_log,
    )
    print(f"worker delivered the e-mail {done - started:.2f} s after commit (including worker start-up)")
    n.refresh_from_db()
    assert (n.email_state, n.attempts) == (EmailState.SENT, 1)
    (received,) = worker.smtp.messages
    assert received["rcpt"] == ["alice@example.com"]
    assert received["message"]["Subject"] == "[socialgov] Due tomorrow"
    (request,) = webhook_receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert services.verify_signature(
        "k", headers["x-socialgov-timestamp"], request.body, headers["x-socialgov-signature"]
    )
    assert WebhookAttempt.objects.filter(delivery=delivery, succeeded=True).count() == 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_change_made_while_the_broker_is_down_is_delivered_later_by_the_sweep_through_the_worker(worker):
    # given: the broker is unreachable while the change commits
    alice = UserFactory(email="alice@example.com")
    use_broker(CLOSED_BROKER)
    try:
        with transaction.atomic():
            (n,) = services.notify(event="post.due", recipients=[alice], title="Waiting in the outbox")
    finally:
        use_broker(WORKER_BROKER)
    n.refresh_from_db()
    assert (n.email_state, n.attempts) == (EmailState.PENDING, 0)

    # when: the broker is back and the periodic sweep runs on the worker once the row is stale
    Notification.objects.filter(pk=n.pk).update(
        created_at=timezone.now() - settings.OUTBOX_SWEEP_AFTER - timedelta(seconds=1)
    )
    tasks.sweep_outbox.delay()

    # then: delivered exactly once
    _wait_for(lambda: _delivered(n.pk), what="delivery by the sweep", worker_log=worker.read_log)
    tasks.sweep_outbox.delay()
    _wait_for(
        lambda: len(SWEEP_DONE.findall(worker.read_log())) >= 2,
        what="the second sweep",
        worker_log=worker.read_log,
    )
    assert SWEEP_DONE.findall(worker.read_log())[-1] == "(0, 0)"
    assert len(worker.smtp.messages) == 1
    n.refresh_from_db()
    assert (n.email_state, n.attempts) == (EmailState.SENT, 1)


# --- Races on PostgreSQL -----------------------------------------------------------


def _race(fn, arg, threads: int = 6) -> list:
    barrier = threading.Barrier(threads)
    results: list = []
    errors: list = []

    def run():
        try:
            barrier.wait(5)
            results.append(fn(arg))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(30)
    assert errors == []
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_racing_the_same_email_send_it_once():
    _require_postgres()
    (n,) = services.notify(event="post.due", recipients=[UserFactory()], title="Race")

    results = _race(services.notification_deliver_email, n.pk)

    assert sorted(results) == [False] * 5 + [True]
    assert len(mail.outbox) == 1
    n.refresh_from_db()
    assert (n.email_state, n.attempts) == (EmailState.SENT, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_racing_the_same_webhook_post_it_once(webhook_receiver):
    _require_postgres()
    endpoint = WebhookEndpoint.objects.create(name="r", url=webhook_receiver.url)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="post.due", payload={})

    results = _race(services.webhook_deliver, delivery.pk)

    assert results == [None] * 6
    assert len(webhook_receiver.requests) == 1
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 1
