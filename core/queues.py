"""The Celery queues and which task goes to which, in one place."""

from enum import StrEnum


class Queue(StrEnum):
    DEFAULT = "default"
    NOTIFICATIONS = "notifications"
    WEBHOOKS = "webhooks"
    PERIODIC = "periodic"
    AUDIT = "audit"  # the audit trail's sequencer: its own queue, so a backlog elsewhere never delays chaining


# Task name -> queue. Periodic tasks also name their queue in their beat entry.
ROUTES: dict[str, dict[str, str]] = {
    "accounts.send_email": {"queue": Queue.NOTIFICATIONS},
    "notifications.deliver_email": {"queue": Queue.NOTIFICATIONS},
    "notifications.deliver_email_batch": {"queue": Queue.NOTIFICATIONS},
    "notifications.deliver_webhook": {"queue": Queue.WEBHOOKS},
    "notifications.sweep_outbox": {"queue": Queue.PERIODIC},
    "notifications.send_digests": {"queue": Queue.PERIODIC},
    "channels_registry.audit_dormancy": {"queue": Queue.PERIODIC},
    "channels_registry.recertify_access": {"queue": Queue.PERIODIC},
    "policies.remind_acknowledgements": {"queue": Queue.PERIODIC},
    "socialgov.remind_expiring_decisions": {"queue": Queue.PERIODIC},
    "socialgov.read_feeds": {"queue": Queue.PERIODIC},
    "approvals.release_due": {"queue": Queue.PERIODIC},
    "approvals.remind_reviewers": {"queue": Queue.PERIODIC},
    "reports.refresh_rollups": {"queue": Queue.PERIODIC},
    "audit.sequence": {"queue": Queue.AUDIT},
    "audit.checkpoint": {"queue": Queue.PERIODIC},
    "records.apply_retention": {"queue": Queue.PERIODIC},
    "scim.prune_log": {"queue": Queue.PERIODIC},
}
