"""Celery tasks that span apps."""

from celery import shared_task

from socialgov import decisions


@shared_task(name="socialgov.remind_expiring_decisions")
def remind_expiring_decisions() -> int:
    return decisions.remind_expiring()
