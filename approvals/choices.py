from django.db import models


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
