"""Single sign-on: which e-mail domains sign in through which identity provider, and how the provider's claims
map to departments and roles. The providers themselves are allauth's ``SocialApp`` rows (OIDC or SAML)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import Department


class SsoDomain(models.Model):
    """People of ``domain`` sign in through ``app`` (home-realm discovery on the sign-in page)."""

    domain = models.CharField(
        max_length=253, unique=True, help_text=_("An e-mail domain, e.g. example.com."), verbose_name=_("domain")
    )
    app = models.ForeignKey(
        "socialaccount.SocialApp", on_delete=models.CASCADE, related_name="sso_domains", verbose_name=_("provider")
    )
    sso_required = models.BooleanField(
        _("SSO required"), default=True, help_text=_("People of this domain cannot sign in with a password.")
    )
    create_accounts = models.BooleanField(
        _("create accounts at first sign-in"),
        default=True,
        help_text=_("The first sign-in creates the account (just in time), with departments from the claim mapping."),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["domain"]
        verbose_name = _("SSO domain")
        verbose_name_plural = _("SSO domains")

    def __str__(self) -> str:
        return self.domain


class ClaimRule(models.Model):
    """A person whose claim (OIDC) or attribute (SAML) ``claim`` is or contains ``value`` gets ``role`` in
    ``department`` when the account is created at first sign-in."""

    app = models.ForeignKey(
        "socialaccount.SocialApp", on_delete=models.CASCADE, related_name="claim_rules", verbose_name=_("provider")
    )
    claim = models.CharField(
        max_length=200, help_text=_("Claim or attribute name, e.g. groups."), verbose_name=_("claim")
    )
    value = models.CharField(
        max_length=200, help_text=_("The value it must be or contain (case-insensitive)."), verbose_name=_("value")
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="claim_rules", verbose_name=_("department")
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER, verbose_name=_("role"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["app_id", "claim", "value", "department__name"]
        constraints = [
            models.UniqueConstraint(fields=["app", "claim", "value", "department"], name="claimrule_unique"),
        ]
        verbose_name = _("claim rule")
        verbose_name_plural = _("claim rules")

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
        verbose_name = _("SAML assertion")
        verbose_name_plural = _("SAML assertions")

    def __str__(self) -> str:
        return self.assertion_id
