"""The record's own rows: legal holds, retention periods and runs, archive exports, data-subject requests.

None of them holds a person's name or address: people are named by their row (a foreign key), so an erasure,
which pseudonymises the person's row, leaves these rows naming nobody.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from channels_registry.models import Channel
from records.choices import RequestKind, RequestState

USER = settings.AUTH_USER_MODEL


class LegalHold(models.Model):
    """Keep everything it covers: no retention run deletes it and no erasure touches it until it is released.

    A hold names one or more of a channel, a department, a person and a date range; it covers a record that
    matches every criterion it names (``records.registry`` says how each kind of record matches)."""

    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("channel")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("department")
    )
    person = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("person")
    )
    date_from = models.DateField(
        null=True, blank=True, help_text=_("Records dated on or after this day."), verbose_name=_("date from")
    )
    date_to = models.DateField(
        null=True, blank=True, help_text=_("Records dated on or before this day."), verbose_name=_("date to")
    )
    reason = models.TextField(
        help_text=_("The matter, the case or the request that needs the records kept."), verbose_name=_("reason")
    )
    set_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("set by"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    released_at = models.DateTimeField(null=True, blank=True, verbose_name=_("released at"))
    released_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("released by")
    )
    release_reason = models.TextField(blank=True, verbose_name=_("release reason"))

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
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")

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

    record_type = models.CharField(max_length=40, unique=True, verbose_name=_("record type"))
    keep_days = models.PositiveIntegerField(verbose_name=_("keep days"))
    updated_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("updated by")
    )
    updated_at = models.DateTimeField(verbose_name=_("updated at"))

    class Meta:
        ordering = ["record_type"]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self) -> str:
        return f"{self.record_type}: {self.keep_days} days"


class RetentionRun(models.Model):
    """One run of the retention task: per kind of record, how many were past their time, deleted and held."""

    started_at = models.DateTimeField(verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    counts = models.JSONField(default=dict, blank=True, verbose_name=_("counts"))

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self) -> str:
        return f"Retention run #{self.pk}"


class ArchiveExport(models.Model):
    """One archive bundle made: for whom, what it covers and the digest of its signed manifest."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+", verbose_name=_("channel"))
    date_from = models.DateField(verbose_name=_("date from"))
    date_to = models.DateField(verbose_name=_("date to"))
    made_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("made by"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    manifest_sha256 = models.CharField(max_length=64, verbose_name=_("manifest sha256"))
    counts = models.JSONField(default=dict, blank=True, verbose_name=_("counts"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("archive export")
        verbose_name_plural = _("archive exports")

    def __str__(self) -> str:
        return f"Archive of {self.channel.display_name} {self.date_from}–{self.date_to}"


class SubjectRequest(models.Model):
    """The request log auditors read: every data-subject export and erasure, done or refused."""

    kind = models.CharField(max_length=16, choices=RequestKind.choices, verbose_name=_("kind"))
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    handled_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("handled by"))
    reference = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("The request's ticket or letter reference."),
        verbose_name=_("reference"),
    )
    state = models.CharField(max_length=16, choices=RequestState.choices, verbose_name=_("state"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    counts = models.JSONField(default=dict, blank=True, verbose_name=_("counts"))
    refusal = models.TextField(blank=True, verbose_name=_("refusal"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("subject request")
        verbose_name_plural = _("subject requests")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for person #{self.person_id}"
