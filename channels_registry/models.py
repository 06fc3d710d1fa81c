from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

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

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="channels")
    handle = models.CharField(max_length=200, help_text="Normalised for the platform.")
    url = models.URLField(max_length=500)
    display_name = models.CharField(max_length=200)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="channels")
    purpose = models.TextField()
    audience = models.CharField(max_length=300)
    # Security details: custodians, the department's managers, IT security and auditors only.
    recovery_contact = models.EmailField()
    mfa_enabled = models.BooleanField(default=False)
    credentials_location = models.CharField(max_length=300, help_text="A vault reference, never a password.")
    tools_connected = models.TextField(blank=True)

    state = models.CharField(max_length=24, choices=ChannelState.choices, default=ChannelState.PROPOSED)
    state_reason = models.TextField(blank=True)
    state_before_suspension = models.CharField(max_length=24, blank=True)
    registered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    # who approved the registration (separation of duties: the security review needs someone else)
    approved_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    dormant_since = models.DateTimeField(null=True, blank=True)
    orphaned_at = models.DateTimeField(null=True, blank=True, help_text="Set when fewer than two custodians remain.")

    class Meta:
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
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="channel_memberships")
    role = models.CharField(max_length=16, choices=ChannelRole.choices)
    holds_credentials = models.BooleanField(default=False)
    mfa_confirmed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=300, blank=True)

    class Meta:
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
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="security_reviews")
    reviewer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=8, choices=ReviewOutcome.choices)
    checklist = models.JSONField(default=dict, help_text="item -> {passed, note}")
    note = models.TextField(blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"Security review of {self.channel.display_name}: {self.get_outcome_display()}"


class ChannelActivity(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="activities")
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=ActivityKind.choices, default=ActivityKind.OTHER)
    source = models.CharField(max_length=16, choices=ActivitySource.choices)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # a feed entry: its id in the feed (what makes reading twice record it once), link and plain text
    external_id = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=500, blank=True)
    content = models.TextField(blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "channel activities"
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

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="feed")
    kind = models.CharField(max_length=16, help_text="The connector: rss, youtube, mastodon, bluesky.")
    url = models.URLField(max_length=500)
    requires_approval = models.BooleanField(
        default=True, help_text="An entry that matches no approved post is a “published without approval” finding."
    )
    status = models.CharField(max_length=24, choices=FeedStatus.choices, default=FeedStatus.NEVER)
    message = models.CharField(max_length=300, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    entries_recorded = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["channel"]
        indexes = [models.Index(fields=["checked_at"], name="feed_checked_idx")]

    def __str__(self) -> str:
        return f"Feed of {self.channel.display_name}"


class DormancyFinding(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="dormancy_findings")
    state = models.CharField(max_length=16, choices=FindingState.choices, default=FindingState.OPEN)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel"], condition=~Q(state=FindingState.RESOLVED), name="dormancy_finding_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"Dormancy of {self.channel.display_name} ({self.get_state_display()})"


class AccessRequest(models.Model):
    kind = models.CharField(max_length=16, choices=AccessRequestKind.choices)
    requester = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="channel_access_requests")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="requests")
    role = models.CharField(max_length=16, choices=ChannelRole.choices, blank=True)
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField()
    state = models.CharField(max_length=16, choices=AccessRequestState.choices, default=AccessRequestState.PENDING)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    audit_subject = "requester_id"  # whom its label names, for the audit trail's personal rows

    def __str__(self) -> str:
        what = self.channel.display_name if self.channel_id else f"{self.platform} for {self.department}"
        return f"Request by {self.requester}: {what}"


class AccessGrant(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="channel_grants")
    role = models.CharField(max_length=16, choices=ChannelRole.choices)
    granted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()
    request = models.ForeignKey(AccessRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="grants")
    valid_until = models.DateField(null=True, blank=True)
    review_by = models.DateField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    revoke_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["review_by"])]

    audit_subject = "user_id"  # whom its label names, for the audit trail's personal rows

    def __str__(self) -> str:
        return f"{self.get_role_display()} of {self.channel.display_name} for {self.user}"


class Recertification(models.Model):
    grant = models.ForeignKey(AccessGrant, on_delete=models.CASCADE, related_name="recertifications")
    state = models.CharField(max_length=16, choices=RecertificationState.choices, default=RecertificationState.OPEN)
    opened_at = models.DateTimeField()
    escalate_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
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

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="rotation_tasks")
    departed_user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=8, choices=RotationState.choices, default=RotationState.OPEN)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
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

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+")
    url = models.URLField(max_length=500)
    note = models.TextField(blank=True)
    reported_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=16, choices=ReportedState.choices, default=ReportedState.NEW)
    triaged_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    triaged_at = models.DateTimeField(null=True, blank=True)
    triage_note = models.TextField(blank=True)
    channel = models.ForeignKey(Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.platform.name}: {self.url}"
