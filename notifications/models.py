import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.choices import ChatKind, DeliveryState, EmailMode, EmailState


class Notification(models.Model):
    """The outbox: written in the transaction of the change it tells about.

    Every notification is shown in-app at once; its e-mail is delivered by a
    task after commit (or in the daily digest). ``delivered_at`` marks the
    e-mail side done, and the sweep re-enqueues rows still waiting.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    event = models.CharField(max_length=80, verbose_name=_("event"))
    title = models.CharField(max_length=200, verbose_name=_("title"))
    body = models.TextField(blank=True, verbose_name=_("body"))
    url = models.CharField(max_length=500, blank=True, verbose_name=_("url"))
    target_type = models.CharField(max_length=80, blank=True, verbose_name=_("target type"))
    target_id = models.CharField(max_length=64, blank=True, verbose_name=_("target id"))
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))
    # What the notification asks its recipient to do ("post:12:review", "policies.acknowledge"): the service that
    # sees it done marks it read (``notifications_done``). Blank: it only tells.
    action_key = models.CharField(max_length=100, blank=True, verbose_name=_("action key"))
    # no index of its own: with one, PostgreSQL answered "a person's latest" by walking everyone's by date (see the
    # indexes below; the daily tasks that read by date name the event or the recipients too)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))
    email_state = models.CharField(
        max_length=16, choices=EmailState.choices, default=EmailState.PENDING, verbose_name=_("email state")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    # A claim: a delivery in progress holds the row until then, so two runs send once.
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_unread_idx"),
            # a person's latest first (the list, the API's first page, the dashboard's unread): without it
            # PostgreSQL walked everyone's notifications by date, skipping other people's (after a 10,000-person
            # fan-out: 7-12 ms for five rows; 0.1 ms with it)
            models.Index(fields=["recipient", "-created_at", "-id"], name="notif_recipient_latest_idx"),
            # the API's list, whose cursor runs on id alone: without it PostgreSQL walked the primary key backwards
            # past every newer notification of other people (32,433 after three fan-outs: 15 ms for a first page)
            models.Index(fields=["recipient", "-id"], name="notif_recipient_id_idx"),
            models.Index(
                fields=["created_at"], name="notif_undelivered_idx", condition=models.Q(delivered_at__isnull=True)
            ),
            # the requests still waiting for an action, found by the service that does it
            models.Index(
                fields=["action_key"],
                name="notif_open_action_idx",
                condition=models.Q(read_at__isnull=True) & ~models.Q(action_key=""),
            ),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id}: {self.title}"


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_pref", verbose_name=_("user")
    )
    email_mode = models.CharField(
        max_length=16, choices=EmailMode.choices, default=EmailMode.IMMEDIATE, verbose_name=_("email mode")
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email_mode}"


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    name = models.CharField(max_length=100, verbose_name=_("name"))
    url = models.URLField(max_length=500, verbose_name=_("url"))
    secret = models.CharField(
        max_length=100,
        default=_new_secret,
        help_text=_("Signs every delivery (HMAC-SHA256)."),
        verbose_name=_("secret"),
    )
    events = models.JSONField(
        default=list,
        blank=True,
        help_text=_('Event names to send, e.g. ["post.due", "channel.*"]; empty sends all.'),
        verbose_name=_("events"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        if not self.events:
            return True
        for pattern in self.events:
            if pattern == event or (pattern.endswith(".*") and event.startswith(pattern[:-1])) or pattern == "*":
                return True
        return False


class ChatTarget(models.Model):
    """A Slack or Microsoft Teams channel that hears notifications: a person's own (what they are sent) or a
    department's (its posts' and channels' reviews and decisions). The URL is the channel's incoming webhook:
    whoever knows it can post there, so it is shown shortened and never written to the audit trail."""

    kind = models.CharField(max_length=8, choices=ChatKind.choices, verbose_name=_("kind"))
    url = models.URLField(max_length=500, verbose_name=_("url"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="chat_targets",
        verbose_name=_("user"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="chat_targets",
        verbose_name=_("department"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    audit_subject = "user_id"  # a person's own target names them; a department's names nobody

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, department__isnull=True)
                | models.Q(user__isnull=True, department__isnull=False),
                name="chat_target_one_owner",
            ),
            models.UniqueConstraint(
                fields=["user", "kind"], condition=models.Q(user__isnull=False), name="chat_target_user_kind"
            ),
            models.UniqueConstraint(
                fields=["department", "kind"],
                condition=models.Q(department__isnull=False),
                name="chat_target_department_kind",
            ),
        ]
        verbose_name = _("chat target")
        verbose_name_plural = _("chat targets")

    def __str__(self) -> str:
        owner = self.department.name if self.department_id else "a person"
        return f"{self.get_kind_display().split(' (')[0]} for {owner}"

    @property
    def host(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.url).hostname or ""


class WebhookDelivery(models.Model):
    """One request to send: to a webhook endpoint (the signed envelope) or to a chat target (its card)."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    chat_target = models.ForeignKey(
        ChatTarget,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("chat target"),
    )
    event = models.CharField(max_length=80, verbose_name=_("event"))
    payload = models.JSONField(default=dict, verbose_name=_("payload"))
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING, verbose_name=_("state")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    last_status = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("last status"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(endpoint__isnull=False, chat_target__isnull=True)
                | models.Q(endpoint__isnull=True, chat_target__isnull=False),
                name="webhook_delivery_one_destination",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_pending_idx",
                condition=models.Q(state="pending"),
            )
        ]
        verbose_name = _("webhook delivery")

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint if self.endpoint_id else self.chat_target}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveSmallIntegerField(verbose_name=_("number"))
    started_at = models.DateTimeField(verbose_name=_("started at"))
    duration_ms = models.PositiveIntegerField(default=0, verbose_name=_("duration ms"))
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("status code"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    succeeded = models.BooleanField(default=False, verbose_name=_("succeeded"))

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"
