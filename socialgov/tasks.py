"""Celery tasks that span apps."""

from celery import shared_task

from approvals.services import feed_entries_check
from channels_registry.services import feeds_read_due


@shared_task(name="socialgov.read_feeds")
def read_feeds() -> dict[str, dict[str, int]]:
    """Read the channels' feeds that are due, then hold their new entries to approval."""
    return {"read": feeds_read_due(), "checked": feed_entries_check()}
