from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("Each notification as it happens")
    DIGEST = "digest", _("One daily digest")


class EmailState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DIGEST = "digest", _("Waiting for the daily digest")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent by e-mail")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Gave up")


class ChatKind(models.TextChoices):
    SLACK = "slack", _("Slack (incoming webhook)")
    TEAMS = "teams", _("Microsoft Teams (workflow webhook)")
