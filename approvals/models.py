from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from accounts.models import Department
from approvals.choices import DriftKind, LockdownScope, Outcome, PostState, ReportOutcome, StageMode, StageState
from channels_registry.models import Channel, ChannelActivity

USER = settings.AUTH_USER_MODEL


def summary_of(body: str) -> str:
    """A post's body on one line, cut at 80 characters (``Post.summary``; list pages that read rows as values)."""
    text = " ".join(body.split())
    return text if len(text) <= 80 else text[:79] + "…"


def warnings_in(findings: list[dict]) -> list[dict]:
    """The checks' findings a reviewer should look at (``PostRevision.warnings``)."""
    return [f for f in findings if f.get("severity") == "warn"]


class Post(models.Model):
    """One message for one channel. Its text lives in immutable revisions; the latest is copied here."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="posts")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="posts")
    state = models.CharField(max_length=24, choices=PostState.choices, default=PostState.DRAFT)
    body = models.TextField()
    links = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    sponsored = models.BooleanField(default=False)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    current_revision = models.ForeignKey(
        "PostRevision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text=gettext_lazy("Rejected, withdrawn or expired."))
    released_at = models.DateTimeField(null=True, blank=True, help_text=gettext_lazy("When post.due was sent."))
    published_at = models.DateTimeField(null=True, blank=True)
    published_url = models.URLField(max_length=500, blank=True)

    class Meta:
        verbose_name = gettext_lazy("post")
        verbose_name_plural = gettext_lazy("posts")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "scheduled_at"]),
            models.Index(fields=["author", "state"]),
            # reports: the live (open) period of posts created, approved and published per month or week
            models.Index(fields=["created_at"], name="post_created_at_idx"),
            models.Index(fields=["approved_at"], name="post_approved_at_idx"),
            models.Index(fields=["published_at"], name="post_published_at_idx"),
            # reports and dashboards: the review queue's posts and their channel, from the index alone
            models.Index(fields=["id"], include=["channel"], condition=Q(state="in_review"), name="post_in_review_idx"),
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} on {self.channel.display_name}"

    @property
    def summary(self) -> str:
        return summary_of(self.body)


class PostRevision(models.Model):
    """What the post said at one save. Never changed after it is written."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    links = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    sponsored = models.BooleanField(default=False)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    findings = models.JSONField(default=list, blank=True, help_text=gettext_lazy("What the content rules found."))
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("post revision")
        verbose_name_plural = gettext_lazy("post revisions")
        ordering = ["post", "-number"]
        constraints = [models.UniqueConstraint(fields=["post", "number"], name="post_revision_number_unique")]

    def __str__(self) -> str:
        return f"Revision {self.number} of post {self.post_id}"

    @property
    def warnings(self) -> list[dict]:
        return warnings_in(self.findings)


class Attachment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    revision = models.ForeignKey(PostRevision, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("attachment")
        verbose_name_plural = gettext_lazy("attachments")
        ordering = ["post", "id"]

    def __str__(self) -> str:
        return self.name


class ApprovalRoute(models.Model):
    """Ordered review stages: the company default (no department), a department's, or a channel's override."""

    name = models.CharField(max_length=100)
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="approval_routes"
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="approval_routes"
    )
    distinct_reviewers = models.BooleanField(
        default=True,
        help_text=gettext_lazy("One person decides at most one stage of the same revision (separation of duties)."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("approval route")
        verbose_name_plural = gettext_lazy("approval routes")
        ordering = ["department__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department"], condition=Q(channel__isnull=True), name="approval_route_one_per_department"
            ),
            models.UniqueConstraint(fields=["channel"], name="approval_route_one_per_channel"),
        ]

    def __str__(self) -> str:
        return self.name


class RouteStage(models.Model):
    route = models.ForeignKey(ApprovalRoute, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    role = models.CharField(
        max_length=16,
        choices=Role.choices,
        blank=True,
        help_text=gettext_lazy("A role in the post's department (or above)."),
    )
    group = models.CharField(max_length=80, blank=True, help_text=gettext_lazy("A company group, e.g. communications."))
    users = models.ManyToManyField(USER, blank=True, related_name="+", help_text=gettext_lazy("Named reviewers."))
    mode = models.CharField(max_length=8, choices=StageMode.choices, default=StageMode.ANY)
    required = models.PositiveSmallIntegerField(default=1, help_text=gettext_lazy("For “N of them”."))
    sla_hours = models.PositiveIntegerField(default=24)
    escalate_to = models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=gettext_lazy("Empty: the department's managers."),
    )
    public_only = models.BooleanField(
        default=False, help_text=gettext_lazy("Only for public channels (not messaging).")
    )

    class Meta:
        verbose_name = gettext_lazy("route stage")
        verbose_name_plural = gettext_lazy("route stages")
        ordering = ["route", "position"]
        constraints = [models.UniqueConstraint(fields=["route", "position"], name="route_stage_position_unique")]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class StageReview(models.Model):
    """One stage for one revision of a post; who may decide is copied from the route when it is made."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="stage_reviews")
    revision = models.ForeignKey(PostRevision, on_delete=models.CASCADE, related_name="stage_reviews")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    role = models.CharField(max_length=16, choices=Role.choices, blank=True)
    group = models.CharField(max_length=80, blank=True)
    users = models.ManyToManyField(USER, blank=True, related_name="+")
    mode = models.CharField(max_length=8, choices=StageMode.choices, default=StageMode.ANY)
    required = models.PositiveSmallIntegerField(
        default=1, help_text=gettext_lazy("Approvals needed (set when it opens).")
    )
    approvals = models.PositiveSmallIntegerField(default=0)
    sla_hours = models.PositiveIntegerField(default=24)
    escalate_to = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # copied from the route when the stage is made: a person who decided another stage of this revision may not
    distinct_reviewers = models.BooleanField(default=True)
    state = models.CharField(max_length=20, choices=StageState.choices, default=StageState.WAITING)
    opened_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("stage review")
        verbose_name_plural = gettext_lazy("stage reviews")
        ordering = ["post", "revision", "position"]
        constraints = [models.UniqueConstraint(fields=["revision", "position"], name="stage_review_position_unique")]
        indexes = [
            models.Index(fields=["state", "due_at"]),
            # The review queue at scale: open stages oldest due first (a walk that stops after one page), and
            # the arms of a reviewer's eligibility (a group, a department role) found without that walk.
            models.Index(fields=["due_at", "id"], condition=Q(state="open"), name="stage_open_due_idx"),
            models.Index(fields=["group"], condition=Q(state="open") & ~Q(group=""), name="stage_open_group_idx"),
            models.Index(fields=["department", "role"], condition=Q(state="open"), name="stage_open_dept_role_idx"),
            # reports: stages due in the open month (SLA breaches)
            models.Index(fields=["due_at"], name="stagereview_due_at_idx"),
            # reports and dashboards: open stages (queue age) without reading the table
            models.Index(
                fields=["post"],
                include=["id", "opened_at", "due_at"],
                condition=Q(state="open"),
                name="stagereview_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} of post {self.post_id}"


class Decision(models.Model):
    stage_review = models.ForeignKey(StageReview, on_delete=models.CASCADE, related_name="decisions")
    reviewer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("decision")
        verbose_name_plural = gettext_lazy("decisions")
        ordering = ["stage_review", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["stage_review", "reviewer"], name="decision_one_per_reviewer"),
            models.UniqueConstraint(
                fields=["stage_review", "on_behalf_of"],
                condition=Q(on_behalf_of__isnull=False),
                name="decision_one_per_delegator",
            ),
        ]
        # the auditor's dashboard: the latest decisions
        indexes = [models.Index(fields=["created_at", "id"], name="decision_created_idx")]

    audit_subject = "reviewer_id"  # whom its label names, for the audit trail's personal rows

    def __str__(self) -> str:
        with translation.override(None):  # a label the audit trail stores: the code's English
            return f"{self.get_outcome_display()} by {self.reviewer}"


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("comment")
        verbose_name_plural = gettext_lazy("comments")
        ordering = ["post", "created_at", "id"]

    audit_subject = "author_id"  # whom its label names, for the audit trail's personal rows

    def __str__(self) -> str:
        return f"Comment by {self.author} on post {self.post_id}"


class Delegation(models.Model):
    """Out of office: ``delegate`` decides in ``delegator``'s place between the two dates."""

    delegator = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="delegations_given")
    delegate = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="delegations_received")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("delegation")
        verbose_name_plural = gettext_lazy("delegations")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="delegation_ends_after_start"),
            models.CheckConstraint(condition=~Q(delegator=models.F("delegate")), name="delegation_not_to_self"),
        ]

    audit_subject = "delegator_id"  # whom its label names, for the audit trail's personal rows

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate}"


class Lockdown(models.Model):
    """A crisis pause: nothing in scope is released or published while it holds."""

    scope = models.CharField(max_length=16, choices=LockdownScope.choices, default=LockdownScope.ALL)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField()
    started_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    ends_at = models.DateTimeField(
        null=True, blank=True, help_text=gettext_lazy("Automatic end; empty: until ended by hand.")
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = gettext_lazy("lockdown")
        verbose_name_plural = gettext_lazy("lockdowns")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["ended_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="all", department__isnull=True, channel__isnull=True)
                | Q(scope="department", department__isnull=False, channel__isnull=True)
                | Q(scope="channel", channel__isnull=False, department__isnull=True),
                name="lockdown_scope_matches_target",
            )
        ]

    def __str__(self) -> str:
        with translation.override(None):  # a label the audit trail stores: the code's English
            return f"Lockdown of {self.scope_label}"

    @property
    def scope_label(self) -> str:
        """What it pauses, in the active language (``__str__`` and the findings keep the code's English)."""
        if self.scope == LockdownScope.DEPARTMENT and self.department_id:
            return _("the %(department)s department") % {"department": self.department.name}
        if self.scope == LockdownScope.CHANNEL and self.channel_id:
            return self.channel.display_name
        return _("everything")


class ApprovalReceipt(models.Model):
    """The signed statement that one revision of a post was approved for one channel.

    ``payload`` is the signed document (canonical JSON: post, revision, channel, approval time and
    ``content_hash``, the SHA-256 over the normalised text, the links, the attachments' SHA-256 and the
    channel; see ``approvals.receipts``). ``signature`` is base64: Ed25519 under the audit checkpoints' key
    (``key_id`` is the SHA-256 of its public key) or, where no such key is configured, HMAC-SHA256 under
    the SECRET_KEY (``key_id`` "hmac"; SECRET_KEY_FALLBACKS rotate it). Written once, when the revision is
    approved; never changed.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="receipts")
    revision = models.OneToOneField(PostRevision, on_delete=models.CASCADE, related_name="receipt")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    content_hash = models.CharField(max_length=64)
    payload = models.JSONField()
    algorithm = models.CharField(max_length=16)
    key_id = models.CharField(max_length=64)
    signature = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("approval receipt")
        verbose_name_plural = gettext_lazy("approval receipts")
        ordering = ["post", "-id"]
        indexes = [models.Index(fields=["channel", "content_hash"], name="receipt_channel_hash_idx")]

    def __str__(self) -> str:
        return f"Receipt for revision {self.payload.get('revision')} of post {self.post_id}"


class PublicationReport(models.Model):
    """What an integration (or a publisher) said went out: the text, the network URL, the time, the receipt.

    Kept whether it was recorded or refused (a receipt that does not verify, another channel): the claim is
    part of the record. ``channel`` is the channel the report named; ``receipt`` the receipt it carried,
    when that verified.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="publication_reports")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=16, help_text=gettext_lazy("page or api"))
    text = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    links = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField()
    receipt_token = models.TextField(blank=True, help_text=gettext_lazy("The receipt as it was given."))
    receipt = models.ForeignKey(ApprovalReceipt, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    outcome = models.CharField(max_length=16, choices=ReportOutcome.choices, default=ReportOutcome.RECORDED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("publication report")
        verbose_name_plural = gettext_lazy("publication reports")
        ordering = ["post", "-id"]

    def __str__(self) -> str:
        return f"Publication report {self.pk} for post {self.post_id}"


class DriftFinding(models.Model):
    """Something went out that its approval did not cover: from a publication report or a channel's feed.

    ``post`` and ``report`` are empty for a feed entry that matched no approved post (``activity`` is that
    entry). ``detail`` says what differs for a person; ``data`` holds what was approved and what was found.
    """

    kind = models.CharField(max_length=24, choices=DriftKind.choices)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="drift_findings")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, blank=True, related_name="drift_findings")
    report = models.ForeignKey(
        PublicationReport, on_delete=models.CASCADE, null=True, blank=True, related_name="findings"
    )
    activity = models.ForeignKey(
        ChannelActivity, on_delete=models.CASCADE, null=True, blank=True, related_name="drift_findings"
    )
    detail = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("drift finding")
        verbose_name_plural = gettext_lazy("drift findings")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at", "id"], name="drift_created_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["activity"], condition=Q(activity__isnull=False), name="drift_one_per_feed_entry"
            )
        ]

    def __str__(self) -> str:
        with translation.override(None):  # a label the audit trail stores: the code's English
            return f"{self.get_kind_display()} on {self.channel.display_name}"


class FeedEntryMatch(models.Model):
    """Whether an entry read from a channel's feed was approved: the post it matched (by its published URL or
    its approved text), or none (then a "published without approval" finding), or not held to approval
    (the channel does not require it, or the entry predates the feed's naming)."""

    class Outcome(models.TextChoices):
        MATCHED = "matched", gettext_lazy("Matches an approved post")
        UNMATCHED = "unmatched", gettext_lazy("Matches no approved post")
        NOT_HELD = "not_held", gettext_lazy("Not held to approval")

    activity = models.OneToOneField(ChannelActivity, on_delete=models.CASCADE, related_name="feed_match")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("feed entry match")
        verbose_name_plural = gettext_lazy("feed entry matches")

    def __str__(self) -> str:
        with translation.override(None):  # a label the audit trail stores: the code's English
            return f"{self.get_outcome_display()}: activity {self.activity_id}"
