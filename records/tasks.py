"""Periodic work: a service call, idempotent (a second run deletes nothing the first did not leave)."""

from celery import shared_task

from records import services


@shared_task(name="records.apply_retention")
def apply_retention() -> dict:
    return services.retention_apply().counts
