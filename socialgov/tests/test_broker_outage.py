"""The broker down during a decision: the request succeeds, the notifications wait in the outbox,
and the sweep delivers each of them once the broker is back; none is lost, none sent twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from approvals.models import Decision
from approvals.tests.factories import channel_for, open_stage, submitted
from conftest import use_broker
from notifications import services as notifications
from notifications.choices import DeliveryState, EmailState
from notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from notifications.services import webhooks
from notifications.tests.conftest import CLOSED_BROKER, eager_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down():
    use_broker(CLOSED_BROKER)
    try:
        yield
    finally:
        use_broker("memory://")


def test_a_decision_made_while_the_broker_is_down_succeeds_and_is_delivered_later_once(
    client, employee, reviewer, department, django_capture_on_commit_callbacks, broker_down, caplog, monkeypatch
):
    # given a post in review, an integration that wants post events, and the broker refusing connections
    post = submitted(employee, channel_for(employee, department=department))
    stage = open_stage(post)
    WebhookEndpoint.objects.create(name="publisher", url="http://127.0.0.1:9/hook", events=["post.*"])
    Notification.objects.all().delete()
    WebhookDelivery.objects.all().delete()
    client.force_login(reviewer)
    started = timezone.now()

    # when the reviewer asks for changes
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/posts/{post.pk}/decide/",
            {"outcome": "request_changes", "comment": "Add the disclosure."},
            content_type="application/json",
        )

    # then the decision stands and what it notifies waits in the outbox
    assert response.status_code == 200, response.content
    assert Decision.objects.filter(stage_review=stage).count() == 1
    post.refresh_from_db()
    assert post.state == "changes_requested"
    waiting = list(Notification.objects.all())
    assert [n.recipient for n in waiting] == [employee]
    assert [(n.email_state, n.attempts) for n in waiting] == [(EmailState.PENDING, 0)]
    (delivery,) = WebhookDelivery.objects.all()
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 0)
    assert "Broker unavailable" in caplog.text
    assert mail.outbox == []

    # when the broker is back and the sweep runs (twice) once the rows are stale
    posted = []
    monkeypatch.setattr(webhooks.requests, "post", lambda *a, **k: posted.append(k) or _Ok())
    use_broker("memory://")
    with time_machine.travel(started + settings.OUTBOX_SWEEP_AFTER + timedelta(seconds=1), tick=False), eager_tasks():
        assert notifications.outbox_sweep() == (1, 1)
        assert notifications.outbox_sweep() == (0, 0)

    # then each was delivered exactly once
    assert [m.to for m in mail.outbox] == [["employee@example.com"]]
    assert len(posted) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SUCCEEDED, 1)
    assert Notification.objects.get().email_state == EmailState.SENT


class _Ok:
    status_code = 200

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
