"""Celery tasks: nothing or ids in, a service call, safe to run twice."""

from celery import shared_task

from scim import services


@shared_task(name="scim.prune_log")
def prune_scim_log() -> int:
    return services.scim_log_prune()
