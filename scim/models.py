"""SCIM 2.0 provisioning: the identity provider's tokens, what it told us about people and departments, and
the last requests it made."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScimToken(models.Model):
    """A bearer token of the identity provider, made by IT: it opens ``/scim/v2/`` and nothing else. Only a SHA-256
    of the secret is kept; the key is shown once."""

    name = models.CharField(max_length=100, verbose_name=_("name"))
    prefix = models.CharField(max_length=12, unique=True, verbose_name=_("prefix"))
    secret_hash = models.CharField(max_length=64, verbose_name=_("secret hash"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("SCIM token")
        verbose_name_plural = _("SCIM tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None


class ScimIdentity(models.Model):
    """What the identity provider says about a person beyond socialgov's own fields: its userName (which need not
    be an e-mail address), its externalId and the name and addresses it sent, returned as it sent them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_identity")
    user_name = models.CharField(max_length=254)
    external_id = models.CharField(max_length=254, blank=True)
    name = models.JSONField(default=dict, blank=True)
    display_name = models.CharField(max_length=254, blank=True)
    emails = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True, help_text=_("DELETEd over SCIM: offboarded and hidden."))

    class Meta:
        constraints = [models.UniqueConstraint(Lower("user_name"), name="scim_identity_user_name_ci_unique")]
        verbose_name = _("SCIM identity")
        verbose_name_plural = _("SCIM identities")

    audit_subject = "user_id"

    def __str__(self) -> str:
        return self.user_name


class ScimGroupLink(models.Model):
    """A department as a SCIM group: its externalId, and whether the provider DELETEd the group (the department
    stays, with its channels and history; its memberships are ended and it is no longer listed)."""

    department = models.OneToOneField("accounts.Department", on_delete=models.CASCADE, related_name="scim_link")
    external_id = models.CharField(max_length=254, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SCIM group link")
        verbose_name_plural = _("SCIM group links")

    def __str__(self) -> str:
        return f"SCIM group {self.department_id}"


class ScimRequest(models.Model):
    """One request to ``/scim/v2/`` and its result, for IT's page. Kept ``SCIM_LOG_DAYS`` days."""

    token = models.ForeignKey(ScimToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="requests")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    scim_type = models.CharField(max_length=32, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("SCIM request")
        verbose_name_plural = _("SCIM requests")

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status}"
