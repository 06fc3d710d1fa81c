from django.db import models
from django.utils.translation import gettext_lazy as _


class PlatformKind(models.TextChoices):
    SOCIAL = "social", _("Social network")
    VIDEO = "video", _("Video")
    BLOG = "blog", _("Blog")
    FORUM = "forum", _("Forum")
    MESSAGING = "messaging", _("Messaging")
    OTHER = "other", _("Other")


class DecisionOutcome(models.TextChoices):
    ALLOWED = "allowed", _("Allowed")
    CONDITIONAL = "conditional", _("Allowed with conditions")
    BLOCKED = "blocked", _("Blocked")


class RuleKind(models.TextChoices):
    LEXICON = "lexicon", _("Words and phrases")
    PATTERN = "pattern", _("Regular expression")
    CONFIDENTIAL = "confidential", _("Confidential marker")
    DISCLOSURE = "disclosure", _("Required disclosure (sponsored posts)")
    LINK_DOMAIN = "link_domain", _("Link domains")
    LENGTH = "length", _("Length")


class RuleSeverity(models.TextChoices):
    BLOCK = "block", _("Block: cannot submit")
    WARN = "warn", _("Warn: shown to reviewers")
    ROUTE = "route", _("Route: adds a review stage")


class LinkMode(models.TextChoices):
    ALLOW = "allow", _("Only these domains")
    BLOCK = "block", _("Never these domains")


class VersionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Audience(models.TextChoices):
    """Who must acknowledge a policy version, besides named departments."""

    MEMBER = "member", _("Department members")
    REVIEWER = "reviewer", _("Department reviewers")
    MANAGER = "manager", _("Department managers")
    COMMUNICATIONS = "communications", _("Communications")
    IT_SECURITY = "it_security", _("IT security")
    AUDITOR = "auditor", _("Auditors")


class CompletionMethod(models.TextChoices):
    ATTESTED = "attested", _("Attested by the trainee")
    TRAINER = "trainer", _("Recorded by a trainer")
    MANAGER = "manager", _("Recorded by a manager")
