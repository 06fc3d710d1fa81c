"""Notifications: the outbox and its delivery.

``notify`` is called inside a service's transaction: it writes Notification
rows (one per recipient) and WebhookDelivery rows (one per interested
endpoint), and enqueues their delivery on commit. If the broker is down the
enqueue is logged and skipped; the periodic sweep sends what is still waiting.

Delivery claims a row in a short transaction (a lease in ``next_attempt_at``),
sends outside any transaction, then records the outcome. A task run twice, or
two workers racing, sends once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit import services as audit
from core import outbound
from core.errors import InvalidInput, ensure
from notifications import chat
from notifications.choices import DeliveryState, EmailMode, EmailState
from notifications.models import (
    ChatTarget,
    Notification,
    NotificationPreference,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from notifications.selectors import forget_unread

log = logging.getLogger(__name__)

EMAIL_LEASE = timedelta(minutes=5)
EMAIL_SINGLE_UP_TO = 20  # up to this many e-mails at once: a task each; more: tasks of EMAIL_BATCH ids
EMAIL_BATCH = 200
SIGNATURE_HEADER = "X-Socialgov-Signature"
TIMESTAMP_HEADER = "X-Socialgov-Timestamp"
NOTIFICATION_HEADER = "X-Socialgov-Notification"  # on e-mails: the notification's id


# --- Writing the outbox ------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One person's notification in a fan-out where each hears something of their own."""

    recipient_id: int
    title: str
    body: str = ""
    url: str = ""
    data: dict[str, Any] | None = None
    language: str = ""  # the recipient's (their chat card's buttons); "": the site's LANGUAGE_CODE


def notify(
    *,
    event: str,
    recipients: Iterable[Any],
    title: str,
    body: str = "",
    url: str = "",
    target: Any = None,
    data: dict[str, Any] | None = None,
    action_key: str = "",
) -> list[Notification]:
    """Queue ``event`` for ``recipients`` (users) and every webhook that wants it.

    ``action_key``: what the notification asks its recipients to do; the service that sees it done calls
    ``notifications_done`` with the same key, and the request leaves their unread."""
    people = {u.pk: u for u in recipients if u is not None and getattr(u, "is_active", False)}
    return notify_each(
        event=event,
        messages=[
            Message(pk, *in_language(people[pk], title, body), url, data, language=language_of(people[pk]))
            for pk in sorted(people)
        ],
        target=target,
        webhook_title=site_text(title),
        webhook_url=url,
        webhook_data=data,
        action_key=action_key,
    )


def language_of(user: Any) -> str:
    """The language a person reads their notifications in: their profile's choice, else the site's."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def in_language(user: Any, *texts: Any) -> list[str]:
    """``texts`` as ``user`` reads them: marked ones (``gettext_lazy``, ``format_lazy``) translated into their
    language, plain strings as they are (already written for them, or text a person typed)."""
    if not any(isinstance(t, Promise) for t in texts):
        return [str(t) for t in texts]
    with translation.override(language_of(user)):
        return [str(t) for t in texts]


def site_text(text: Any) -> str:
    """A marked text in the site's language (LANGUAGE_CODE): webhooks and a department's chat channels are read by
    systems and many people, not one person."""
    return in_language(None, text)[0]


def notify_each(
    *,
    event: str,
    messages: Sequence[Message],
    target: Any = None,
    webhook_title: str = "",
    webhook_url: str = "",
    webhook_data: dict[str, Any] | None = None,
    action_key: str = "",
) -> list[Notification]:
    """Queue one notification per message (each recipient their own text and data) and one webhook
    delivery per interested endpoint (``webhook_*``: what the whole fan-out was about).

    The callers give active recipients' ids. The number of queries does not grow with the messages.
    """
    target_type = target._meta.label_lower if target is not None else ""
    target_id = str(target.pk) if target is not None else ""
    payloads: dict[int, Any] = {}  # a payload shared by every message is encoded once

    def payload(data: dict[str, Any] | None) -> Any:
        if id(data) not in payloads:
            payloads[id(data)] = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
        return payloads[id(data)]

    modes = dict(
        NotificationPreference.objects.filter(user_id__in={m.recipient_id for m in messages}).values_list(
            "user_id", "email_mode"
        )
    )
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=m.recipient_id,
                event=event,
                title=m.title[:200],
                body=m.body,
                url=m.url[:500],
                target_type=target_type,
                target_id=target_id,
                payload=payload(m.data),
                action_key=action_key[:100],
                email_state=EmailState.DIGEST if modes.get(m.recipient_id) == EmailMode.DIGEST else EmailState.PENDING,
            )
            for m in messages
        ]
    )

    endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True) if e.wants(event)]
    deliveries: list[WebhookDelivery] = []
    if endpoints:
        occurred_at = timezone.now()
        envelope = {
            "event": event,
            "occurred_at": occurred_at.isoformat(),
            "title": webhook_title,
            "url": absolute_url(webhook_url) if webhook_url else "",
            "target": {"type": target_type, "id": target_id} if target is not None else None,
            "data": payload(webhook_data),
        }
        deliveries = WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(endpoint=e, event=event, payload=envelope) for e in endpoints]
        )
    deliveries += _chat_deliveries(event, messages, target, webhook_title, webhook_url)

    email_ids = [n.pk for n in rows if n.email_state == EmailState.PENDING]
    delivery_ids = [d.pk for d in deliveries]
    recipients = {m.recipient_id for m in messages}

    def after_commit() -> None:
        forget_unread(recipients)  # their bells count again
        if email_ids or delivery_ids:
            enqueue_deliveries(email_ids, delivery_ids)

    if recipients or delivery_ids:
        transaction.on_commit(after_commit)
    return rows


def _chat_deliveries(
    event: str, messages: Sequence[Message], target: Any, title: str, url: str
) -> list[WebhookDelivery]:
    """The chat cards of a fan-out: one per recipient with a chat target of their own (their own text), and one
    per chat target of the department the target belongs to when the event is one it hears. One query."""
    department_id = chat.department_of(target) if event in chat.DEPARTMENT_EVENTS else None
    owners = models.Q(user_id__in={m.recipient_id for m in messages})
    if department_id is not None:
        owners |= models.Q(department_id=department_id)
    targets = list(ChatTarget.objects.filter(owners, is_active=True)) if messages or department_id else []
    if not targets:
        return []
    by_person = {m.recipient_id: m for m in messages}
    rows = []
    for t in targets:
        if t.user_id is not None:
            m = by_person[t.user_id]
            with translation.override(m.language or settings.LANGUAGE_CODE):
                card = chat.payload_for(t.kind, title=m.title, body=m.body, url=chat_link(m.url))
        else:
            with translation.override(settings.LANGUAGE_CODE):
                card = chat.payload_for(t.kind, title=title, body="", url=chat_link(url))
        rows.append(WebhookDelivery(chat_target=t, event=event, payload=card))
    return WebhookDelivery.objects.bulk_create(rows)


def chat_link(path: str) -> str:
    """The address a chat card's button opens: the notification's page, else the notifications list."""
    return absolute_url(path or "/notifications/")


def decided_by(actor: Any, comment: str = "") -> Any:
    """The line a decision's notification carries: who decided and, when they wrote one, their comment.

    Plain text: the pages and the HTML e-mail escape it, the text e-mail and the webhooks carry it as written.
    Without a comment it is marked text (``notify`` writes it in each recipient's language)."""
    name = actor.get_full_name() if actor is not None else "socialgov"
    comment = (comment or "").strip()
    return f"{name}: “{comment}”" if comment else format_lazy(gettext_lazy("By {name}, without a comment."), name=name)


def notifications_done(
    *,
    key: str,
    recipients: Iterable[Any] | None = None,
    keep: Iterable[Any] = (),
    items: str = "",
    still_open: Callable[[set[Any]], Iterable[Any]] | None = None,
) -> int:
    """The action ``key`` names is done: mark read the unread notifications that asked for it, of ``recipients``
    (users or ids) or of everyone but ``keep`` (users or ids still asked: the reviewers of an "all" stage who have
    not decided, and their delegates). Called in the transaction of the service that did it.

    A notification asking for several things (their ids in ``payload[items]``: a weekly reminder of three
    policies) is done only when ``still_open``, given every id those notifications ask for, returns none of its
    own. One query when nothing asked for it; then one for ``still_open`` (if any) and one update.
    """
    asked = Notification.objects.filter(action_key=key, read_at__isnull=True)
    if recipients is not None:
        asked = asked.filter(recipient_id__in=sorted({getattr(r, "pk", r) for r in recipients}))
    if keep := sorted({getattr(r, "pk", r) for r in keep}):
        asked = asked.exclude(recipient_id__in=keep)
    if items and still_open is not None:
        rows = [
            (pk, who, set((payload or {}).get(items) or []))
            for pk, who, payload in asked.values_list("pk", "recipient_id", "payload")
        ]
        if rows:
            waiting = set(still_open(set().union(*(ids for _, _, ids in rows))))
            rows = [row for row in rows if not row[2] & waiting]
    else:
        rows = [(pk, who, set()) for pk, who in asked.values_list("pk", "recipient_id")]
    if not rows:
        return 0
    count = Notification.objects.filter(pk__in=[pk for pk, _, _ in rows], read_at__isnull=True).update(
        read_at=timezone.now()
    )
    people = {who for _, who, _ in rows}
    transaction.on_commit(lambda: forget_unread(people))
    return count


def absolute_url(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else settings.SITE_URL + path


def enqueue_deliveries(notification_ids: Iterable[int], delivery_ids: Iterable[int]) -> int:
    """Hand deliveries to the broker; a broker outage is logged, not raised."""
    from notifications import tasks

    queued = 0
    email_ids = list(notification_ids)
    try:
        if len(email_ids) <= EMAIL_SINGLE_UP_TO:
            for pk in email_ids:
                tasks.deliver_email.apply_async((pk,))
                queued += 1
        else:
            # A large fan-out: one task per batch of ids, not one per e-mail (10,000 tasks cost more in
            # broker round trips and acks than the sending itself).
            for start in range(0, len(email_ids), EMAIL_BATCH):
                batch = email_ids[start : start + EMAIL_BATCH]
                tasks.deliver_email_batch.apply_async((batch,))
                queued += len(batch)
        for pk in delivery_ids:
            tasks.deliver_webhook.apply_async((pk,))
            queued += 1
    except Exception as exc:  # noqa: BLE001 - any broker failure: the sweep re-sends
        log.warning("Broker unavailable, deliveries left for the outbox sweep: %s", exc)
    return queued


def enqueue_later(task: Any, *args: Any, countdown: int) -> bool:
    try:
        task.apply_async(args, countdown=countdown)
        return True
    except Exception as exc:  # noqa: BLE001 - the sweep picks it up when due
        log.warning("Broker unavailable, retry of %s left for the outbox sweep: %s", args, exc)
        return False


# --- In-app ------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Personal reading state: not an audited decision."""
    notification = Notification.objects.select_for_update(of=("self",)).get(pk=notification.pk)
    ensure(notification.recipient_id == actor.pk, _("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        transaction.on_commit(lambda: forget_unread([actor.pk]))
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: Any) -> int:
    count = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
    transaction.on_commit(lambda: forget_unread([actor.pk]))
    return count


@transaction.atomic
def preference_set(*, actor: Any, email_mode: str) -> NotificationPreference:
    pref, _ = NotificationPreference.objects.select_for_update(of=("self",)).get_or_create(user=actor)
    if pref.email_mode != email_mode:
        pref.email_mode = email_mode
        pref.save(update_fields=["email_mode"])
    return pref


# --- E-mail delivery ---------------------------------------------------------------


def _claim_email(notification_id: int) -> Notification | None:
    now = timezone.now()
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, delivered_at__isnull=True, email_state=EmailState.PENDING)
            .first()
        )
        if n is None or (n.next_attempt_at and n.next_attempt_at > now):
            return None  # done, digest, or another run holds it
        n.attempts += 1
        n.next_attempt_at = now + EMAIL_LEASE
        n.save(update_fields=["attempts", "next_attempt_at"])
        return n


def notification_deliver_email(notification_id: int) -> bool:
    """Send one notification's e-mail. Returns True if this call sent it."""
    n = _claim_email(notification_id)
    if n is None:
        return False
    recipient = n.recipient
    if not recipient.is_active or not recipient.email:
        Notification.objects.filter(pk=n.pk).update(email_state=EmailState.SKIPPED, delivered_at=timezone.now())
        return False
    try:
        with translation.override(language_of(recipient)):
            _send_email(
                recipient.email,
                f"[socialgov] {n.title}",
                "notifications/email/notification",
                {"n": n},
                headers=_identity_headers(n),
            )
    except Exception as exc:  # noqa: BLE001 - SMTP and socket errors: the sweep retries after a backoff
        gave_up = n.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        # Back off like webhooks: an SMTP outage of a few minutes must not use up every attempt.
        retry_at = None if gave_up else timezone.now() + timedelta(seconds=backoff_seconds(n.attempts))
        Notification.objects.filter(pk=n.pk).update(
            last_error=str(exc)[:1000],
            next_attempt_at=retry_at,
            email_state=EmailState.FAILED if gave_up else EmailState.PENDING,
            delivered_at=timezone.now() if gave_up else None,
        )
        log.warning("E-mail for notification %s failed (attempt %s): %s", n.pk, n.attempts, exc)
        return False
    Notification.objects.filter(pk=n.pk).update(email_state=EmailState.SENT, delivered_at=timezone.now())
    return True


def notifications_deliver_email(notification_ids: Iterable[int]) -> int:
    """Send a batch of notifications' e-mails; returns how many this call sent.

    Claims the whole batch in one short transaction (rows another run holds are skipped, not waited
    for), sends over one mail connection, then records the outcomes in bulk. Safe to run twice: a row
    is claimed only while pending and not leased, as in ``notification_deliver_email``.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk__in=list(notification_ids), delivered_at__isnull=True, email_state=EmailState.PENDING)
            .exclude(next_attempt_at__gt=now)
            .order_by("pk")
        )
        if not claimed:
            return 0
        Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(
            attempts=models.F("attempts") + 1, next_attempt_at=now + EMAIL_LEASE
        )
    for n in claimed:
        n.attempts += 1
    skipped = [n.pk for n in claimed if not n.recipient.is_active or not n.recipient.email]
    sent: list[int] = []
    # The notification template reads only the title, body, url and language: a fan-out's batch shares one text,
    # so each distinct text is rendered once per batch and language, not once per recipient.
    rendered: dict[tuple[str, str, str, str], tuple[str, str]] = {}
    with get_connection() as mail_connection:
        for n in claimed:
            if n.pk in skipped:
                continue
            try:
                language = language_of(n.recipient)
                key = (n.title, n.body, n.url, language)
                if key not in rendered:
                    with translation.override(language):
                        rendered[key] = _render_email("notifications/email/notification", {"n": n})
                _send_rendered(
                    n.recipient.email,
                    f"[socialgov] {n.title}",
                    *rendered[key],
                    connection=mail_connection,
                    headers=_identity_headers(n),
                )
            except Exception as exc:  # noqa: BLE001 - as for one e-mail: back off, the sweep retries
                gave_up = n.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
                retry_at = None if gave_up else timezone.now() + timedelta(seconds=backoff_seconds(n.attempts))
                Notification.objects.filter(pk=n.pk).update(
                    last_error=str(exc)[:1000],
                    next_attempt_at=retry_at,
                    email_state=EmailState.FAILED if gave_up else EmailState.PENDING,
                    delivered_at=timezone.now() if gave_up else None,
                )
                log.warning("E-mail for notification %s failed (attempt %s): %s", n.pk, n.attempts, exc)
                continue
            # Recorded at once, not with the batch: a worker killed later in the batch must not leave
            # the ones already handed to the mail server looking unsent (the sweep would send them again).
            Notification.objects.filter(pk=n.pk).update(email_state=EmailState.SENT, delivered_at=timezone.now())
            sent.append(n.pk)
    if skipped:
        Notification.objects.filter(pk__in=skipped).update(email_state=EmailState.SKIPPED, delivered_at=timezone.now())
    return len(sent)


def _render_email(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """The text and HTML bodies of an e-mail."""
    context = {**context, "site_url": settings.SITE_URL}
    return render_to_string(f"{template}.txt", context), render_to_string(f"{template}.html", context)


def _identity_headers(n: Notification) -> dict[str, str]:
    """The same Message-ID on every copy of one notification's e-mail (a retry after a worker died between
    the mail server's answer and the record of it): mail systems and people can tell it is one message."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return {"Message-ID": f"<notification-{n.pk}@{host}>", NOTIFICATION_HEADER: str(n.pk)}


def _send_rendered(
    to: str, subject: str, text: str, html: str, connection: Any = None, headers: dict[str, str] | None = None
) -> None:
    subject = " ".join(subject.split())[:200]
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [to], connection=connection, headers=headers
    )
    message.attach_alternative(html, "text/html")
    message.send()


def _send_email(
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    connection: Any = None,
    headers: dict[str, str] | None = None,
) -> None:
    _send_rendered(to, subject, *_render_email(template, context), connection=connection, headers=headers)


def digests_send(*, batch: int = 500) -> int:
    """Send each person with digest mode one e-mail of what waits for them.

    Walks the recipients in batches of ``batch`` ids (a cursor, not one slice), so
    everyone is reached however many read digests.
    """
    sent = 0
    after = 0
    while True:
        user_ids = list(
            Notification.objects.filter(
                email_state=EmailState.DIGEST, delivered_at__isnull=True, recipient_id__gt=after
            )
            .values_list("recipient_id", flat=True)
            .distinct()
            .order_by("recipient_id")[:batch]
        )
        for user_id in user_ids:
            try:
                sent += _digest_send_to(user_id)
            except Exception as exc:  # noqa: BLE001 - SMTP and socket errors: this person waits for the next run
                log.warning("Digest for user %s failed: %s", user_id, exc)
        if len(user_ids) < batch:
            return sent
        after = user_ids[-1]


def _digest_send_to(user_id: int) -> int:
    """One person's digest, in one transaction: the rows stay waiting if the send fails."""
    with transaction.atomic():
        items = list(
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(recipient_id=user_id, email_state=EmailState.DIGEST, delivered_at__isnull=True)
            .order_by("created_at", "id")
        )
        if not items:
            return 0  # another run sent them
        recipient = items[0].recipient
        sent = 0
        if recipient.is_active and recipient.email:
            with translation.override(language_of(recipient)):
                count = len(items)
                subject = ngettext("%(count)d notification today", "%(count)d notifications today", count) % {
                    "count": count
                }
                _send_email(
                    recipient.email,
                    f"[socialgov] {subject}",
                    "notifications/email/digest",
                    {"items": items, "recipient": recipient},
                )
            sent = 1
        Notification.objects.filter(pk__in=[n.pk for n in items]).update(
            email_state=EmailState.SENT if sent else EmailState.SKIPPED, delivered_at=timezone.now(), attempts=1
        )
        return sent


# --- Webhooks ----------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature receivers check: HMAC-SHA256 over ``"{timestamp}." + body``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(secret: str, timestamp: str | int, body: bytes, signature: str, *, tolerance: int = 300) -> bool:
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(time.time() - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


def backoff_seconds(attempt: int) -> int:
    """Delay after failed attempt ``attempt`` (1-based): base, 2x, 4x ... capped at six hours."""
    return min(settings.WEBHOOK_BACKOFF_BASE * 2 ** (attempt - 1), 6 * 3600)


def _claim_webhook(delivery_id: int) -> WebhookDelivery | None:
    now = timezone.now()
    with transaction.atomic():
        d = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint", "chat_target")
            .filter(pk=delivery_id, state=DeliveryState.PENDING)
            .first()
        )
        if d is None or (d.next_attempt_at and d.next_attempt_at > now):
            return None
        d.attempts += 1
        # The lease covers the request and its timeout; a dead worker's claim runs out.
        d.next_attempt_at = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT * 2 + 30)
        d.save(update_fields=["attempts", "next_attempt_at"])
        return d


def webhook_deliver(delivery_id: int) -> int | None:
    """Try one delivery. Returns the seconds until the next try, or None when finished."""
    d = _claim_webhook(delivery_id)
    if d is None:
        return None
    destination = d.endpoint if d.endpoint_id else d.chat_target
    if not destination.is_active:
        WebhookDelivery.objects.filter(pk=d.pk).update(state=DeliveryState.FAILED, last_error="Endpoint disabled.")
        return None
    body = json.dumps(d.payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "socialgov-webhooks/1"}
    if d.endpoint_id:
        # Slack and Teams know nothing of these: the chat cards go as the channel's webhook expects them
        timestamp = int(time.time())
        headers |= {
            "X-Socialgov-Event": d.event,
            "X-Socialgov-Delivery": str(d.pk),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(d.endpoint.secret, timestamp, body),
        }
    started = timezone.now()
    t0 = time.monotonic()
    status: int | None = None
    error = ""
    try:
        outbound.check_url(destination.url)  # again now: the name may resolve elsewhere than when it was saved
        # stream=True: the status line is the answer; a slow or endless body must not hold the worker.
        with requests.post(
            destination.url,
            data=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT,
            allow_redirects=False,
            stream=True,
        ) as response:
            status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except outbound.OutboundRefused as exc:
        error = f"Refused: {exc}"[:1000]
    except requests.RequestException as exc:
        # the kind of failure only: the library's text (addresses, ports, what answered) would let whoever
        # configures an endpoint map what the server can reach
        error = type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - anything else still counts as an attempt, or the row never ends
        log.exception("Webhook delivery %s raised", d.pk)
        error = f"{type(exc).__name__}: {exc}"[:1000]
    ok = not error
    WebhookAttempt.objects.create(
        delivery=d,
        number=d.attempts,
        started_at=started,
        duration_ms=int((time.monotonic() - t0) * 1000),
        status_code=status,
        error=error,
        succeeded=ok,
    )
    if ok:
        WebhookDelivery.objects.filter(pk=d.pk).update(
            state=DeliveryState.SUCCEEDED,
            last_status=status,
            last_error="",
            delivered_at=timezone.now(),
            next_attempt_at=None,
        )
        return None
    if d.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        WebhookDelivery.objects.filter(pk=d.pk).update(
            state=DeliveryState.FAILED, last_status=status, last_error=error, next_attempt_at=None
        )
        return None
    delay = backoff_seconds(d.attempts)
    WebhookDelivery.objects.filter(pk=d.pk).update(
        last_status=status, last_error=error, next_attempt_at=timezone.now() + timedelta(seconds=delay)
    )
    return delay


@transaction.atomic
def webhook_endpoint_save(*, actor: Any, endpoint: WebhookEndpoint, changed: list[str]) -> WebhookEndpoint:
    """Create or change an endpoint (IT, from the admin). The secret is never written to the trail."""
    ensure(actor.is_staff, _("Only administrators manage webhooks."))
    try:
        outbound.check_url(endpoint.url, unresolved_ok=True)
    except outbound.OutboundRefused as exc:
        raise ValidationError({"url": [str(exc)]}) from None
    creating = endpoint.pk is None
    if creating:
        endpoint.created_by = actor
    endpoint.save()
    audit.record(
        actor=actor,
        action="webhook.created" if creating else "webhook.changed",
        target=endpoint,
        data={
            "url": endpoint.url,
            "events": endpoint.events,
            "active": endpoint.is_active,
            "changed": sorted(c for c in changed if c != "secret"),
            "secret_changed": "secret" in changed,
        },
    )
    return endpoint


# --- Chat targets (Slack, Microsoft Teams) -----------------------------------------


def check_chat_url(url: str) -> None:
    """A chat webhook's address, on save: https (plain http only to a network OUTBOUND_ALLOWED_NETWORKS names,
    an on-premises relay or the tests' receiver) and never inside the company's network. Raises
    ``InvalidInput`` on ``url`` with the reason."""
    try:
        addresses = outbound.check_url(url, unresolved_ok=True)
        if urlsplit(url).scheme != "https" and not (
            addresses and all(outbound.address_refusal(ip) is None and _allowed(ip) for ip in addresses)
        ):
            raise outbound.OutboundRefused("A chat webhook's address starts with https://.")
    except outbound.OutboundRefused as exc:
        raise InvalidInput(str(exc), fields={"url": [str(exc)]}) from None


def _allowed(ip: Any) -> bool:
    return any(ip in network for network in outbound.allowed_networks() if ip.version == network.version)


def _ensure_may_manage_chat(actor: Any, *, user: Any = None, department: Any = None) -> None:
    from accounts import permissions

    if department is not None:
        ensure(
            permissions.can_manage_department(actor, department),
            _("Only the department's managers or IT set its chat channels."),
        )
    else:
        ensure(user is not None and user.pk == actor.pk and actor.is_active, _("You set only your own chat channels."))


@transaction.atomic
def chat_target_save(*, actor: Any, kind: str, url: str, user: Any = None, department: Any = None) -> ChatTarget:
    """Set the Slack or Teams channel (one of each kind) of a person (``user``: only themselves) or of a
    department (its managers, IT security). Changing the URL of an existing one keeps its deliveries' history.
    The URL is checked by the outbound guard; the trail records its host, not the URL (which lets anyone post)."""
    _ensure_may_manage_chat(actor, user=user, department=department)
    check_chat_url(url)
    owner = {"department": department} if department is not None else {"user": user}
    target = ChatTarget.objects.select_for_update(of=("self",)).filter(kind=kind, **owner).first()
    creating = target is None
    if creating:
        target = ChatTarget(kind=kind, url=url, created_by=actor, **owner)
        changed = ["url"]
    else:
        changed = [f for f, v in (("url", url), ("is_active", True)) if getattr(target, f) != v]
        target.url, target.is_active = url, True
    target.save()
    audit.record(
        actor=actor,
        action="chat_target.created" if creating else "chat_target.changed",
        target=target,
        data={
            "kind": kind,
            "host": target.host,
            "department": department.pk if department is not None else None,
            "changed": changed,
        },
    )
    return target


@transaction.atomic
def chat_target_remove(*, actor: Any, target: ChatTarget) -> None:
    """Remove a chat target; its deliveries still waiting are dropped with it."""
    target = ChatTarget.objects.select_for_update(of=("self",)).select_related("user", "department").get(pk=target.pk)
    _ensure_may_manage_chat(actor, user=target.user, department=target.department)
    audit.record(
        actor=actor,
        action="chat_target.removed",
        target=target,
        data={"kind": target.kind, "host": target.host, "department": target.department_id},
    )
    target.delete()


# --- The sweep ---------------------------------------------------------------------


def outbox_sweep(*, batch: int = 1000) -> tuple[int, int]:
    """Re-enqueue deliveries that were never handed over, or whose claim ran out."""
    now = timezone.now()
    stale = now - settings.OUTBOX_SWEEP_AFTER
    email_ids = list(
        Notification.objects.filter(
            delivered_at__isnull=True,
            email_state=EmailState.PENDING,
            created_at__lte=stale,
        )
        .exclude(next_attempt_at__gt=now)
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch]
    )
    hook_ids = list(
        WebhookDelivery.objects.filter(state=DeliveryState.PENDING, created_at__lte=stale)
        .exclude(next_attempt_at__gt=now)
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch]
    )
    enqueue_deliveries(email_ids, hook_ids)
    return len(email_ids), len(hook_ids)
