"""Webhooks: signatures, a real HTTP receiver on loopback, backoff, timeouts and the event filter."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from notifications import services, tasks
from notifications.choices import DeliveryState
from notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from notifications.services import webhooks
from notifications.tests.conftest import closed_port

pytestmark = pytest.mark.django_db


def _delivery(url: str, *, secret: str = "s3cret", event: str = "post.due") -> WebhookDelivery:
    endpoint = WebhookEndpoint.objects.create(name="receiver", url=url, secret=secret)
    return WebhookDelivery.objects.create(
        endpoint=endpoint, event=event, payload={"event": event, "title": "<b>Due</b> ü", "data": {"id": 7}}
    )


# --- Signatures --------------------------------------------------------------------


def test_a_signature_verifies_with_the_endpoint_secret_only():
    # given
    body = b'{"event":"post.due"}'
    ts = int(time.time())
    signature = services.sign("right-secret", ts, body)

    # then
    assert signature.startswith("sha256=")
    assert services.verify_signature("right-secret", str(ts), body, signature)
    assert not services.verify_signature("other-secret", ts, body, signature)
    assert not services.verify_signature("right-secret", ts, body + b" ", signature)
    assert not services.verify_signature("right-secret", ts + 1, body, signature)
    assert not services.verify_signature("right-secret", "not-a-number", body, signature)


def test_an_old_signature_is_refused():
    ts = int(time.time()) - 301
    body = b"{}"
    assert not services.verify_signature("k", ts, body, services.sign("k", ts, body))
    assert services.verify_signature("k", ts, body, services.sign("k", ts, body), tolerance=600)


# --- Event filter ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "event", "wanted"),
    [
        (["post.*"], "post.due", True),
        (["post.*"], "channel.x", False),
        (["post.*"], "postal.due", False),
        (["post.*"], "post", False),
        (["post.due"], "post.due", True),
        (["post.due"], "post.decided", False),
        ([], "channel.x", True),
        (["*"], "anything", True),
        (["channel.*", "post.due"], "post.due", True),
    ],
)
def test_endpoint_event_filter(events, event, wanted):
    assert WebhookEndpoint(name="x", url="http://x", events=events).wants(event) is wanted


# --- Delivery to a real receiver ---------------------------------------------------


def test_a_delivery_reaches_a_real_receiver_with_headers_and_a_verifiable_signature(webhook_receiver):
    # given
    delivery = _delivery(webhook_receiver.url, secret="endpoint-secret")

    # when
    result = services.webhook_deliver(delivery.pk)

    # then: the receiver got one request it can verify from the raw body
    assert result is None
    (request,) = webhook_receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert request.path == "/hook"
    assert headers["content-type"] == "application/json"
    assert headers["x-socialgov-event"] == "post.due"
    assert headers["x-socialgov-delivery"] == str(delivery.pk)
    ts = headers["x-socialgov-timestamp"]
    assert abs(int(ts) - time.time()) < 60
    expected = "sha256=" + hmac.new(b"endpoint-secret", ts.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert headers["x-socialgov-signature"] == expected
    assert services.verify_signature("endpoint-secret", ts, request.body, headers["x-socialgov-signature"])
    assert not services.verify_signature("another-secret", ts, request.body, headers["x-socialgov-signature"])
    assert json.loads(request.body) == delivery.payload

    # and: the delivery is done, one attempt logged
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED
    assert delivery.last_status == 200
    assert delivery.delivered_at is not None
    (attempt,) = delivery.attempt_log.all()
    assert (attempt.number, attempt.status_code, attempt.succeeded, attempt.error) == (1, 200, True, "")

    # when: the task runs again
    assert tasks.deliver_webhook(delivery.pk) is None

    # then: a no-op
    assert len(webhook_receiver.requests) == 1
    assert WebhookAttempt.objects.count() == 1


def _run_until_finished(delivery: WebhookDelivery) -> list[tuple[int, int | None]]:
    """Run the delivery at each retry time; return (delay, seconds until next_attempt_at) per failed try."""
    schedule = []
    now = timezone.now().replace(microsecond=0)
    with time_machine.travel(now, tick=False) as clock:
        for _ in range(settings.WEBHOOK_MAX_ATTEMPTS + 2):
            delay = services.webhook_deliver(delivery.pk)
            delivery.refresh_from_db()
            if delay is None:
                break
            schedule.append((delay, (delivery.next_attempt_at - timezone.now()).total_seconds()))
            # too early: the retry holds back until next_attempt_at
            clock.shift(timedelta(seconds=delay - 1))
            assert services.webhook_deliver(delivery.pk) is None
            clock.shift(timedelta(seconds=1))
    return schedule


@pytest.mark.parametrize("failure", ["http_500", "connection_refused"])
def test_a_failing_endpoint_is_retried_with_exponential_backoff_then_failed(failure, webhook_receiver):
    # given
    if failure == "http_500":
        webhook_receiver.status = 500
        delivery = _delivery(webhook_receiver.url)
    else:
        delivery = _delivery(f"http://127.0.0.1:{closed_port()}/hook")
    base, limit = settings.WEBHOOK_BACKOFF_BASE, settings.WEBHOOK_MAX_ATTEMPTS
    assert (base, limit) == (30, 8)  # the defaults this test describes

    # when
    schedule = _run_until_finished(delivery)

    # then: 30 s, 60 s, 120 s ... and FAILED after the last attempt
    assert [d for d, _ in schedule] == [30, 60, 120, 240, 480, 960, 1920]
    assert [s for _, s in schedule] == [30, 60, 120, 240, 480, 960, 1920]
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == limit
    assert delivery.next_attempt_at is None
    attempts = list(delivery.attempt_log.all())
    assert [a.number for a in attempts] == list(range(1, limit + 1))
    assert not any(a.succeeded for a in attempts)
    if failure == "http_500":
        assert len(webhook_receiver.requests) == limit
        assert {a.status_code for a in attempts} == {500}
        assert {a.error for a in attempts} == {"HTTP 500"}
        assert delivery.last_status == 500
    else:
        assert {a.status_code for a in attempts} == {None}
        assert all(a.error.startswith("ConnectionError") for a in attempts)

    # when: run again after giving up
    assert services.webhook_deliver(delivery.pk) is None
    assert WebhookAttempt.objects.count() == limit


def test_an_endpoint_that_recovers_is_marked_succeeded(webhook_receiver):
    # given: the first try fails
    webhook_receiver.status = 503
    delivery = _delivery(webhook_receiver.url)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert services.webhook_deliver(delivery.pk) == 30

        # when: the receiver is back when the retry is due
        webhook_receiver.status = 204
        clock.shift(timedelta(seconds=30))
        assert services.webhook_deliver(delivery.pk) is None

    # then
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status, delivery.last_error) == (
        DeliveryState.SUCCEEDED,
        2,
        204,
        "",
    )
    assert [(a.status_code, a.succeeded) for a in delivery.attempt_log.all()] == [(503, False), (204, True)]


def test_the_task_re_enqueues_itself_with_the_backoff_countdown(webhook_receiver, enqueued):
    # given
    webhook_receiver.status = 500
    delivery = _delivery(webhook_receiver.url)

    # when
    result = tasks.deliver_webhook(delivery.pk)

    # then
    assert result == 30
    assert enqueued == [("notifications.deliver_webhook", (delivery.pk,), {"countdown": 30})]


def test_a_hanging_endpoint_gives_a_bounded_attempt_logged_as_a_timeout(webhook_receiver, settings):
    # given
    settings.WEBHOOK_TIMEOUT = 0.5
    webhook_receiver.delay = 5
    delivery = _delivery(webhook_receiver.url)

    # when
    started = time.monotonic()
    delay = services.webhook_deliver(delivery.pk)
    elapsed = time.monotonic() - started

    # then
    assert delay == 30
    assert elapsed < 2.5
    (attempt,) = delivery.attempt_log.all()
    assert attempt.status_code is None
    assert "Timeout" in attempt.error
    assert 400 <= attempt.duration_ms < 2500
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING
    assert "Timeout" in delivery.last_error


def test_a_disabled_endpoint_is_not_called(webhook_receiver):
    delivery = _delivery(webhook_receiver.url)
    WebhookEndpoint.objects.update(is_active=False)

    assert services.webhook_deliver(delivery.pk) is None

    assert webhook_receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED


def test_an_endpoint_that_trickles_its_response_does_not_hold_the_worker(webhook_receiver, settings):
    # given: every byte arrives within the timeout, the whole body would take 8 s
    settings.WEBHOOK_TIMEOUT = 0.5
    webhook_receiver.delay = 0.2
    webhook_receiver.trickle = 40
    delivery = _delivery(webhook_receiver.url)

    # when
    started = time.monotonic()
    services.webhook_deliver(delivery.pk)
    elapsed = time.monotonic() - started

    # then: the status line is the answer; the body is not waited for
    assert elapsed < 2.0
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED
    assert delivery.attempt_log.get().duration_ms < 2000


def test_an_unexpected_error_counts_as_an_attempt_so_the_delivery_ends(monkeypatch, settings):
    # given: the HTTP layer raises something that is not a requests error
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    delivery = _delivery("http://127.0.0.1:9/hook")

    def broken(*args, **kwargs):
        raise UnicodeEncodeError("latin-1", "é", 0, 1, "header")

    monkeypatch.setattr(webhooks.requests, "post", broken)

    # when
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert services.webhook_deliver(delivery.pk) == 30
        clock.shift(timedelta(seconds=30))
        assert services.webhook_deliver(delivery.pk) is None

    # then
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 2)
    assert [a.error.split(":")[0] for a in delivery.attempt_log.all()] == ["UnicodeEncodeError"] * 2
