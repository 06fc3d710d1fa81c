from django.db import models
from django.db.models import TextChoices


class PostState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"


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
    ANY = "any", "Any one of them"
    ALL = "all", "All of them"
    N_OF = "n_of", "N of them"


class StageState(models.TextChoices):
    WAITING = "waiting", "Waiting for an earlier stage"
    OPEN = "open", "Open"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class Outcome(models.TextChoices):
    APPROVE = "approve", "Approve"
    REQUEST_CHANGES = "request_changes", "Request changes"
    REJECT = "reject", "Reject"


class LockdownScope(models.TextChoices):
    ALL = "all", "Everything"
    DEPARTMENT = "department", "A department"
    CHANNEL = "channel", "A channel"


class DriftKind(TextChoices):
    """What a publication report (or a channel's feed) showed that the approval did not cover."""

    TEXT_CHANGED = "text_changed", "Text changed after approval"
    LINKS_CHANGED = "links_changed", "Links changed after approval"
    OTHER_CHANNEL = "other_channel", "Published on another channel"
    BEFORE_APPROVAL = "before_approval", "Published before approval"
    DURING_LOCKDOWN = "during_lockdown", "Published during a lockdown"
    NO_RECEIPT = "no_receipt", "Reported without a receipt"
    RECEIPT_INVALID = "receipt_invalid", "Receipt does not verify"
    UNAPPROVED_ENTRY = "unapproved_entry", "Published without approval"


class ReportOutcome(TextChoices):
    RECORDED = "recorded", "Recorded"
    REFUSED = "refused", "Refused"
