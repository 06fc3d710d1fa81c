"""Celery tasks of the trail: the sequencer (its own queue) and the checkpoint (periodic)."""

import logging

from celery import shared_task
from django.core.cache import cache

from audit import services
from audit.signing import SigningKeyMissing

log = logging.getLogger(__name__)


@shared_task(name="audit.sequence")
def sequence_events() -> int:
    """Chain committed events. Kicked after commits (``services.kick_sequencer``) and run by beat."""
    cache.delete(services.KICK_KEY)  # first: a commit from now on kicks again, one before is in this run
    return services.sequence()


@shared_task(name="audit.checkpoint")
def write_checkpoint() -> str:
    from audit.checkpoints import checkpoint_create

    try:
        return checkpoint_create().file_name
    except SigningKeyMissing as exc:  # a development machine without a key (check --deploy warns in production)
        log.warning("No audit checkpoint written: %s", exc)
        return ""
