"""Handing the outbox to the broker: on commit (``enqueue_deliveries``), a retry later (``enqueue_later``), and
the periodic sweep of what was never handed over or whose claim ran out (``outbox_sweep``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone

from notifications.choices import DeliveryState, EmailState
from notifications.models import Notification, WebhookDelivery

log = logging.getLogger(__name__)

EMAIL_SINGLE_UP_TO = 20  # up to this many e-mails at once: a task each; more: tasks of EMAIL_BATCH ids
EMAIL_BATCH = 200


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
