"""Celery tasks: ids in, a service call, safe to run twice."""

from celery import shared_task

from notifications import services


@shared_task(name="notifications.deliver_email")
def deliver_email(notification_id: int) -> bool:
    return services.notification_deliver_email(notification_id)


@shared_task(name="notifications.deliver_email_batch")
def deliver_email_batch(notification_ids: list[int]) -> int:
    return services.notifications_deliver_email(notification_ids)


@shared_task(name="notifications.deliver_webhook")
def deliver_webhook(delivery_id: int) -> int | None:
    delay = services.webhook_deliver(delivery_id)
    if delay is not None:
        # Backoff: try again later; the outbox sweep covers a lost retry message.
        services.enqueue_later(deliver_webhook, delivery_id, countdown=delay)
    return delay


@shared_task(name="notifications.sweep_outbox")
def sweep_outbox() -> tuple[int, int]:
    return services.outbox_sweep()


@shared_task(name="notifications.send_digests")
def send_digests() -> int:
    return services.digests_send()
