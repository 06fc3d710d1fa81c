from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.models import Department
from policies.choices import DecisionOutcome, PlatformKind


def validate_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(f"Not a valid regular expression: {exc}") from exc


class Platform(models.Model):
    """One network in the catalogue, with what it takes to register an account on it."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=16, choices=PlatformKind.choices, default=PlatformKind.SOCIAL)
    handle_pattern = models.CharField(
        max_length=300,
        default=r"^.{1,200}$",
        validators=[validate_regex],
        help_text="Regular expression a normalised handle must match in full.",
    )
    handle_hint = models.CharField(max_length=200, blank=True, help_text="Shown when a handle does not fit.")
    strip_prefix = models.CharField(max_length=4, blank=True, help_text="Removed from the start, e.g. “@”.")
    case_insensitive = models.BooleanField(default=True, help_text="Handles are stored in lower case.")
    url_hosts = models.CharField(
        max_length=300, blank=True, help_text="Comma-separated hosts the account URL must be on; empty allows any."
    )
    char_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Longest post, in characters.")
    dormancy_days = models.PositiveIntegerField(default=90)
    supports_mfa = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True, help_text="Inactive platforms are hidden from registration.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def hosts(self) -> list[str]:
        return [h.strip().lower() for h in self.url_hosts.split(",") if h.strip()]


class PlatformDecision(models.Model):
    """IT's decision about a platform, for every department (none named) or for the named ones."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="decisions")
    departments = models.ManyToManyField(
        Department, blank=True, related_name="platform_decisions", help_text="None: every department."
    )
    outcome = models.CharField(max_length=16, choices=DecisionOutcome.choices)
    conditions = models.TextField(blank=True)
    rationale = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField(default=timezone.localdate)
    review_by = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-id"]
        indexes = [models.Index(fields=["platform", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.platform}: {self.get_outcome_display()} ({self.effective_from})"
