"""The Celery queues, in one place. Tasks name theirs with ``queue=Queue.X``."""

from enum import StrEnum


class Queue(StrEnum):
    DEFAULT = "default"
    NOTIFICATIONS = "notifications"
    WEBHOOKS = "webhooks"
    PERIODIC = "periodic"
