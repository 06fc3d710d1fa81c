from django.db import models


class ChannelState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    IN_SECURITY_REVIEW = "in_security_review", "In security review"
    ACTIVE = "active", "Active"
    DORMANT = "dormant", "Dormant"
    SUSPENDED = "suspended", "Suspended"
    REJECTED = "rejected", "Rejected"
    RETIRED = "retired", "Retired"


LIVE_STATES = (ChannelState.PROPOSED, ChannelState.IN_SECURITY_REVIEW, ChannelState.ACTIVE, ChannelState.DORMANT)
# A rejected registration frees its handle; every other channel keeps it.
HANDLE_HOLDING_STATES = tuple(s for s in ChannelState.values if s != ChannelState.REJECTED)


class ChannelRole(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    PUBLISHER = "publisher", "Publisher"
    CONTRIBUTOR = "contributor", "Contributor"


CUSTODIAN_ROLES = (ChannelRole.OWNER, ChannelRole.ADMIN)
# The reason of the grants a registration makes for the custodians it names (not a decision: approving the
# registration and its security review are).
REGISTRATION_GRANT_REASON = "Named custodian at registration."


class ReviewOutcome(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


CHECKLIST = {
    "custodians": "At least two named custodians",
    "mfa": "Two-factor authentication is on",
    "recovery": "The recovery contact is a corporate address",
    "credentials": "Credentials are kept in the vault named",
    "tools": "Connected tools are vetted",
}


class ActivityKind(models.TextChoices):
    POST = "post", "Post published"
    INTERACTION = "interaction", "Replies or messages"
    LOGIN = "login", "Sign-in"
    PROFILE = "profile", "Profile update"
    OTHER = "other", "Other"


class ActivitySource(models.TextChoices):
    PAGE = "page", "Logged on the page"
    API = "api", "Integration"
    PUBLISHING = "publishing", "Published post"
    FEED = "feed", "The channel's feed"


class FindingState(models.TextChoices):
    OPEN = "open", "Open"
    ESCALATED = "escalated", "Escalated, retirement proposed"
    RESOLVED = "resolved", "Resolved"


class AccessRequestKind(models.TextChoices):
    CHANNEL_ROLE = "channel_role", "A role on a channel"
    PLATFORM = "platform", "A blocked platform for my department"


class AccessRequestState(models.TextChoices):
    PENDING = "pending", "Pending"
    GRANTED = "granted", "Granted"
    REFUSED = "refused", "Refused"


class RecertificationState(models.TextChoices):
    OPEN = "open", "Waiting for the owner"
    ESCALATED = "escalated", "Escalated to IT"
    CONFIRMED = "confirmed", "Confirmed"
    REVOKED = "revoked", "Revoked"


OPEN_RECERT_STATES = (RecertificationState.OPEN, RecertificationState.ESCALATED)


class RotationState(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class TriageOutcome(models.TextChoices):
    CLAIMED = "claimed", "Claim it (registered as a channel)"
    TAKEDOWN = "takedown", "Request a takedown"
    FAN_PAGE = "fan_page", "Accept as an unofficial fan page"
    DISMISSED = "dismissed", "Dismiss"


class ReportedState(models.TextChoices):
    NEW = "new", "New"
    CLAIMED = "claimed", "Claimed (registered)"
    TAKEDOWN = "takedown", "Takedown requested"
    FAN_PAGE = "fan_page", "Accepted as an unofficial fan page"
    DISMISSED = "dismissed", "Dismissed"


class FeedStatus(models.TextChoices):
    NEVER = "never", "Not read yet"
    OK = "ok", "Read"
    NOT_MODIFIED = "not_modified", "Read: not modified"
    MALFORMED = "malformed", "Not a well-formed feed"
    TOO_LARGE = "too_large", "Too large"
    TIMEOUT = "timeout", "Timed out"
    UNREACHABLE = "unreachable", "Unreachable"
    HTTP_ERROR = "http_error", "The server answered with an error"
    TOO_MANY_REDIRECTS = "too_many_redirects", "Too many redirects"
    BLOCKED = "blocked", "Refused: internal address"
    FAILED = "failed", "Failed"


FEED_HEALTHY = (FeedStatus.OK, FeedStatus.NOT_MODIFIED)
