"""A real worker killed mid-delivery (SIGKILL, no chance to clean up): after a restart the
notification is delivered exactly once.

What makes it so: the task message is acknowledged late (``CELERY_TASK_ACKS_LATE``), so the
broker hands it out again once its visibility timeout has passed; the delivery row's claim lease
stops a second worker, or the outbox sweep, from sending while the first may still be at it; and
once delivered the row is finished, so any further copy of the message is a no-op.

Run with DATABASE_URL=postgres://... and REDIS_URL=redis://...; skipped (with the reason) otherwise.
"""

from __future__ import annotations

import signal
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import services, tasks
from notifications.choices import DeliveryState
from notifications.models import Notification, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from notifications.tests.test_integration import (  # noqa: F401 - worker_broker is a fixture
    SWEEP_DONE,
    _wait_for,
    start_worker,
    stop_worker,
    worker_broker,
)

VISIBILITY_TIMEOUT = 1  # seconds (production: an hour); the restarted worker re-takes the message


def _state(pk: int) -> tuple[str, int]:
    d = WebhookDelivery.objects.get(pk=pk)
    return d.state, d.attempts


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("worker_broker")
def test_a_worker_killed_mid_delivery_delivers_exactly_once_after_a_restart(webhook_receiver):
    # given a webhook receiver that hangs on the first request, and a worker delivering to it
    webhook_receiver.delay = 60
    endpoint = WebhookEndpoint.objects.create(name="receiver", url=webhook_receiver.url, secret="k", events=["*"])
    extra = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "WEBHOOK_TIMEOUT": "30"}
    first = start_worker(**extra)
    second = None
    try:
        services.notify(event="post.due", recipients=[], title="Due now")  # enqueued on commit (autocommit)
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        _wait_for(lambda: len(webhook_receiver.requests) == 1, what="the first request", worker_log=first.read_log)
        assert _state(delivery.pk) == (DeliveryState.PENDING, 1)  # claimed, the request in flight

        # when the worker is killed outright mid-request
        webhook_receiver.delay = 0  # the receiver answers at once from now on
        first.send_signal(signal.SIGKILL)
        first.wait(10)

        # then nothing was recorded as delivered, and the claim holds off any other delivery
        assert _state(delivery.pk) == (DeliveryState.PENDING, 1)
        assert not WebhookAttempt.objects.filter(delivery=delivery).exists()
        assert services.webhook_deliver(delivery.pk) is None  # the lease: nobody else sends now
        assert len(webhook_receiver.requests) == 1

        # when the lease has run out (as it does WEBHOOK_TIMEOUT * 2 + 30 s after the claim) and a
        # worker starts again: the broker hands the unacknowledged message out again
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() - timedelta(seconds=1),
            created_at=timezone.now() - timedelta(hours=1),
        )
        second = start_worker(**extra)

        # then it is delivered, once
        _wait_for(
            lambda: _state(delivery.pk)[0] == DeliveryState.SUCCEEDED,
            what="delivery after the restart",
            worker_log=second.read_log,
        )
        assert _state(delivery.pk) == (DeliveryState.SUCCEEDED, 2)
        assert WebhookAttempt.objects.filter(delivery=delivery, succeeded=True).count() == 1
        assert len(webhook_receiver.requests) == 2  # the unanswered one, and the one that went through
        ids = {r.headers["X-Socialgov-Delivery"] for r in webhook_receiver.requests}
        assert ids == {str(delivery.pk)}  # the same delivery id: a receiver can tell a retry apart

        # and neither the sweep nor another copy of the message sends it again
        tasks.deliver_webhook.delay(delivery.pk)
        tasks.sweep_outbox.delay()
        _wait_for(lambda: SWEEP_DONE.search(second.read_log()), what="the sweep", worker_log=second.read_log)
        assert SWEEP_DONE.findall(second.read_log())[-1] == "(0, 0)"
        assert len(webhook_receiver.requests) == 2
        assert WebhookAttempt.objects.filter(delivery=delivery).count() == 1
    finally:
        stop_worker(first)
        if second is not None:
            stop_worker(second)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("worker_broker")
def test_a_hanging_webhook_times_out_is_retried_and_does_not_block_the_worker(webhook_receiver, smtp_server):
    # given an endpoint that hangs, a one-second webhook timeout and back-off, and one worker
    from accounts.tests.factories import UserFactory

    webhook_receiver.delay = 60
    endpoint = WebhookEndpoint.objects.create(name="slow", url=webhook_receiver.url, secret="k", events=["post.*"])
    alice = UserFactory(email="alice@example.com")
    proc = start_worker(smtp_server=smtp_server, WEBHOOK_TIMEOUT="1", WEBHOOK_BACKOFF_BASE="1")
    try:
        # when an event for the hanging endpoint is followed by an e-mail for someone else
        services.notify(event="post.due", recipients=[], title="For the webhook")
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        _wait_for(lambda: len(webhook_receiver.requests) == 1, what="the first request", worker_log=proc.read_log)
        (n,) = services.notify(event="account.note", recipients=[alice], title="For Alice")

        # then the attempt gives up after the timeout, is logged, and the worker goes on to the e-mail
        _wait_for(
            lambda: Notification.objects.filter(pk=n.pk, delivered_at__isnull=False).exists(),
            what="the e-mail behind the hanging webhook",
            worker_log=proc.read_log,
        )
        assert [m["rcpt"] for m in smtp_server.messages] == [["alice@example.com"]]
        (timed_out,) = WebhookAttempt.objects.filter(delivery=delivery)
        assert timed_out.status_code is None and "Timeout" in timed_out.error  # the endpoint hangs for 60 s

        # when the endpoint answers again, the retry the worker scheduled goes through
        webhook_receiver.delay = 0
        _wait_for(
            lambda: _state(delivery.pk)[0] == DeliveryState.SUCCEEDED,
            what="the retried webhook",
            worker_log=proc.read_log,
        )
        assert _state(delivery.pk) == (DeliveryState.SUCCEEDED, 2)
        assert WebhookAttempt.objects.filter(delivery=delivery, succeeded=True).count() == 1
    finally:
        stop_worker(proc)
