from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from channels_registry.choices import (
    HANDLE_HOLDING_STATES,
    AccessRequestKind,
    AccessRequestState,
    ActivityKind,
    ActivitySource,
    ChannelRole,
    ChannelState,
    FeedStatus,
    FindingState,
    RecertificationState,
    ReportedState,
    ReviewOutcome,
    RotationState,
)
from policies.models import Platform

USER = settings.AUTH_USER_MODEL


class Channel(models.Model):
    """A company account on one platform."""

    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="channels", verbose_name=_("platform")
    )
    handle = models.CharField(max_length=200, help_text=_("Normalised for the platform."), verbose_name=_("handle"))
    url = models.URLField(max_length=500, verbose_name=_("address (URL)"))
    display_name = models.CharField(max_length=200, verbose_name=_("display name"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="channels", verbose_name=_("department")
    )
    purpose = models.TextField(verbose_name=_("purpose"))
    audience = models.CharField(max_length=300, verbose_name=_("audience"))
    # Security details: custodians, the department's managers, IT security and auditors only.
    recovery_contact = models.EmailField(verbose_name=_("recovery contact"))
    mfa_enabled = models.BooleanField(default=False, verbose_name=_("two-factor authentication on"))
    credentials_location = models.CharField(
        max_length=300, help_text=_("A vault reference, never a password."), verbose_name=_("credentials location")
    )
    tools_connected = models.TextField(blank=True, verbose_name=_("tools connected"))

    state = models.CharField(
        max_length=24, choices=ChannelState.choices, default=ChannelState.PROPOSED, verbose_name=_("state")
    )
    state_reason = models.TextField(blank=True, verbose_name=_("state reason"))
    state_before_suspension = models.CharField(max_length=24, blank=True, verbose_name=_("state before suspension"))
    registered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by"))
    # who approved the registration (separation of duties: the security review needs someone else)
    approved_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("approved by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    activated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("activated at"))
    last_activity_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last activity at"))
    dormant_since = models.DateTimeField(null=True, blank=True, verbose_name=_("dormant since"))
    orphaned_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set when fewer than two custodians remain."), verbose_name=_("orphaned at")
    )

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["platform__name", "handle"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "handle"],
                condition=Q(state__in=HANDLE_HOLDING_STATES),
                name="channel_platform_handle_unique",
            )
        ]
        indexes = [models.Index(fields=["state", "last_activity_at"])]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.platform.name} {self.handle})"

    @property
    def is_orphaned(self) -> bool:
        return self.orphaned_at is not None


class ChannelMembership(models.Model):
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("channel")
    )
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="channel_memberships", verbose_name=_("user"))
    role = models.CharField(max_length=16, choices=ChannelRole.choices, verbose_name=_("role"))
    holds_credentials = models.BooleanField(default=False, verbose_name=_("holds credentials"))
    mfa_confirmed = models.BooleanField(default=False, verbose_name=_("two-factor sign-in confirmed"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    ended_reason = models.CharField(max_length=300, blank=True, verbose_name=_("ended reason"))

    class Meta:
        verbose_name = _("channel membership")
        verbose_name_plural = _("channel memberships")
        ordering = ["channel", "role", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "user"], condition=Q(ended_at__isnull=True), name="channel_membership_live_unique"
            )
        ]

    audit_subject = "user_id"  # whom its label names, for the audit trail's personal rows

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.channel.display_name}"


class SecurityReview(models.Model):
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="security_reviews", verbose_name=_("channel")
    )
    reviewer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewer"))
    outcome = models.CharField(max_length=8, choices=ReviewOutcome.choices, verbose_name=_("outcome"))
    checklist = models.JSONField(default=dict, help_text=_("item -> {passed, note}"), verbose_name=_("checklist"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    decided_at = models.DateTimeField(auto_now_add=True, verbose_name=_("decided at"))

    class Meta:
        verbose_name = _("security review")
        verbose_name_plural = _("security reviews")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"Security review of {self.channel.display_name}: {self.get_outcome_display()}"


class ChannelActivity(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="activities", verbose_name=_("channel"))
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))
    kind = models.CharField(
        max_length=16, choices=ActivityKind.choices, default=ActivityKind.OTHER, verbose_name=_("kind")
    )
    source = models.CharField(max_length=16, choices=ActivitySource.choices, verbose_name=_("source"))
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    recorded_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # a feed entry: its id in the feed (what makes reading twice record it once), link and plain text
    external_id = models.CharField(max_length=500, blank=True, verbose_name=_("external id"))
    url = models.URLField(max_length=500, blank=True, verbose_name=_("address (URL)"))
    content = models.TextField(blank=True, verbose_name=_("content"))

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("channel activity")
        verbose_name_plural = _("channel activities")
        indexes = [models.Index(fields=["channel", "occurred_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=~Q(external_id=""), name="activity_one_per_feed_entry"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.channel.display_name} at {self.occurred_at:%Y-%m-%d}"


class ChannelFeed(models.Model):
    """The public feed a channel names, read by the periodic task for activity (``channels_registry.feeds``).

    ``status`` and ``message`` say how the last read went; ``etag`` and ``last_modified`` make the next one a
    conditional GET. Entries older than ``created_at`` count as activity but are not held to approval.
    """

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="feed", verbose_name=_("channel"))
    kind = models.CharField(
        max_length=16, help_text=_("The connector: rss, youtube, mastodon, bluesky."), verbose_name=_("kind")
    )
    url = models.URLField(max_length=500, verbose_name=_("address (URL)"))
    requires_approval = models.BooleanField(
        default=True,
        verbose_name=_("requires approval"),
        help_text=_("An entry that matches no approved post is a “published without approval” finding."),
    )
    status = models.CharField(
        max_length=24, choices=FeedStatus.choices, default=FeedStatus.NEVER, verbose_name=_("status")
    )
    message = models.CharField(max_length=300, blank=True, verbose_name=_("message"))
    etag = models.CharField(max_length=200, blank=True, verbose_name=_("ETag"))
    last_modified = models.CharField(max_length=100, blank=True, verbose_name=_("last modified"))
    checked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("checked at"))
    last_ok_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last ok at"))
    entries_recorded = models.PositiveIntegerField(default=0, verbose_name=_("entries recorded"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("channel feed")
        verbose_name_plural = _("channel feeds")
        ordering = ["channel"]
        indexes = [models.Index(fields=["checked_at"], name="feed_checked_idx")]

    def __str__(self) -> str:
        return f"Feed of {self.channel.display_name}"


class DormancyFinding(models.Model):
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="dormancy_findings", verbose_name=_("channel")
    )
    state = models.CharField(
        max_length=16, choices=FindingState.choices, default=FindingState.OPEN, verbose_name=_("state")
    )
    last_activity_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last activity at"))
    opened_at = models.DateTimeField(verbose_name=_("opened at"))
    escalated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("escalated at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))

    class Meta:
        verbose_name = _("dormancy finding")
        verbose_name_plural = _("dormancy findings")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel"], condition=~Q(state=FindingState.RESOLVED), name="dormancy_finding_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"Dormancy of {self.channel.display_name} ({self.get_state_display()})"


class AccessRequest(models.Model):
    kind = models.CharField(max_length=16, choices=AccessRequestKind.choices, verbose_name=_("kind"))
    requester = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="channel_access_requests", verbose_name=_("requester")
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="requests", verbose_name=_("channel")
    )
    role = models.CharField(max_length=16, choices=ChannelRole.choices, blank=True, verbose_name=_("role"))
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("platform")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("department")
    )
    reason = models.TextField(verbose_name=_("reason"))
    state = models.CharField(
        max_length=16, choices=AccessRequestState.choices, default=AccessRequestState.PENDING, verbose_name=_("state")
    )
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_reason = models.TextField(blank=True, verbose_name=_("decision reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-created_at", "-id"]

    audit_subject = "requester_id"  # whom its label names, for the audit trail's personal rows

    def __str__(self) -> str:
        what = self.channel.display_name if self.channel_id else f"{self.platform} for {self.department}"
        return f"Request by {self.requester}: {what}"


class AccessGrant(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="grants", verbose_name=_("channel"))
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="channel_grants", verbose_name=_("user"))
    role = models.CharField(max_length=16, choices=ChannelRole.choices, verbose_name=_("role"))
    granted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by"))
    granted_at = models.DateTimeField(auto_now_add=True, verbose_name=_("granted at"))
    reason = models.TextField(verbose_name=_("reason"))
    request = models.ForeignKey(
        AccessRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("request"),
    )
    valid_until = models.DateField(null=True, blank=True, verbose_name=_("valid until"))
    review_by = models.DateField(verbose_name=_("review by"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    revoked_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )
    revoke_reason = models.TextField(blank=True, verbose_name=_("revoke reason"))

    class Meta:
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["review_by"])]

    audit_subject = "user_id"  # whom its label names, for the audit trail's personal rows

    def __str__(self) -> str:
        return f"{self.get_role_display()} of {self.channel.display_name} for {self.user}"


class Recertification(models.Model):
    grant = models.ForeignKey(
        AccessGrant, on_delete=models.CASCADE, related_name="recertifications", verbose_name=_("grant")
    )
    state = models.CharField(
        max_length=16, choices=RecertificationState.choices, default=RecertificationState.OPEN, verbose_name=_("state")
    )
    opened_at = models.DateTimeField(verbose_name=_("opened at"))
    escalate_at = models.DateTimeField(verbose_name=_("escalate at"))
    escalated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("escalated at"))
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    note = models.TextField(blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("recertification")
        verbose_name_plural = _("recertifications")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["grant"], condition=Q(state__in=["open", "escalated"]), name="recertification_one_open"
            )
        ]

    audit_subject = "grant.user_id"  # whom its label names, for the audit trail's personal rows

    def __str__(self) -> str:
        return f"Recertification of {self.grant}"


class RotationTask(models.Model):
    """Change the credentials someone who left knew."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="rotation_tasks", verbose_name=_("channel")
    )
    departed_user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("departed user"))
    state = models.CharField(
        max_length=8, choices=RotationState.choices, default=RotationState.OPEN, verbose_name=_("state")
    )
    opened_at = models.DateTimeField(auto_now_add=True, verbose_name=_("opened at"))
    closed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("closed by")
    )
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    note = models.TextField(blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("rotation task")
        verbose_name_plural = _("rotation tasks")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "departed_user"], condition=Q(state="open"), name="rotation_task_one_open"
            )
        ]

    audit_subject = "departed_user_id"  # whom its label names, for the audit trail's personal rows

    def __str__(self) -> str:
        return f"Rotate credentials of {self.channel.display_name} ({self.departed_user} left)"


class ReportedAccount(models.Model):
    """An account found in the wild that claims to be the company."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+", verbose_name=_("platform"))
    url = models.URLField(max_length=500, verbose_name=_("address (URL)"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    reported_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("reported by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    state = models.CharField(
        max_length=16, choices=ReportedState.choices, default=ReportedState.NEW, verbose_name=_("state")
    )
    triaged_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("triaged by")
    )
    triaged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("triaged at"))
    triage_note = models.TextField(blank=True, verbose_name=_("triage note"))
    channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("channel")
    )

    class Meta:
        verbose_name = _("reported account")
        verbose_name_plural = _("reported accounts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.platform.name}: {self.url}"
