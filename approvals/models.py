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

    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="posts", verbose_name=gettext_lazy("channel")
    )
    author = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="posts", verbose_name=gettext_lazy("author")
    )
    state = models.CharField(
        max_length=24, choices=PostState.choices, default=PostState.DRAFT, verbose_name=gettext_lazy("state")
    )
    body = models.TextField(verbose_name=gettext_lazy("body"))
    links = models.JSONField(default=list, blank=True, verbose_name=gettext_lazy("links"))
    tags = models.JSONField(default=list, blank=True, verbose_name=gettext_lazy("tags"))
    sponsored = models.BooleanField(default=False, verbose_name=gettext_lazy("sponsored"))
    scheduled_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("scheduled at"))
    current_revision = models.ForeignKey(
        "PostRevision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("current revision"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=gettext_lazy("updated at"))
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("submitted at"))
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("approved at"))
    closed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Rejected, withdrawn or expired."),
        verbose_name=gettext_lazy("closed at"),
    )
    released_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When post.due was sent."),
        verbose_name=gettext_lazy("released at"),
    )
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("published at"))
    published_url = models.URLField(max_length=500, blank=True, verbose_name=gettext_lazy("published url"))

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

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="revisions", verbose_name=gettext_lazy("post")
    )
    number = models.PositiveIntegerField(verbose_name=gettext_lazy("number"))
    body = models.TextField(verbose_name=gettext_lazy("body"))
    links = models.JSONField(default=list, blank=True, verbose_name=gettext_lazy("links"))
    tags = models.JSONField(default=list, blank=True, verbose_name=gettext_lazy("tags"))
    sponsored = models.BooleanField(default=False, verbose_name=gettext_lazy("sponsored"))
    scheduled_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("scheduled at"))
    findings = models.JSONField(
        default=list,
        blank=True,
        help_text=gettext_lazy("What the content rules found."),
        verbose_name=gettext_lazy("findings"),
    )
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=gettext_lazy("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))

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
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="attachments", verbose_name=gettext_lazy("post")
    )
    revision = models.ForeignKey(
        PostRevision,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("revision"),
    )
    file = models.FileField(upload_to="attachments/%Y/%m/", verbose_name=gettext_lazy("file"))
    name = models.CharField(max_length=200, verbose_name=gettext_lazy("name"))
    content_type = models.CharField(max_length=100, verbose_name=gettext_lazy("content type"))
    size = models.PositiveIntegerField(verbose_name=gettext_lazy("size"))
    uploaded_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=gettext_lazy("uploaded by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))

    class Meta:
        verbose_name = gettext_lazy("attachment")
        verbose_name_plural = gettext_lazy("attachments")
        ordering = ["post", "id"]

    def __str__(self) -> str:
        return self.name


class ApprovalRoute(models.Model):
    """Ordered review stages: the company default (no department), a department's, or a channel's override."""

    name = models.CharField(max_length=100, verbose_name=gettext_lazy("name"))
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="approval_routes",
        verbose_name=gettext_lazy("department"),
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="approval_routes",
        verbose_name=gettext_lazy("channel"),
    )
    distinct_reviewers = models.BooleanField(
        default=True,
        help_text=gettext_lazy("One person decides at most one stage of the same revision (separation of duties)."),
        verbose_name=gettext_lazy("distinct reviewers"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=gettext_lazy("updated at"))

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
    route = models.ForeignKey(
        ApprovalRoute, on_delete=models.CASCADE, related_name="stages", verbose_name=gettext_lazy("route")
    )
    position = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("position"))
    name = models.CharField(max_length=100, verbose_name=gettext_lazy("name"))
    role = models.CharField(
        max_length=16,
        choices=Role.choices,
        blank=True,
        help_text=gettext_lazy("A role in the post's department (or above)."),
        verbose_name=gettext_lazy("role"),
    )
    group = models.CharField(
        max_length=80,
        blank=True,
        help_text=gettext_lazy("A company group, e.g. communications."),
        verbose_name=gettext_lazy("group"),
    )
    users = models.ManyToManyField(
        USER,
        blank=True,
        related_name="+",
        help_text=gettext_lazy("Named reviewers."),
        verbose_name=gettext_lazy("users"),
    )
    mode = models.CharField(
        max_length=8, choices=StageMode.choices, default=StageMode.ANY, verbose_name=gettext_lazy("mode")
    )
    required = models.PositiveSmallIntegerField(
        default=1, help_text=gettext_lazy("For “N of them”."), verbose_name=gettext_lazy("required")
    )
    sla_hours = models.PositiveIntegerField(default=24, verbose_name=gettext_lazy("sla hours"))
    escalate_to = models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=gettext_lazy("Empty: the department's managers."),
        verbose_name=gettext_lazy("escalate to"),
    )
    public_only = models.BooleanField(
        default=False,
        help_text=gettext_lazy("Only for public channels (not messaging)."),
        verbose_name=gettext_lazy("public only"),
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

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="stage_reviews", verbose_name=gettext_lazy("post")
    )
    revision = models.ForeignKey(
        PostRevision, on_delete=models.CASCADE, related_name="stage_reviews", verbose_name=gettext_lazy("revision")
    )
    position = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("position"))
    name = models.CharField(max_length=100, verbose_name=gettext_lazy("name"))
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("department"),
    )
    role = models.CharField(max_length=16, choices=Role.choices, blank=True, verbose_name=gettext_lazy("role"))
    group = models.CharField(max_length=80, blank=True, verbose_name=gettext_lazy("group"))
    users = models.ManyToManyField(USER, blank=True, related_name="+", verbose_name=gettext_lazy("users"))
    mode = models.CharField(
        max_length=8, choices=StageMode.choices, default=StageMode.ANY, verbose_name=gettext_lazy("mode")
    )
    required = models.PositiveSmallIntegerField(
        default=1,
        help_text=gettext_lazy("Approvals needed (set when it opens)."),
        verbose_name=gettext_lazy("required"),
    )
    approvals = models.PositiveSmallIntegerField(default=0, verbose_name=gettext_lazy("approvals"))
    sla_hours = models.PositiveIntegerField(default=24, verbose_name=gettext_lazy("sla hours"))
    escalate_to = models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("escalate to"),
    )
    # copied from the route when the stage is made: a person who decided another stage of this revision may not
    distinct_reviewers = models.BooleanField(default=True, verbose_name=gettext_lazy("distinct reviewers"))
    state = models.CharField(
        max_length=20, choices=StageState.choices, default=StageState.WAITING, verbose_name=gettext_lazy("state")
    )
    opened_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("opened at"))
    due_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("due at"))
    reminded_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("reminded at"))
    escalated_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("escalated at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("closed at"))

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
    stage_review = models.ForeignKey(
        StageReview, on_delete=models.CASCADE, related_name="decisions", verbose_name=gettext_lazy("stage review")
    )
    reviewer = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=gettext_lazy("reviewer")
    )
    on_behalf_of = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("on behalf of"),
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, verbose_name=gettext_lazy("outcome"))
    comment = models.TextField(blank=True, verbose_name=gettext_lazy("comment"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))

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
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments", verbose_name=gettext_lazy("post"))
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=gettext_lazy("author"))
    body = models.TextField(verbose_name=gettext_lazy("body"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))

    class Meta:
        verbose_name = gettext_lazy("comment")
        verbose_name_plural = gettext_lazy("comments")
        ordering = ["post", "created_at", "id"]

    audit_subject = "author_id"  # whom its label names, for the audit trail's personal rows

    def __str__(self) -> str:
        return f"Comment by {self.author} on post {self.post_id}"


class Delegation(models.Model):
    """Out of office: ``delegate`` decides in ``delegator``'s place between the two dates."""

    delegator = models.ForeignKey(
        USER, on_delete=models.CASCADE, related_name="delegations_given", verbose_name=gettext_lazy("delegator")
    )
    delegate = models.ForeignKey(
        USER, on_delete=models.CASCADE, related_name="delegations_received", verbose_name=gettext_lazy("delegate")
    )
    starts_at = models.DateTimeField(verbose_name=gettext_lazy("starts at"))
    ends_at = models.DateTimeField(verbose_name=gettext_lazy("ends at"))
    reason = models.CharField(max_length=300, blank=True, verbose_name=gettext_lazy("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("revoked at"))

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

    scope = models.CharField(
        max_length=16, choices=LockdownScope.choices, default=LockdownScope.ALL, verbose_name=gettext_lazy("scope")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("department"),
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=gettext_lazy("channel")
    )
    reason = models.TextField(verbose_name=gettext_lazy("reason"))
    started_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=gettext_lazy("started by")
    )
    started_at = models.DateTimeField(verbose_name=gettext_lazy("started at"))
    ends_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Automatic end; empty: until ended by hand."),
        verbose_name=gettext_lazy("ends at"),
    )
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("ended at"))
    ended_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=gettext_lazy("ended by")
    )

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

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="receipts", verbose_name=gettext_lazy("post"))
    revision = models.OneToOneField(
        PostRevision, on_delete=models.CASCADE, related_name="receipt", verbose_name=gettext_lazy("revision")
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="+", verbose_name=gettext_lazy("channel")
    )
    content_hash = models.CharField(max_length=64, verbose_name=gettext_lazy("content hash"))
    payload = models.JSONField(verbose_name=gettext_lazy("payload"))
    algorithm = models.CharField(max_length=16, verbose_name=gettext_lazy("algorithm"))
    key_id = models.CharField(max_length=64, verbose_name=gettext_lazy("key id"))
    signature = models.CharField(max_length=200, verbose_name=gettext_lazy("signature"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))

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

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="publication_reports", verbose_name=gettext_lazy("post")
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="+", verbose_name=gettext_lazy("channel")
    )
    reported_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=gettext_lazy("reported by")
    )
    source = models.CharField(max_length=16, help_text=gettext_lazy("page or api"), verbose_name=gettext_lazy("source"))
    text = models.TextField(blank=True, verbose_name=gettext_lazy("text"))
    url = models.URLField(max_length=500, blank=True, verbose_name=gettext_lazy("url"))
    links = models.JSONField(default=list, blank=True, verbose_name=gettext_lazy("links"))
    published_at = models.DateTimeField(verbose_name=gettext_lazy("published at"))
    receipt_token = models.TextField(
        blank=True, help_text=gettext_lazy("The receipt as it was given."), verbose_name=gettext_lazy("receipt token")
    )
    receipt = models.ForeignKey(
        ApprovalReceipt,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("receipt"),
    )
    outcome = models.CharField(
        max_length=16,
        choices=ReportOutcome.choices,
        default=ReportOutcome.RECORDED,
        verbose_name=gettext_lazy("outcome"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))

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

    kind = models.CharField(max_length=24, choices=DriftKind.choices, verbose_name=gettext_lazy("kind"))
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="drift_findings", verbose_name=gettext_lazy("channel")
    )
    post = models.ForeignKey(
        Post,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="drift_findings",
        verbose_name=gettext_lazy("post"),
    )
    report = models.ForeignKey(
        PublicationReport,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=gettext_lazy("report"),
    )
    activity = models.ForeignKey(
        ChannelActivity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="drift_findings",
        verbose_name=gettext_lazy("activity"),
    )
    detail = models.TextField(verbose_name=gettext_lazy("detail"))
    data = models.JSONField(default=dict, blank=True, verbose_name=gettext_lazy("data"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))

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

    activity = models.OneToOneField(
        ChannelActivity, on_delete=models.CASCADE, related_name="feed_match", verbose_name=gettext_lazy("activity")
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, verbose_name=gettext_lazy("outcome"))
    post = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=gettext_lazy("post")
    )
    checked_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("checked at"))

    class Meta:
        verbose_name = gettext_lazy("feed entry match")
        verbose_name_plural = gettext_lazy("feed entry matches")

    def __str__(self) -> str:
        with translation.override(None):  # a label the audit trail stores: the code's English
            return f"{self.get_outcome_display()}: activity {self.activity_id}"
