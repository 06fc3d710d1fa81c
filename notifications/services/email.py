"""E-mail delivery: one notification's e-mail, a batch of them over one connection, and the daily digests.

Delivery claims a row in a short transaction (a lease in ``next_attempt_at``), sends outside any transaction,
then records the outcome. A task run twice, or two workers racing, sends once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from notifications.choices import EmailState
from notifications.models import Notification
from notifications.services.webhooks import backoff_seconds
from notifications.services.writing import language_of

log = logging.getLogger(__name__)

EMAIL_LEASE = timedelta(minutes=5)
NOTIFICATION_HEADER = "X-Socialgov-Notification"  # on e-mails: the notification's id


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
