import os
from pathlib import Path

from celery import Celery
from celery.signals import beat_init, worker_ready
from kombu import Queue as KombuQueue

from core.queues import ROUTES, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialgov.settings")

app = Celery("socialgov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [KombuQueue(q.value, routing_key=q.value) for q in Queue]
app.conf.task_routes = ROUTES
app.autodiscover_tasks()


def ready_file(process: str) -> Path:
    """Where ``process`` (worker, beat) notes it is up, with DEBUG on (``make run``'s banner waits for both)."""
    from django.conf import settings

    return Path(settings.VAR_DIR) / "run" / f"{process}.ready"


def _note_ready(process: str) -> None:
    from django.conf import settings

    if settings.DEBUG:
        path = ready_file(process)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(os.getpid()))


@worker_ready.connect
def _worker_ready(**kwargs):
    _note_ready("worker")


@beat_init.connect
def _beat_ready(**kwargs):
    _note_ready("beat")
