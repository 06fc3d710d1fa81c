from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access (GDPR art. 15): export")
    ERASURE = "erasure", _("Erasure (GDPR art. 17)")


class RequestState(models.TextChoices):
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")
