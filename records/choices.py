from django.db import models


class RequestKind(models.TextChoices):
    ACCESS = "access", "Access (GDPR art. 15): export"
    ERASURE = "erasure", "Erasure (GDPR art. 17)"


class RequestState(models.TextChoices):
    DONE = "done", "Done"
    REFUSED = "refused", "Refused"
