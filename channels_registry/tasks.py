"""Celery tasks: nothing or ids in, a service call, safe to run twice."""

from celery import shared_task

from channels_registry import services


@shared_task(name="channels_registry.audit_dormancy")
def audit_dormancy() -> dict[str, int]:
    return services.dormancy_audit()


@shared_task(name="channels_registry.recertify_access")
def recertify_access() -> dict[str, int]:
    expired = services.grants_expire()
    return {**services.recertifications_open(), "expired": expired}
