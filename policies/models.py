from __future__ import annotations

import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

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
        raise ValidationError(f"Not a valid regular expression: {exc}") from exc


class Platform(models.Model):
    """One network in the catalogue, with what it takes to register an account on it."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=16, choices=PlatformKind.choices, default=PlatformKind.SOCIAL)
    handle_pattern = models.CharField(
        max_length=300,
        default=r"^.{1,200}$",
        validators=[validate_regex],
        help_text="Regular expression a normalised handle must match in full.",
    )
    handle_hint = models.CharField(max_length=200, blank=True, help_text="Shown when a handle does not fit.")
    strip_prefix = models.CharField(max_length=4, blank=True, help_text="Removed from the start, e.g. “@”.")
    case_insensitive = models.BooleanField(default=True, help_text="Handles are stored in lower case.")
    url_hosts = models.CharField(
        max_length=300, blank=True, help_text="Comma-separated hosts the account URL must be on; empty allows any."
    )
    char_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Longest post, in characters.")
    dormancy_days = models.PositiveIntegerField(default=90)
    supports_mfa = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True, help_text="Inactive platforms are hidden from registration.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def hosts(self) -> list[str]:
        return [h.strip().lower() for h in self.url_hosts.split(",") if h.strip()]


class PlatformDecision(models.Model):
    """IT's decision about a platform, for every department (none named) or for the named ones."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="decisions")
    departments = models.ManyToManyField(
        Department, blank=True, related_name="platform_decisions", help_text="None: every department."
    )
    outcome = models.CharField(max_length=16, choices=DecisionOutcome.choices)
    conditions = models.TextField(blank=True)
    rationale = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField(default=timezone.localdate)
    review_by = models.DateField(null=True, blank=True)
    expires_on = models.DateField(
        null=True, blank=True, help_text="The last day it is in force; empty: until it is changed or ended."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Whose request it grants: they may not change or end it.",
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
        raise ValidationError(f"Keep the pattern under {MAX_PATTERN} characters.")
    try:
        compiled = regex.compile(value, regex.IGNORECASE)
    except (regex.error, ValueError, OverflowError) as exc:
        raise ValidationError(f"Not a valid regular expression: {exc}") from exc
    # A few texts that make backtracking patterns explode. Not proof of safety (the checker bounds
    # every run anyway), but it refuses the obvious cases while IT is still looking at the form.
    for probe in PATTERN_PROBES:
        try:
            compiled.search(probe, timeout=PROBE_TIMEOUT)
        except TimeoutError as exc:
            raise ValidationError(
                "This pattern backtracks catastrophically: it ran over "
                f"{int(PROBE_TIMEOUT * 1000)} ms on a {len(probe)}-character text. Simplify it "
                "(avoid nested repetition such as (a+)+ or (a|aa)+)."
            ) from exc


class ContentRule(models.Model):
    """One rule every draft is checked against, in scope for some departments and platforms (none: all)."""

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=RuleKind.choices)
    severity = models.CharField(max_length=8, choices=RuleSeverity.choices, default=RuleSeverity.WARN)
    message = models.CharField(max_length=500, help_text="What the author reads when the rule matches.")
    terms = models.TextField(
        blank=True,
        help_text="One per line: words or phrases (lexicon, confidential), tags such as #ad (disclosure), "
        "domains (link domains).",
    )
    pattern = models.CharField(
        max_length=MAX_PATTERN,
        blank=True,
        validators=[validate_content_pattern],
        help_text="A regular expression (case-insensitive), for pattern rules.",
    )
    link_mode = models.CharField(max_length=8, choices=LinkMode.choices, default=LinkMode.BLOCK, blank=True)
    max_length = models.PositiveIntegerField(
        null=True, blank=True, help_text="Length rules: the longest post; empty uses the platform's own limit."
    )
    departments = models.ManyToManyField(Department, blank=True, related_name="content_rules")
    platforms = models.ManyToManyField(Platform, blank=True, related_name="content_rules")
    route_label = models.CharField(max_length=80, blank=True, help_text="Route rules: the stage, e.g. Legal review.")
    route_group = models.CharField(max_length=40, blank=True, help_text="Route rules: a group reviews, or ...")
    route_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="... a department"
    )
    route_role = models.CharField(max_length=16, choices=Role.choices, blank=True, help_text="... and its role.")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
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
            errors["terms"] = ["List at least one, one per line."]
        if self.kind == RuleKind.PATTERN and not self.pattern:
            errors["pattern"] = ["Write the regular expression."]
        if self.kind == RuleKind.LINK_DOMAIN and self.link_mode not in LinkMode.values:
            errors["link_mode"] = ["Choose whether the domains are allowed or blocked."]
        if self.severity == RuleSeverity.ROUTE:
            if not self.route_group and not self.route_department_id:
                errors["route_group"] = ["Name who reviews: a group, or a department and role."]
            if self.route_department_id and not self.route_role:
                errors["route_role"] = ["Name the department's role that reviews."]
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
    title = models.CharField(max_length=150)
    slug = models.SlugField(max_length=60, unique=True)
    summary = models.CharField(max_length=300, blank=True)
    required_to_author = models.BooleanField(default=False, help_text="Authoring posts needs its current version.")
    required_to_review = models.BooleanField(default=False, help_text="Reviewing needs its current version.")
    required_to_register = models.BooleanField(default=False, help_text="Registering a channel needs it.")
    current_version = models.ForeignKey(
        "PolicyVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.title


class PolicyVersion(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField(help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False, help_text="Sanitised HTML rendered from the body.")
    change_note = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=12, choices=VersionState.choices, default=VersionState.DRAFT)
    audience_everyone = models.BooleanField(default=True)
    audience_departments = models.ManyToManyField(Department, blank=True, related_name="+")
    audience_roles = models.JSONField(default=list, blank=True, help_text=f"Any of {', '.join(Audience.values)}.")
    acknowledge_by = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="policyversion_number_unique")]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number}"


class Acknowledgement(models.Model):
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acknowledgements")
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-acknowledged_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["version", "user"], name="acknowledgement_once")]

    def __str__(self) -> str:
        return f"{self.user} acknowledged {self.version}"


# --- Training ------------------------------------------------------------------------


class TrainingCourse(models.Model):
    title = models.CharField(max_length=150)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    url = models.URLField(blank=True, help_text="Where the course material is.")
    validity_days = models.PositiveIntegerField(default=365, help_text="A completion expires after this many days.")
    required_to_author = models.BooleanField(default=False)
    required_to_hold_credentials = models.BooleanField(default=False)
    required_to_review = models.BooleanField(default=False)
    departments = models.ManyToManyField(
        Department, blank=True, related_name="training_courses", help_text="Required in these; none: everywhere."
    )
    trainers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="courses_trained")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class TrainingCompletion(models.Model):
    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="completions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_completions")
    completed_on = models.DateField()
    expires_on = models.DateField()
    method = models.CharField(max_length=12, choices=CompletionMethod.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on", "-id"]
        indexes = [models.Index(fields=["user", "course", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.user} completed {self.course} on {self.completed_on}"
