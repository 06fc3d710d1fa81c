"""Celery tasks: a service call, safe to run twice."""

from celery import shared_task

from reports import services


@shared_task(name="reports.refresh_rollups")
def refresh_rollups() -> dict[str, int]:
    return services.report_rollups_refresh()
