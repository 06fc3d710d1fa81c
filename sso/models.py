"""Single sign-on: which e-mail domains sign in through which identity provider, and how the provider's claims
map to departments and roles. The providers themselves are allauth's ``SocialApp`` rows (OIDC or SAML)."""

from django.db import models

from accounts.choices import Role
from accounts.models import Department


class SsoDomain(models.Model):
    """People of ``domain`` sign in through ``app`` (home-realm discovery on the sign-in page)."""

    domain = models.CharField(max_length=253, unique=True, help_text="An e-mail domain, e.g. example.com.")
    app = models.ForeignKey(
        "socialaccount.SocialApp", on_delete=models.CASCADE, related_name="sso_domains", verbose_name="provider"
    )
    sso_required = models.BooleanField(
        "SSO required", default=True, help_text="People of this domain cannot sign in with a password."
    )
    create_accounts = models.BooleanField(
        "create accounts at first sign-in",
        default=True,
        help_text="The first sign-in creates the account (just in time), with departments from the claim mapping.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = "SSO domain"

    def __str__(self) -> str:
        return self.domain


class ClaimRule(models.Model):
    """A person whose claim (OIDC) or attribute (SAML) ``claim`` is or contains ``value`` gets ``role`` in
    ``department`` when the account is created at first sign-in."""

    app = models.ForeignKey(
        "socialaccount.SocialApp", on_delete=models.CASCADE, related_name="claim_rules", verbose_name="provider"
    )
    claim = models.CharField(max_length=200, help_text="Claim or attribute name, e.g. groups.")
    value = models.CharField(max_length=200, help_text="The value it must be or contain (case-insensitive).")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="claim_rules")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["app_id", "claim", "value", "department__name"]
        constraints = [
            models.UniqueConstraint(fields=["app", "claim", "value", "department"], name="claimrule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.claim} = {self.value} → {self.get_role_display()} of {self.department}"


class SamlAssertion(models.Model):
    """An assertion already consumed: a second use of the same assertion id is a replay and is refused."""

    app = models.ForeignKey("socialaccount.SocialApp", on_delete=models.CASCADE, related_name="+")
    assertion_id = models.CharField(max_length=256)
    not_on_or_after = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["app", "assertion_id"], name="samlassertion_unique")]
        indexes = [models.Index(fields=["not_on_or_after"], name="samlassertion_expiry")]

    def __str__(self) -> str:
        return self.assertion_id
