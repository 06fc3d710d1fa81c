"""The Celery tasks, called directly, and e-mail through a real SMTP server on loopback."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.queues import Queue
from notifications import services, tasks
from notifications.choices import EmailMode, EmailState
from notifications.models import Notification, NotificationPreference
from notifications.services import email as email_delivery

pytestmark = pytest.mark.django_db


def _smtp(box):
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=box.host,
        EMAIL_PORT=box.port,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_TIMEOUT=5,
    )


def test_tasks_have_explicit_names_and_are_routed_to_their_queues():
    from socialgov.celery import app

    def queue_of(task):
        return app.amqp.router.route({}, task.name)["queue"].name

    assert tasks.deliver_email.name == "notifications.deliver_email"
    assert queue_of(tasks.deliver_email) == Queue.NOTIFICATIONS
    assert queue_of(tasks.deliver_webhook) == Queue.WEBHOOKS
    assert queue_of(tasks.sweep_outbox) == queue_of(tasks.send_digests) == Queue.PERIODIC


def test_the_email_task_run_twice_sends_once():
    (n,) = services.notify(event="post.due", recipients=[UserFactory()], title="Due")

    assert tasks.deliver_email(n.pk) is True
    assert tasks.deliver_email(n.pk) is False

    assert len(mail.outbox) == 1


def test_the_periodic_tasks_call_the_sweep_and_the_digest(enqueued):
    # given
    daily = UserFactory()
    NotificationPreference.objects.create(user=daily, email_mode=EmailMode.DIGEST)
    services.notify(event="post.due", recipients=[daily, UserFactory()], title="Due")

    # when
    with time_machine.travel(timezone.now() + settings.OUTBOX_SWEEP_AFTER + timedelta(seconds=1), tick=False):
        swept = tasks.sweep_outbox()
    digests = tasks.send_digests()

    # then
    assert swept == (1, 0)
    assert [name for name, _, _ in enqueued] == ["notifications.deliver_email"]
    assert digests == 1
    assert len(mail.outbox) == 1


def test_an_email_goes_through_a_real_smtp_server_with_the_title_escaped_in_html(smtp_server):
    # given
    alice = UserFactory(email="alice@example.com")
    (n,) = services.notify(
        event="post.decided",
        recipients=[alice],
        title='<b>Launch</b> & "more"',
        body="Approved by the reviewer.\n<i>See you</i>",
        url="/posts/42/",
    )

    # when
    with _smtp(smtp_server):
        sent = tasks.deliver_email(n.pk)

    # then
    assert sent is True
    (received,) = smtp_server.messages
    assert received["rcpt"] == ["alice@example.com"]
    message = received["message"]
    assert message["Subject"] == '[socialgov] <b>Launch</b> & "more"'
    assert message["To"] == "alice@example.com"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert '<b>Launch</b> & "more"' in text
    assert "Approved by the reviewer." in text
    assert f"{settings.SITE_URL}/posts/42/" in text
    assert "<b>Launch</b>" not in html
    assert "&lt;b&gt;Launch&lt;/b&gt; &amp; &quot;more&quot;" in html
    assert "<i>See you</i>" not in html
    assert "&lt;i&gt;See you&lt;/i&gt;" in html
    assert f'href="{settings.SITE_URL}/posts/42/"' in html
    n.refresh_from_db()
    assert n.email_state == EmailState.SENT


def test_an_unreachable_smtp_server_leaves_the_notification_for_a_retry():
    # given
    from notifications.tests.conftest import Mailbox, closed_port

    (n,) = services.notify(event="post.due", recipients=[UserFactory()], title="Due")

    # when
    with _smtp(Mailbox(host="127.0.0.1", port=closed_port())):
        sent = tasks.deliver_email(n.pk)

    # then
    assert sent is False
    n.refresh_from_db()
    assert (n.email_state, n.attempts, n.delivered_at) == (EmailState.PENDING, 1, None)
    assert n.next_attempt_at > timezone.now()  # retried after a backoff
    assert n.last_error


def test_a_digest_through_a_real_smtp_server_escapes_titles(smtp_server):
    daily = UserFactory(email="daily@example.com")
    NotificationPreference.objects.create(user=daily, email_mode=EmailMode.DIGEST)
    services.notify(event="a", recipients=[daily], title="<script>x</script>")
    services.notify(event="b", recipients=[daily], title="Second")

    with _smtp(smtp_server):
        assert tasks.send_digests() == 1
        assert tasks.send_digests() == 0

    (received,) = smtp_server.messages
    html = received["message"].get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "Second" in html


def test_one_failing_digest_does_not_hold_back_the_others(monkeypatch):
    # given: two digest readers; sending to the first fails
    first, second = UserFactory(email="first@example.com"), UserFactory(email="second@example.com")
    for user in (first, second):
        NotificationPreference.objects.create(user=user, email_mode=EmailMode.DIGEST)
        services.notify(event="a", recipients=[user], title="Item")
    real_send = email_delivery._send_email

    def flaky(to, *args, **kwargs):
        if to == "first@example.com":
            raise ConnectionResetError("SMTP hiccup")
        return real_send(to, *args, **kwargs)

    monkeypatch.setattr(email_delivery, "_send_email", flaky)

    # when
    sent = services.digests_send()

    # then: the second still gets hers; the first waits for the next run
    assert sent == 1
    assert [m.to for m in mail.outbox] == [["second@example.com"]]
    assert Notification.objects.get(recipient=first).email_state == EmailState.DIGEST
    assert Notification.objects.get(recipient=second).email_state == EmailState.SENT

    # when: the next run works
    monkeypatch.setattr(email_delivery, "_send_email", real_send)
    assert services.digests_send() == 1
    assert [m.to for m in mail.outbox] == [["second@example.com"], ["first@example.com"]]


def test_a_deactivated_digest_reader_gets_nothing_and_the_rows_say_skipped():
    daily = UserFactory(email="left@example.com")
    NotificationPreference.objects.create(user=daily, email_mode=EmailMode.DIGEST)
    services.notify(event="a", recipients=[daily], title="Item")
    daily.is_active = False
    daily.save(update_fields=["is_active"])

    assert services.digests_send() == 0

    assert mail.outbox == []
    assert Notification.objects.get(recipient=daily).email_state == EmailState.SKIPPED
    assert services.digests_send() == 0


def test_every_digest_reader_gets_a_digest_even_beyond_one_batch():
    # given: more digest readers than one batch
    readers = [UserFactory(email=f"reader{i}@example.com") for i in range(5)]
    for user in readers:
        NotificationPreference.objects.create(user=user, email_mode=EmailMode.DIGEST)
    services.notify(event="a", recipients=readers, title="Item")

    # when
    sent = services.digests_send(batch=2)

    # then
    assert sent == 5
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in readers)
    assert not Notification.objects.filter(email_state=EmailState.DIGEST).exists()
