"""The outbox: notify(), e-mail delivery with its lease, digests and the sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import use_broker
from notifications import services
from notifications.choices import DeliveryState, EmailMode, EmailState
from notifications.models import Notification, NotificationPreference, WebhookDelivery, WebhookEndpoint
from notifications.services import email as email_delivery
from notifications.services import outbox
from notifications.tests.conftest import eager_tasks

pytestmark = pytest.mark.django_db


def _notify(recipients, **kwargs):
    kwargs.setdefault("event", "post.due")
    kwargs.setdefault("title", "A post is due")
    return services.notify(recipients=recipients, **kwargs)


# --- notifications_done() -------------------------------------------------------------


def test_a_done_action_marks_its_requests_read_for_the_named_people_or_everyone(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    # given two people asked to review, and a note that only tells
    alice, bob = UserFactory(email="alice@example.com"), UserFactory(email="bob@example.com")
    _notify([alice, bob], event="post.review_requested", action_key="post:1:review")
    _notify([alice], event="post.review_requested", action_key="post:2:review")
    told = _notify([alice], event="post.stage_approved")[0]
    # when nothing asked for it: one query
    with django_assert_num_queries(1):
        assert services.notifications_done(key="post:3:review") == 0
    # when alice did it: her request alone (one select, one update)
    with django_assert_num_queries(2), django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.notifications_done(key="post:1:review", recipients=[alice]) == 1
    assert len(callbacks) == 1  # the bell forgets her count
    # when the stage closed: everyone's
    assert services.notifications_done(key="post:1:review") == 1
    unread = set(Notification.objects.filter(read_at__isnull=True).values_list("recipient_id", "action_key"))
    assert unread == {(alice.pk, "post:2:review"), (alice.pk, "")}
    told.refresh_from_db()
    assert told.read_at is None


def test_a_request_naming_several_things_is_done_when_none_is_still_open(django_assert_num_queries):
    alice = UserFactory(email="alice@example.com")
    _notify([alice], event="policy.reminder", action_key="policies.acknowledge", data={"versions": [1, 2]})
    _notify([alice], event="policy.published", action_key="policies.acknowledge", data={"versions": [1]})
    asked = []

    def still_open(ids):
        asked.append(ids)
        return [2]

    # one select and one update (the question asked of the caller costs what the caller makes it cost)
    with django_assert_num_queries(2):
        done = services.notifications_done(
            key="policies.acknowledge", recipients=[alice.pk], items="versions", still_open=still_open
        )
    assert done == 1 and asked == [{1, 2}]
    assert Notification.objects.get(read_at__isnull=True).event == "policy.reminder"


# --- notify() ----------------------------------------------------------------------


def test_notify_writes_one_row_per_active_recipient_and_one_delivery_per_interested_endpoint(
    django_capture_on_commit_callbacks, enqueued
):
    # given
    alice, bob = UserFactory(email="alice@example.com"), UserFactory(email="bob@example.com")
    gone = UserFactory(email="gone@example.com", is_active=False)
    wants_posts = WebhookEndpoint.objects.create(name="posts", url="http://127.0.0.1:9/a", events=["post.*"])
    wants_all = WebhookEndpoint.objects.create(name="all", url="http://127.0.0.1:9/b", events=[])
    WebhookEndpoint.objects.create(name="channels", url="http://127.0.0.1:9/c", events=["channel.*"])
    WebhookEndpoint.objects.create(name="off", url="http://127.0.0.1:9/d", events=[], is_active=False)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rows = _notify([alice, bob, gone, alice, None], body="Tomorrow 9:00", url="/posts/1/")

    # then
    assert sorted(n.recipient_id for n in rows) == [alice.pk, bob.pk]
    assert Notification.objects.count() == 2
    assert not Notification.objects.filter(recipient=gone).exists()
    deliveries = WebhookDelivery.objects.order_by("endpoint__name")
    assert [d.endpoint for d in deliveries] == [wants_all, wants_posts]
    assert deliveries[0].payload["event"] == "post.due"
    assert deliveries[0].payload["url"] == settings.SITE_URL + "/posts/1/"
    assert len(callbacks) == 1
    assert sorted(c[:2] for c in enqueued) == sorted(
        [("notifications.deliver_email", (n.pk,)) for n in rows]
        + [("notifications.deliver_webhook", (d.pk,)) for d in deliveries]
    )


def test_notify_enqueues_nothing_before_commit_or_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks, enqueued
):
    # given
    alice = UserFactory()
    WebhookEndpoint.objects.create(name="all", url="http://127.0.0.1:9/")

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _notify([alice])
                assert enqueued == []  # not before commit
                raise RuntimeError("the change fails")
        except RuntimeError:
            pass

    # then
    assert callbacks == []
    assert enqueued == []
    assert Notification.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0


def test_notify_with_nobody_interested_registers_no_callback(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        rows = _notify([UserFactory(is_active=False)])
    assert rows == []
    assert callbacks == []


# --- E-mail delivery ----------------------------------------------------------------


def test_a_delivery_task_run_twice_sends_once(django_capture_on_commit_callbacks, enqueued):
    # given
    alice = UserFactory(email="alice@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        (n,) = _notify([alice], title="Your post was approved")

    # when
    first = services.notification_deliver_email(n.pk)
    second = services.notification_deliver_email(n.pk)

    # then
    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]
    assert mail.outbox[0].subject == "[socialgov] Your post was approved"
    n.refresh_from_db()
    assert n.email_state == EmailState.SENT
    assert n.delivered_at is not None
    assert n.attempts == 1


def test_a_second_concurrent_claim_sees_the_lease_and_does_nothing():
    # given: worker A has claimed the row and is still sending
    (n,) = _notify([UserFactory()])
    claimed = email_delivery._claim_email(n.pk)
    assert claimed is not None

    # when: worker B runs the same delivery
    sent = services.notification_deliver_email(n.pk)

    # then
    assert sent is False
    assert mail.outbox == []
    n.refresh_from_db()
    assert n.attempts == 1
    assert n.email_state == EmailState.PENDING


def test_a_lease_left_by_a_dead_worker_runs_out_and_the_next_run_sends():
    # given: a claim whose worker died
    (n,) = _notify([UserFactory()])
    assert email_delivery._claim_email(n.pk) is not None

    # when
    with time_machine.travel(timezone.now() + services.EMAIL_LEASE + timedelta(seconds=1), tick=False):
        sent = services.notification_deliver_email(n.pk)

    # then
    assert sent is True
    assert len(mail.outbox) == 1
    n.refresh_from_db()
    assert n.attempts == 2


def test_an_smtp_failure_is_retried_with_backoff_until_the_limit_then_marked_failed(monkeypatch, settings, enqueued):
    # given
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    (n,) = _notify([UserFactory()])

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(email_delivery, "_send_email", refuse)
    now = timezone.now().replace(microsecond=0)
    with time_machine.travel(now + settings.OUTBOX_SWEEP_AFTER, tick=False) as clock:
        # when: the first try fails
        assert services.notification_deliver_email(n.pk) is False

        # then: it waits WEBHOOK_BACKOFF_BASE seconds before the next try, and the sweep leaves it alone
        n.refresh_from_db()
        assert (n.email_state, n.attempts, n.delivered_at) == (EmailState.PENDING, 1, None)
        assert n.next_attempt_at == timezone.now() + timedelta(seconds=30)
        assert "SMTP down" in n.last_error
        assert services.notification_deliver_email(n.pk) is False
        assert services.outbox_sweep() == (0, 0)
        n.refresh_from_db()
        assert n.attempts == 1

        # when: due, the sweep hands it over again and the second try fails: twice the wait
        clock.shift(timedelta(seconds=30))
        assert services.outbox_sweep() == (1, 0)
        assert services.notification_deliver_email(n.pk) is False
        n.refresh_from_db()
        assert (n.attempts, n.next_attempt_at) == (2, timezone.now() + timedelta(seconds=60))

        # when: the third try reaches the limit
        clock.shift(timedelta(seconds=60))
        assert services.notification_deliver_email(n.pk) is False

    # then: given up, and the sweep never picks it again
    n.refresh_from_db()
    assert (n.email_state, n.attempts, n.next_attempt_at) == (EmailState.FAILED, 3, None)
    assert n.delivered_at is not None
    assert services.notification_deliver_email(n.pk) is False
    n.refresh_from_db()
    assert n.attempts == 3


def test_a_recipient_deactivated_before_delivery_is_skipped():
    (n,) = _notify([UserFactory(email="later-gone@example.com")])
    n.recipient.is_active = False
    n.recipient.save(update_fields=["is_active"])

    assert services.notification_deliver_email(n.pk) is False

    assert mail.outbox == []
    n.refresh_from_db()
    assert n.email_state == EmailState.SKIPPED


# --- Digests ------------------------------------------------------------------------


def test_digest_recipients_get_no_immediate_mail_and_one_digest_with_all_items(
    django_capture_on_commit_callbacks, enqueued
):
    # given
    daily = UserFactory(email="daily@example.com")
    NotificationPreference.objects.create(user=daily, email_mode=EmailMode.DIGEST)
    other = UserFactory(email="other@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify([daily, other], title="First item")
    with django_capture_on_commit_callbacks(execute=True):
        second = _notify([daily], title="Second item")
    digest_rows = [n for n in first + second if n.recipient_id == daily.pk]

    # then: nothing immediate for the digest reader
    assert all(n.email_state == EmailState.DIGEST for n in digest_rows)
    email_tasks = [args[0] for name, args, _ in enqueued if name == "notifications.deliver_email"]
    assert email_tasks == [n.pk for n in first if n.recipient_id == other.pk]
    for n in digest_rows:
        assert services.notification_deliver_email(n.pk) is False
    assert mail.outbox == []

    # when
    sent = services.digests_send()

    # then
    assert sent == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["daily@example.com"]
    assert "2 notifications" in message.subject
    assert "First item" in message.body and "Second item" in message.body
    assert set(Notification.objects.filter(recipient=daily).values_list("email_state", flat=True)) == {EmailState.SENT}

    # when: the digest runs again
    assert services.digests_send() == 0
    assert len(mail.outbox) == 1


# --- Broker outage and the sweep ---------------------------------------------------


def test_a_change_made_while_the_broker_is_down_succeeds_and_the_sweep_delivers_once(
    django_capture_on_commit_callbacks, broker_down, caplog
):
    # given
    from accounts.services import membership_set
    from accounts.tests.factories import DepartmentFactory, enrol_totp

    it = enrol_totp(UserFactory(email="it@example.com", is_staff=True))  # who changes memberships has a 2nd factor
    person = UserFactory(email="person@example.com")
    department = DepartmentFactory(name="Sales", slug="sales")

    # when: the change commits while the broker refuses connections
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            membership_set(actor=it, user=person, department=department, role="member")

    # then: no error, nothing sent, the row waits in the outbox
    n = Notification.objects.get(recipient=person)
    assert n.email_state == EmailState.PENDING
    assert n.attempts == 0
    assert mail.outbox == []
    assert "Broker unavailable" in caplog.text

    # when: the broker is back, but the row is not yet stale
    use_broker("memory://")
    assert services.outbox_sweep() == (0, 0)

    # when: the sweep runs after OUTBOX_SWEEP_AFTER
    later = n.created_at + settings.OUTBOX_SWEEP_AFTER + timedelta(seconds=1)
    with time_machine.travel(later, tick=False), eager_tasks():
        assert services.outbox_sweep() == (1, 0)
        assert services.outbox_sweep() == (0, 0)

    # then: delivered exactly once
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["person@example.com"]
    n.refresh_from_db()
    assert n.email_state == EmailState.SENT


def test_the_sweep_skips_leased_delivered_and_digest_rows(enqueued):
    # given
    now = timezone.now()
    leased, done, digest, waiting = (_notify([UserFactory()])[0] for _ in range(4))
    Notification.objects.filter(pk=leased.pk).update(next_attempt_at=now + timedelta(hours=1))
    Notification.objects.filter(pk=done.pk).update(email_state=EmailState.SENT, delivered_at=now)
    Notification.objects.filter(pk=digest.pk).update(email_state=EmailState.DIGEST)
    endpoint = WebhookEndpoint.objects.create(name="x", url="http://127.0.0.1:9/")
    hook_due = WebhookDelivery.objects.create(endpoint=endpoint, event="e", next_attempt_at=now)
    WebhookDelivery.objects.create(endpoint=endpoint, event="e", next_attempt_at=now + timedelta(hours=1))
    WebhookDelivery.objects.create(endpoint=endpoint, event="e", state=DeliveryState.SUCCEEDED)

    # when
    with time_machine.travel(now + settings.OUTBOX_SWEEP_AFTER + timedelta(seconds=1), tick=False):
        counts = services.outbox_sweep()

    # then
    assert counts == (1, 1)
    assert sorted(c[:2] for c in enqueued) == [
        ("notifications.deliver_email", (waiting.pk,)),
        ("notifications.deliver_webhook", (hook_due.pk,)),
    ]


def test_an_admin_request_that_notifies_succeeds_with_the_broker_down_and_the_sweep_delivers_once(
    client, superuser, it_security, django_capture_on_commit_callbacks, broker_down, caplog
):
    # given: IT security hears about every deactivation
    leaver = UserFactory(email="leaver@example.com")
    client.force_login(superuser)

    # when: an administrator offboards someone while the broker refuses connections
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/accounts/user/", {"action": "deactivate", "_selected_action": [leaver.pk], "index": 0}
        )

    # then: the request succeeds and the notification waits in the outbox
    assert response.status_code == 302
    leaver.refresh_from_db()
    assert leaver.is_active is False
    n = Notification.objects.get(event="user.deactivated")
    assert n.recipient == it_security
    assert (n.email_state, n.attempts) == (EmailState.PENDING, 0)
    assert "Broker unavailable" in caplog.text
    assert mail.outbox == []

    # when: the broker is back and the sweep runs once the row is stale
    use_broker("memory://")
    stale = n.created_at + settings.OUTBOX_SWEEP_AFTER + timedelta(seconds=1)
    with time_machine.travel(stale, tick=False), eager_tasks():
        assert services.outbox_sweep() == (1, 0)
        assert services.outbox_sweep() == (0, 0)

    # then
    assert [m.to for m in mail.outbox] == [["itsec@example.com"]]
    assert mail.outbox[0].subject == "[socialgov] leaver@example.com was deactivated"


# --- large fan-outs: batches of ids --------------------------------------------------


def test_a_large_fan_out_is_enqueued_as_batches_of_ids(django_capture_on_commit_callbacks, enqueued, monkeypatch):
    # given
    monkeypatch.setattr(outbox, "EMAIL_BATCH", 10)
    people = UserFactory.create_batch(services.EMAIL_SINGLE_UP_TO + 5)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        rows = _notify(people)

    # then: one task per ten ids, every id once, none as a single-e-mail task
    names = [name for name, _, _ in enqueued]
    assert set(names) == {"notifications.deliver_email_batch"}
    assert len(names) == 3
    assert sorted(pk for _, (ids,), _ in enqueued for pk in ids) == sorted(n.pk for n in rows)


def test_a_batch_delivery_run_twice_sends_each_e_mail_once(django_capture_on_commit_callbacks, enqueued):
    # given
    people = UserFactory.create_batch(3)
    gone = UserFactory(email="gone-later@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        rows = _notify([*people, gone])
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    ids = [n.pk for n in rows]

    # when
    first = services.notifications_deliver_email(ids)
    second = services.notifications_deliver_email(ids)

    # then
    assert (first, second) == (3, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    states = dict(Notification.objects.values_list("recipient_id", "email_state"))
    assert states[gone.pk] == EmailState.SKIPPED
    assert {states[p.pk] for p in people} == {EmailState.SENT}
    assert not Notification.objects.filter(delivered_at__isnull=True).exists()


class _WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs (not an ``Exception``: the service must not catch it)."""


def test_a_batch_cut_short_keeps_the_e_mails_already_sent_recorded_so_none_goes_twice(
    django_capture_on_commit_callbacks, enqueued, monkeypatch
):
    # given a batch of three whose worker dies while handing over the second
    people = UserFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True):
        rows = _notify(people)
    ids = [n.pk for n in rows]
    real_send = email_delivery._send_rendered
    calls = []

    def dies_on_the_second(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 2:
            raise _WorkerKilled
        real_send(*args, **kwargs)

    monkeypatch.setattr(email_delivery, "_send_rendered", dies_on_the_second)
    with pytest.raises(_WorkerKilled):
        services.notifications_deliver_email(ids)
    monkeypatch.setattr(email_delivery, "_send_rendered", real_send)

    # when the leases have run out and the batch runs again (the sweep, or the message handed out again)
    Notification.objects.filter(pk__in=ids).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    again = services.notifications_deliver_email(ids)

    # then the one that had gone out is not sent again: each person has their e-mail once
    assert again == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert set(Notification.objects.filter(pk__in=ids).values_list("email_state", flat=True)) == {EmailState.SENT}


def test_every_copy_of_a_notifications_e_mail_carries_its_id_and_one_message_id(
    django_capture_on_commit_callbacks, enqueued, settings
):
    # given
    settings.SITE_URL = "https://socialgov.example.com"
    alice = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        (n,) = _notify([alice])

    # when it is sent alone, and (its lease run out) as part of a batch
    services.notification_deliver_email(n.pk)
    Notification.objects.filter(pk=n.pk).update(email_state=EmailState.PENDING, delivered_at=None, next_attempt_at=None)
    services.notifications_deliver_email([n.pk])

    # then both copies say which notification they are, under the same Message-ID
    first, second = mail.outbox
    assert (
        first.extra_headers
        == second.extra_headers
        == {
            "Message-ID": f"<notification-{n.pk}@socialgov.example.com>",
            "X-Socialgov-Notification": str(n.pk),
        }
    )


def test_a_batch_renders_a_shared_text_once_and_gives_each_e_mail_its_own(
    django_capture_on_commit_callbacks, enqueued, monkeypatch
):
    # given a batch of five, three told one thing and two another (one with markup in its title)
    people = UserFactory.create_batch(5)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(event="x.y", recipients=people[:3], title="Shared news", body="Same for all", url="/a/")
        services.notify(event="x.z", recipients=people[3:], title="<b>Other</b>", body="Second text", url="/b/")
    renders = []
    real_render = email_delivery._render_email
    monkeypatch.setattr(email_delivery, "_render_email", lambda *a: renders.append(a) or real_render(*a))

    # when
    sent = services.notifications_deliver_email(list(Notification.objects.values_list("pk", flat=True)))

    # then each text was rendered once, and every e-mail carries its own notification's text
    assert (sent, len(renders)) == (5, 2)
    by_recipient = {m.to[0]: m for m in mail.outbox}
    for person in people[:3]:
        message = by_recipient[person.email]
        assert message.subject == "[socialgov] Shared news" and "Same for all" in message.body
        assert f"{settings.SITE_URL}/a/" in message.body
    for person in people[3:]:
        message = by_recipient[person.email]
        assert "Second text" in message.body and "Same for all" not in message.body
        html = message.alternatives[0][0]
        assert "&lt;b&gt;Other&lt;/b&gt;" in html and "<b>Other</b>" not in html


def test_a_batch_skips_what_a_single_delivery_already_sent_or_holds(django_capture_on_commit_callbacks, enqueued):
    # given
    a, b = UserFactory.create_batch(2)
    with django_capture_on_commit_callbacks(execute=True):
        first, second = _notify([a, b])
    assert services.notification_deliver_email(first.pk) is True
    Notification.objects.filter(pk=second.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=1))

    # when
    sent = services.notifications_deliver_email([first.pk, second.pk])

    # then: the sent one is not sent again, the leased one is left to its holder
    assert sent == 0
    assert len(mail.outbox) == 1
