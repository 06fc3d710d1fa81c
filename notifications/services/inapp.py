"""In-app: reading state (mark read, an action done) and the e-mail preference."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ensure
from notifications.models import Notification, NotificationPreference
from notifications.selectors import forget_unread


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
