"""Celery tasks that span apps."""

from celery import shared_task

from approvals.services import feed_entries_check
from channels_registry.services import feeds_read_due
from socialgov import decisions


@shared_task(name="socialgov.remind_expiring_decisions")
def remind_expiring_decisions() -> int:
    return decisions.remind_expiring()


@shared_task(name="socialgov.read_feeds")
def read_feeds() -> dict[str, dict[str, int]]:
    """Read the channels' feeds that are due, then hold their new entries to approval."""
    return {"read": feeds_read_due(), "checked": feed_entries_check()}
