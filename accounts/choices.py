from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    REVIEWER = "reviewer", _("Reviewer")
    MANAGER = "manager", _("Manager")


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class Group:
    """Names of the company-wide role groups (made by a data migration)."""

    COMMUNICATIONS = "communications"
    IT_SECURITY = "it_security"
    AUDITOR = "auditor"
    COMPLIANCE = "compliance"  # legal holds and data-subject requests (records/)
    ALL = (COMMUNICATIONS, IT_SECURITY, AUDITOR, COMPLIANCE)
    LABELS = {
        COMMUNICATIONS: "Communications",
        IT_SECURITY: "IT security",
        AUDITOR: "Auditor",
        COMPLIANCE: "Compliance",
    }
    # The admin-like roles: IT security administers (is_it_security counts superusers), auditors read everything and
    # export the trail, compliance holds and erases records. The identity provider grants them over SCIM only when
    # settings.SCIM_PRIVILEGED_ROLE_GROUPS allows it.
    PRIVILEGED = (IT_SECURITY, AUDITOR, COMPLIANCE)
