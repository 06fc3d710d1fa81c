from django.db import models
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class PostState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


EDITABLE_STATES = (PostState.DRAFT, PostState.CHANGES_REQUESTED, PostState.APPROVED, PostState.SCHEDULED)
SUBMITTABLE_STATES = (PostState.DRAFT, PostState.CHANGES_REQUESTED)
WITHDRAWABLE_STATES = (
    PostState.DRAFT,
    PostState.IN_REVIEW,
    PostState.CHANGES_REQUESTED,
    PostState.APPROVED,
    PostState.SCHEDULED,
)
UNAPPROVED_STATES = (PostState.DRAFT, PostState.IN_REVIEW, PostState.CHANGES_REQUESTED)
RELEASABLE_STATES = (PostState.APPROVED, PostState.SCHEDULED)


class StageMode(models.TextChoices):
    ANY = "any", _("Any one of them")
    ALL = "all", _("All of them")
    N_OF = "n_of", _("N of them")


class StageState(models.TextChoices):
    WAITING = "waiting", _("Waiting for an earlier stage")
    OPEN = "open", _("Open")
    APPROVED = "approved", _("Approved")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class Outcome(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REQUEST_CHANGES = "request_changes", _("Request changes")
    REJECT = "reject", _("Reject")


class LockdownScope(models.TextChoices):
    ALL = "all", _("Everything")
    DEPARTMENT = "department", _("A department")
    CHANNEL = "channel", _("A channel")


class DriftKind(TextChoices):
    """What a publication report (or a channel's feed) showed that the approval did not cover."""

    TEXT_CHANGED = "text_changed", _("Text changed after approval")
    LINKS_CHANGED = "links_changed", _("Links changed after approval")
    OTHER_CHANNEL = "other_channel", _("Published on another channel")
    BEFORE_APPROVAL = "before_approval", _("Published before approval")
    DURING_LOCKDOWN = "during_lockdown", _("Published during a lockdown")
    NO_RECEIPT = "no_receipt", _("Reported without a receipt")
    RECEIPT_INVALID = "receipt_invalid", _("Receipt does not verify")
    UNAPPROVED_ENTRY = "unapproved_entry", _("Published without approval")


class ReportOutcome(TextChoices):
    RECORDED = "recorded", _("Recorded")
    REFUSED = "refused", _("Refused")
