from django.db import models


class PlatformKind(models.TextChoices):
    SOCIAL = "social", "Social network"
    VIDEO = "video", "Video"
    BLOG = "blog", "Blog"
    FORUM = "forum", "Forum"
    MESSAGING = "messaging", "Messaging"
    OTHER = "other", "Other"


class DecisionOutcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    CONDITIONAL = "conditional", "Allowed with conditions"
    BLOCKED = "blocked", "Blocked"
