"""Periodic work: ids in, a service call, idempotent. Queues come from core.queues.ROUTES."""

from celery import shared_task

from approvals import services


@shared_task(name="approvals.release_due")
def release_due() -> dict[str, int]:
    return services.release_due()


@shared_task(name="approvals.remind_reviewers")
def remind_reviewers() -> dict[str, int]:
    return services.review_sla()
