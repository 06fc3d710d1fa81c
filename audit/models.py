from django.conf import settings
from django.db import models

from audit.duties import REFUSAL_ACTIONS


class AppendOnlyError(Exception):
    """Audit events are never changed or removed."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only.")

    def for_object(self, obj):
        return self.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk))


# Actions an auditor is shown as anomalies on the dashboard (reports/dashboard.py), indexed apart: the attempts
# separation of duties refused (audit.duties), then the rare events worth a look.
ANOMALY_ACTIONS = (
    *REFUSAL_ACTIONS,
    "lockdown.started",
    "lockdown.ended",
    "user.offboarded",
    "user.deactivated",
    "channel.orphaned",
    "channel.suspended",
)


class AuditEvent(models.Model):
    """One decision or change, hash-chained to the event before it."""

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "-id"], name="audit_target_idx"),
            # The auditor's "anomalies" card: the latest of rare actions among millions of events. Without it
            # PostgreSQL walked the primary key backwards through all 5,000,000 events (1.7 s) when none matched.
            models.Index(fields=["-id"], condition=models.Q(action__in=ANOMALY_ACTIONS), name="audit_anomaly_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_label or self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")
