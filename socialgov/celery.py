import os

from celery import Celery
from kombu import Queue as KombuQueue

from socialgov.queues import ROUTES, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialgov.settings")

app = Celery("socialgov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [KombuQueue(q.value, routing_key=q.value) for q in Queue]
app.conf.task_routes = ROUTES
app.autodiscover_tasks()
