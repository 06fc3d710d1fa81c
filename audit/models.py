"""The audit trail: events, the personal data they name, the chain over them, and its signed checkpoints.

An event is written once, by the service whose change it describes, and never changed. What in it names
a person (the actor's e-mail address and client address, a label naming someone, values a service marks
personal) is kept apart in ``AuditPersonal`` rows, each with a commitment to its values (an HMAC keyed by
a random salt) that the event's hash covers; erasing blanks the values and the salt, keeps the commitment,
and so leaves every hash checkable. The sequencer
(``audit.services.sequence``) numbers committed events in ``ChainLink`` rows, each hashed over the one
before it; ``AuditCheckpoint`` rows copy the signed checkpoints written outside the database.

On PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE of events, links and checkpoints, and allow
personal rows only to be erased (migrations 0002, 0008).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.duties import REFUSAL_ACTIONS


class AppendOnlyError(Exception):
    """Audit events are never changed or removed."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit trail is append-only.")

    def delete(self):
        raise AppendOnlyError("The audit trail is append-only.")


class AuditEventQuerySet(AppendOnlyQuerySet):
    def for_object(self, obj):
        return self.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk))


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit trail is append-only.")


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


class AuditEvent(AppendOnly):
    """One decision or change. Chained by the sequencer after it commits (``link``)."""

    created_at = models.DateTimeField(db_index=True, verbose_name=_("created at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(max_length=80, db_index=True, verbose_name=_("action"))
    target_type = models.CharField(max_length=80, verbose_name=_("target type"))
    target_id = models.CharField(max_length=64, verbose_name=_("target id"))
    # The target's label when it names nobody (a channel, a post); a label naming a person is personal data.
    target_text = models.CharField(max_length=200, blank=True, verbose_name=_("target text"))
    data = models.JSONField(
        default=dict, blank=True, verbose_name=_("data")
    )  # what names nobody; marked personal values are apart
    request_id = models.CharField(max_length=64, blank=True, verbose_name=_("request id"))

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "-id"], name="audit_target_idx"),
            # The auditor's "anomalies" card: the latest of rare actions among millions of events. Without it
            # PostgreSQL walked the primary key backwards through all 5,000,000 events (1.7 s) when none matched.
            models.Index(fields=["-id"], condition=models.Q(action__in=ANOMALY_ACTIONS), name="audit_anomaly_idx"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.action} {getattr(self, 'target_label', '') or self.target_text or self.target_id}"


class AuditPersonal(models.Model):
    """What an event says about one person, apart from the event so that it can be erased.

    ``ref`` is "actor" (the actor's e-mail address and client address) or "subject" (the label of a target
    that names a person, and the values a service marked personal). Erasing blanks the values and the salt
    (``audit_erase_person``); the commitment stays, and the chain still verifies.
    """

    # (event, ref) is unique: that index serves lookups by event, so the foreign key needs none of its own
    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="personal", db_index=False)
    ref = models.CharField(max_length=16)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    salt = models.CharField(max_length=32)  # hex of 16 random bytes; "" once erased
    commitment = models.CharField(max_length=64)  # HMAC-SHA256(salt, the values): in the event's hash, never erased
    label = models.CharField(max_length=254, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "ref"], name="audit_personal_event_ref")]
        verbose_name = _("audit personal")
        verbose_name_plural = _("audit personals")

    def __str__(self) -> str:
        return f"{self.ref} of event {self.event_id}"


class ChainLink(AppendOnly):
    """An event's place in the chain: written by the sequencer alone, in the order it found events committed."""

    position = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="link")
    leaf = models.CharField(max_length=64)  # SHA-256 of the event's canonical form (commitments included)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)  # SHA-256 of prev_hash, position and leaf
    sequenced_at = models.DateTimeField()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("chain link")
        verbose_name_plural = _("chain links")

    def __str__(self) -> str:
        return f"#{self.position}: event {self.event_id}"


class PendingEvent(models.Model):
    """The sequencer's queue: an event committed and not yet chained (written in the event's transaction)."""

    event = models.OneToOneField(AuditEvent, primary_key=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("pending event")
        verbose_name_plural = _("pending events")

    def __str__(self) -> str:
        return f"event {self.event_id}"


class AuditCheckpoint(AppendOnly):
    """A copy of one signed checkpoint; the original lives outside the database (AUDIT_CHECKPOINT_DIR)."""

    created_at = models.DateTimeField()
    position = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    count = models.BigIntegerField()  # events chained since the previous checkpoint
    previous = models.CharField(max_length=64, blank=True)  # digest of the previous checkpoint ("" for the first)
    document = models.TextField()  # the signed bytes: canonical JSON of the fields above
    signature = models.TextField()  # base64 Ed25519
    key_id = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)  # SHA-256 of document: what the next one names
    file_name = models.CharField(max_length=200)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return self.file_name
