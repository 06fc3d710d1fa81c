"""The record's own rows: legal holds, retention periods and runs, archive exports, data-subject requests.

None of them holds a person's name or address: people are named by their row (a foreign key), so an erasure,
which pseudonymises the person's row, leaves these rows naming nobody.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Department
from channels_registry.models import Channel
from records.choices import RequestKind, RequestState

USER = settings.AUTH_USER_MODEL


class LegalHold(models.Model):
    """Keep everything it covers: no retention run deletes it and no erasure touches it until it is released.

    A hold names one or more of a channel, a department, a person and a date range; it covers a record that
    matches every criterion it names (``records.registry`` says how each kind of record matches)."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    person = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    date_from = models.DateField(null=True, blank=True, help_text="Records dated on or after this day.")
    date_to = models.DateField(null=True, blank=True, help_text="Records dated on or before this day.")
    reason = models.TextField(help_text="The matter, the case or the request that needs the records kept.")
    set_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    release_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["id"], condition=Q(released_at__isnull=True), name="legalhold_active_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__isnull=False)
                | Q(department__isnull=False)
                | Q(person__isnull=False)
                | Q(date_from__isnull=False)
                | Q(date_to__isnull=False),
                name="legalhold_names_a_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"Legal hold #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None

    @property
    def scope_label(self) -> str:
        """What it covers, naming nobody (a person is "person #id")."""
        parts = []
        if self.channel_id:
            parts.append(f"channel {self.channel.display_name}")
        if self.department_id:
            parts.append(f"department {self.department.name}")
        if self.person_id:
            parts.append(f"person #{self.person_id}")
        if self.date_from or self.date_to:
            parts.append(f"dated {self.date_from or '…'} to {self.date_to or '…'}")
        return ", ".join(parts)


class RetentionRule(models.Model):
    """How long one kind of record is kept (``records.registry`` gives the kinds and their defaults)."""

    record_type = models.CharField(max_length=40, unique=True)
    keep_days = models.PositiveIntegerField()
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["record_type"]

    def __str__(self) -> str:
        return f"{self.record_type}: {self.keep_days} days"


class RetentionRun(models.Model):
    """One run of the retention task: per kind of record, how many were past their time, deleted and held."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Retention run #{self.pk}"


class ArchiveExport(models.Model):
    """One archive bundle made: for whom, what it covers and the digest of its signed manifest."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    date_from = models.DateField()
    date_to = models.DateField()
    made_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    manifest_sha256 = models.CharField(max_length=64)
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Archive of {self.channel.display_name} {self.date_from}–{self.date_to}"


class SubjectRequest(models.Model):
    """The request log auditors read: every data-subject export and erasure, done or refused."""

    kind = models.CharField(max_length=16, choices=RequestKind.choices)
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    handled_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=100, blank=True, help_text="The request's ticket or letter reference.")
    state = models.CharField(max_length=16, choices=RequestState.choices)
    created_at = models.DateTimeField()
    counts = models.JSONField(default=dict, blank=True)
    refusal = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for person #{self.person_id}"
