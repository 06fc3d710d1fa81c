from django.db import models


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", "Each notification as it happens"
    DIGEST = "digest", "One daily digest"


class EmailState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    DIGEST = "digest", "Waiting for the daily digest"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not sent by e-mail"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Gave up"


class ChatKind(models.TextChoices):
    SLACK = "slack", "Slack (incoming webhook)"
    TEAMS = "teams", "Microsoft Teams (workflow webhook)"
