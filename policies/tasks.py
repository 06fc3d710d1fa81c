"""Celery tasks: ids in, a service call, safe to run twice."""

from celery import shared_task

from policies import services


@shared_task(name="policies.remind_acknowledgements")
def remind_acknowledgements() -> int:
    return services.acknowledgement_reminders_send()
