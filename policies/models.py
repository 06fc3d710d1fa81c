from __future__ import annotations

import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import Department
from policies.choices import (
    Audience,
    CompletionMethod,
    DecisionOutcome,
    LinkMode,
    PlatformKind,
    RuleKind,
    RuleSeverity,
    VersionState,
)


def validate_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(gettext("Not a valid regular expression: %(error)s") % {"error": exc}) from exc


class Platform(models.Model):
    """One network in the catalogue, with what it takes to register an account on it."""

    slug = models.SlugField(max_length=40, unique=True, verbose_name=_("slug"))
    name = models.CharField(max_length=80, unique=True, verbose_name=_("name"))
    kind = models.CharField(
        max_length=16, choices=PlatformKind.choices, default=PlatformKind.SOCIAL, verbose_name=_("kind")
    )
    handle_pattern = models.CharField(
        max_length=300,
        default=r"^.{1,200}$",
        validators=[validate_regex],
        help_text=_("Regular expression a normalised handle must match in full."),
        verbose_name=_("handle pattern"),
    )
    handle_hint = models.CharField(
        max_length=200, blank=True, help_text=_("Shown when a handle does not fit."), verbose_name=_("handle hint")
    )
    strip_prefix = models.CharField(
        max_length=4, blank=True, help_text=_("Removed from the start, e.g. “@”."), verbose_name=_("strip prefix")
    )
    case_insensitive = models.BooleanField(
        default=True, help_text=_("Handles are stored in lower case."), verbose_name=_("case insensitive")
    )
    url_hosts = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Comma-separated hosts the account URL must be on; empty allows any."),
        verbose_name=_("url hosts"),
    )
    char_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Longest post, in characters."), verbose_name=_("char limit")
    )
    dormancy_days = models.PositiveIntegerField(default=90, verbose_name=_("dormancy days"))
    supports_mfa = models.BooleanField(default=True, verbose_name=_("supports mfa"))
    is_active = models.BooleanField(
        default=True, help_text=_("Inactive platforms are hidden from registration."), verbose_name=_("is active")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def hosts(self) -> list[str]:
        return [h.strip().lower() for h in self.url_hosts.split(",") if h.strip()]


class PlatformDecision(models.Model):
    """IT's decision about a platform, for every department (none named) or for the named ones."""

    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("platform")
    )
    departments = models.ManyToManyField(
        Department,
        blank=True,
        related_name="platform_decisions",
        help_text=_("None: every department."),
        verbose_name=_("departments"),
    )
    outcome = models.CharField(max_length=16, choices=DecisionOutcome.choices, verbose_name=_("outcome"))
    conditions = models.TextField(blank=True, verbose_name=_("conditions"))
    rationale = models.TextField(verbose_name=_("rationale"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    effective_from = models.DateField(default=timezone.localdate, verbose_name=_("effective from"))
    review_by = models.DateField(null=True, blank=True, verbose_name=_("review by"))
    expires_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("The last day it is in force; empty: until it is changed or ended."),
        verbose_name=_("expires on"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Whose request it grants: they may not change or end it."),
        verbose_name=_("requested by"),
    )
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    end_reason = models.CharField(max_length=300, blank=True, verbose_name=_("end reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = pgettext_lazy("model", "platform decision")
        verbose_name_plural = _("platform decisions")
        ordering = ["-effective_from", "-id"]
        indexes = [models.Index(fields=["platform", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.platform}: {self.get_outcome_display()} ({self.effective_from})"

    def in_force(self, on: date | None = None) -> bool:
        """Not ended, and not past its expiry (``on``: today)."""
        on = on or timezone.localdate()
        return self.ended_at is None and (self.expires_on is None or self.expires_on >= on)


# --- Content rules -------------------------------------------------------------------

MAX_PATTERN = 500
PROBE_TIMEOUT = 0.05
PATTERN_PROBES = tuple(c * 40 + "!" for c in "a1 x.") + ("ab" * 20 + "!", "a " * 20 + "!")


def validate_content_pattern(value: str) -> None:
    """A content rule's pattern must compile with the ``regex`` engine the checker uses."""
    import regex

    if len(value) > MAX_PATTERN:
        raise ValidationError(gettext("Keep the pattern under %(limit)s characters.") % {"limit": MAX_PATTERN})
    try:
        compiled = regex.compile(value, regex.IGNORECASE)
    except (regex.error, ValueError, OverflowError) as exc:
        raise ValidationError(gettext("Not a valid regular expression: %(error)s") % {"error": exc}) from exc
    # A few texts that make backtracking patterns explode. Not proof of safety (the checker bounds
    # every run anyway), but it refuses the obvious cases while IT is still looking at the form.
    for probe in PATTERN_PROBES:
        try:
            compiled.search(probe, timeout=PROBE_TIMEOUT)
        except TimeoutError as exc:
            raise ValidationError(
                gettext(
                    "This pattern backtracks catastrophically: it ran over %(ms)s ms on a %(length)s-character "
                    "text. Simplify it (avoid nested repetition such as (a+)+ or (a|aa)+)."
                )
                % {"ms": int(PROBE_TIMEOUT * 1000), "length": len(probe)}
            ) from exc


# What IT writes of a content rule, in the order forms and the API show it (policies.forms, policies.api).
CONTENT_RULE_FIELDS = (
    "name",
    "kind",
    "severity",
    "message",
    "terms",
    "pattern",
    "link_mode",
    "max_length",
    "departments",
    "platforms",
    "route_label",
    "route_group",
    "route_department",
    "route_role",
    "is_active",
)


class ContentRule(models.Model):
    """One rule every draft is checked against, in scope for some departments and platforms (none: all)."""

    name = models.CharField(max_length=120, verbose_name=_("name"))
    kind = models.CharField(max_length=16, choices=RuleKind.choices, verbose_name=_("kind"))
    severity = models.CharField(
        max_length=8, choices=RuleSeverity.choices, default=RuleSeverity.WARN, verbose_name=_("severity")
    )
    message = models.CharField(
        max_length=500, help_text=_("What the author reads when the rule matches."), verbose_name=_("message")
    )
    terms = models.TextField(
        blank=True,
        help_text=_(
            "One per line: words or phrases (lexicon, confidential), tags such as #ad (disclosure), "
            "domains (link domains)."
        ),
        verbose_name=_("terms"),
    )
    pattern = models.CharField(
        max_length=MAX_PATTERN,
        blank=True,
        validators=[validate_content_pattern],
        help_text=_("A regular expression (case-insensitive), for pattern rules."),
        verbose_name=_("pattern"),
    )
    link_mode = models.CharField(
        max_length=8, choices=LinkMode.choices, default=LinkMode.BLOCK, blank=True, verbose_name=_("link mode")
    )
    max_length = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Length rules: the longest post; empty uses the platform's own limit."),
        verbose_name=_("max length"),
    )
    departments = models.ManyToManyField(
        Department, blank=True, related_name="content_rules", verbose_name=_("departments")
    )
    platforms = models.ManyToManyField(Platform, blank=True, related_name="content_rules", verbose_name=_("platforms"))
    route_label = models.CharField(
        max_length=80,
        blank=True,
        help_text=_("Route rules: the stage, e.g. Legal review."),
        verbose_name=_("route label"),
    )
    route_group = models.CharField(
        max_length=40, blank=True, help_text=_("Route rules: a group reviews, or ..."), verbose_name=_("route group")
    )
    route_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("... a department"),
        verbose_name=_("route department"),
    )
    route_role = models.CharField(
        max_length=16, choices=Role.choices, blank=True, help_text=_("... and its role."), verbose_name=_("route role")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("content rule")
        verbose_name_plural = _("content rules")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def term_list(self) -> list[str]:
        return [t.strip() for t in self.terms.splitlines() if t.strip()]

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        listed = (RuleKind.LEXICON, RuleKind.CONFIDENTIAL, RuleKind.DISCLOSURE, RuleKind.LINK_DOMAIN)
        if self.kind in listed and not self.term_list:
            errors["terms"] = [gettext("List at least one, one per line.")]
        if self.kind == RuleKind.PATTERN and not self.pattern:
            errors["pattern"] = [gettext("Write the regular expression.")]
        if self.kind == RuleKind.LINK_DOMAIN and self.link_mode not in LinkMode.values:
            errors["link_mode"] = [gettext("Choose whether the domains are allowed or blocked.")]
        if self.severity == RuleSeverity.ROUTE:
            if not self.route_group and not self.route_department_id:
                errors["route_group"] = [gettext("Name who reviews: a group, or a department and role.")]
            if self.route_department_id and not self.route_role:
                errors["route_role"] = [gettext("Name the department's role that reviews.")]
        if errors:
            raise ValidationError(errors)

    def route(self) -> dict:
        if self.severity != RuleSeverity.ROUTE:
            return {}
        return {
            "label": self.route_label or self.name,
            "group": self.route_group or None,
            "department": self.route_department.slug if self.route_department_id else None,
            "role": self.route_role or None,
        }


# --- Policies ------------------------------------------------------------------------


class Policy(models.Model):
    title = models.CharField(max_length=150, verbose_name=_("title"))
    slug = models.SlugField(max_length=60, unique=True, verbose_name=_("slug"))
    summary = models.CharField(max_length=300, blank=True, verbose_name=_("summary"))
    required_to_author = models.BooleanField(
        default=False, help_text=_("Authoring posts needs its current version."), verbose_name=_("required to author")
    )
    required_to_review = models.BooleanField(
        default=False, help_text=_("Reviewing needs its current version."), verbose_name=_("required to review")
    )
    required_to_register = models.BooleanField(
        default=False, help_text=_("Registering a channel needs it."), verbose_name=_("required to register")
    )
    current_version = models.ForeignKey(
        "PolicyVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("current version"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["title"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def __str__(self) -> str:
        return self.title


class PolicyVersion(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions", verbose_name=_("policy"))
    number = models.PositiveIntegerField(verbose_name=_("number"))
    body = models.TextField(help_text=_("Markdown."), verbose_name=_("body"))
    body_html = models.TextField(
        blank=True, editable=False, help_text=_("Sanitised HTML rendered from the body."), verbose_name=_("body html")
    )
    change_note = models.CharField(max_length=300, blank=True, verbose_name=_("change note"))
    state = models.CharField(
        max_length=12, choices=VersionState.choices, default=VersionState.DRAFT, verbose_name=_("state")
    )
    audience_everyone = models.BooleanField(default=True, verbose_name=_("audience everyone"))
    audience_departments = models.ManyToManyField(
        Department, blank=True, related_name="+", verbose_name=_("audience departments")
    )
    audience_roles = models.JSONField(
        default=list,
        blank=True,
        help_text=format_lazy(_("Any of {roles}."), roles=", ".join(Audience.values)),
        verbose_name=_("audience roles"),
    )
    acknowledge_by = models.DateField(null=True, blank=True, verbose_name=_("acknowledge by"))
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["policy", "-number"]
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="policyversion_number_unique")]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number}"


class Acknowledgement(models.Model):
    version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, related_name="acknowledgements", verbose_name=_("version")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acknowledgements", verbose_name=_("user")
    )
    acknowledged_at = models.DateTimeField(default=timezone.now, verbose_name=_("acknowledged at"))

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        ordering = ["-acknowledged_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["version", "user"], name="acknowledgement_once")]

    def __str__(self) -> str:
        return gettext("%(user)s acknowledged %(version)s") % {"user": self.user, "version": self.version}


# --- Training ------------------------------------------------------------------------


class TrainingCourse(models.Model):
    title = models.CharField(max_length=150, verbose_name=_("title"))
    slug = models.SlugField(max_length=60, unique=True, verbose_name=_("slug"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    url = models.URLField(blank=True, help_text=_("Where the course material is."), verbose_name=_("url"))
    validity_days = models.PositiveIntegerField(
        default=365, help_text=_("A completion expires after this many days."), verbose_name=_("validity days")
    )
    required_to_author = models.BooleanField(default=False, verbose_name=_("required to author"))
    required_to_hold_credentials = models.BooleanField(default=False, verbose_name=_("required to hold credentials"))
    required_to_review = models.BooleanField(default=False, verbose_name=_("required to review"))
    departments = models.ManyToManyField(
        Department,
        blank=True,
        related_name="training_courses",
        help_text=_("Required in these; none: everywhere."),
        verbose_name=_("departments"),
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="courses_trained", verbose_name=_("trainers")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class TrainingCompletion(models.Model):
    course = models.ForeignKey(
        TrainingCourse, on_delete=models.PROTECT, related_name="completions", verbose_name=_("course")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_completions", verbose_name=_("user")
    )
    completed_on = models.DateField(verbose_name=_("completed on"))
    expires_on = models.DateField(verbose_name=_("expires on"))
    method = models.CharField(max_length=12, choices=CompletionMethod.choices, verbose_name=_("method"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("training completion")
        verbose_name_plural = _("training completions")
        ordering = ["-completed_on", "-id"]
        indexes = [models.Index(fields=["user", "course", "expires_on"])]

    def __str__(self) -> str:
        return gettext("%(user)s completed %(course)s on %(date)s") % {
            "user": self.user,
            "course": self.course,
            "date": self.completed_on,
        }
