"""Writing the outbox: ``notify`` and ``notify_each`` (a Notification per recipient, in their language, and a
WebhookDelivery per interested endpoint and chat target), and the texts they carry."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from notifications import chat
from notifications.choices import EmailMode, EmailState
from notifications.models import ChatTarget, Notification, NotificationPreference, WebhookDelivery, WebhookEndpoint
from notifications.selectors import forget_unread
from notifications.services.outbox import enqueue_deliveries


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


def absolute_url(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else settings.SITE_URL + path
