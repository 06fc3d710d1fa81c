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


class RuleKind(models.TextChoices):
    LEXICON = "lexicon", "Words and phrases"
    PATTERN = "pattern", "Regular expression"
    CONFIDENTIAL = "confidential", "Confidential marker"
    DISCLOSURE = "disclosure", "Required disclosure (sponsored posts)"
    LINK_DOMAIN = "link_domain", "Link domains"
    LENGTH = "length", "Length"


class RuleSeverity(models.TextChoices):
    BLOCK = "block", "Block: cannot submit"
    WARN = "warn", "Warn: shown to reviewers"
    ROUTE = "route", "Route: adds a review stage"


class LinkMode(models.TextChoices):
    ALLOW = "allow", "Only these domains"
    BLOCK = "block", "Never these domains"


class VersionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Audience(models.TextChoices):
    """Who must acknowledge a policy version, besides named departments."""

    MEMBER = "member", "Department members"
    REVIEWER = "reviewer", "Department reviewers"
    MANAGER = "manager", "Department managers"
    COMMUNICATIONS = "communications", "Communications"
    IT_SECURITY = "it_security", "IT security"
    AUDITOR = "auditor", "Auditors"


class CompletionMethod(models.TextChoices):
    ATTESTED = "attested", "Attested by the trainee"
    TRAINER = "trainer", "Recorded by a trainer"
    MANAGER = "manager", "Recorded by a manager"
