"""Celery tasks of the trail: the sequencer (its own queue) and the checkpoint (periodic)."""

from celery import shared_task
from django.core.cache import cache

from audit import services


@shared_task(name="audit.sequence")
def sequence_events() -> int:
    """Chain committed events. Kicked after commits (``services.kick_sequencer``) and run by beat."""
    cache.delete(services.KICK_KEY)  # first: a commit from now on kicks again, one before is in this run
    return services.sequence()


@shared_task(name="audit.checkpoint")
def write_checkpoint() -> str:
    from audit.checkpoints import checkpoint_create

    return checkpoint_create().file_name
