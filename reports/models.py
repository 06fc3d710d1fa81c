from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CalendarFeed(models.Model):
    """A personal ICS feed. Only the SHA-256 of its secret token is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds", verbose_name=_("user")
    )
    token_hash = models.CharField(max_length=64, unique=True, verbose_name=_("token hash"))
    hint = models.CharField(
        max_length=8, help_text=_("The token's first characters, to tell feeds apart."), verbose_name=_("hint")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="calendar_feed_one_live_per_user"
            )
        ]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"Calendar feed {self.hint}… of {self.user}"


# --- Rollups: figures of closed periods, kept so that a long report reads a few hundred rows ---------------
# Written only by ``reports.services.report_rollups_refresh`` (a periodic task); read by ``reports.selectors``,
# which computes the periods not rolled up (the open one, and partial periods at the range's edges) live.


class RollupMark(models.Model):
    """For one rollup: every period that starts before ``complete_until`` is in its table."""

    name = models.CharField(max_length=40, unique=True)
    complete_until = models.DateField()
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("rollup mark")
        verbose_name_plural = _("rollup marks")

    def __str__(self) -> str:
        return f"{self.name} rolled up until {self.complete_until}"


class LeadTimeWeek(models.Model):
    """Posts approved in one closed week (Monday) in one department: count and exact percentiles, in seconds."""

    week = models.DateField()
    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE, related_name="+")
    approved = models.PositiveIntegerField()
    p50_seconds = models.FloatField(null=True)
    p90_seconds = models.FloatField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["week", "department"], name="leadtimeweek_unique")]
        verbose_name = _("lead time week")
        verbose_name_plural = _("lead time weeks")

    def __str__(self) -> str:
        return f"Lead time, week of {self.week}, department {self.department_id}"


class PostsDay(models.Model):
    """Posts created, and posts published, on one closed day, per department and platform."""

    day = models.DateField()
    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE, related_name="+")
    platform = models.ForeignKey("policies.Platform", on_delete=models.CASCADE, related_name="+")
    created = models.PositiveIntegerField()
    published = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "department", "platform"], name="postsday_unique")]
        verbose_name = _("posts day")
        verbose_name_plural = _("posts days")

    def __str__(self) -> str:
        return f"Posts, {self.day}, department {self.department_id}, platform {self.platform_id}"


class SlaDay(models.Model):
    """Review stages due on one closed day, per department, and how many missed their SLA."""

    day = models.DateField()
    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE, related_name="+")
    due = models.PositiveIntegerField()
    breached = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "department"], name="sladay_unique")]
        verbose_name = _("SLA day")
        verbose_name_plural = _("SLA days")

    def __str__(self) -> str:
        return f"SLA, {self.day}, department {self.department_id}"
