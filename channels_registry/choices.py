from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy


class ChannelState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    IN_SECURITY_REVIEW = "in_security_review", _("In security review")
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant")
    SUSPENDED = "suspended", _("Suspended")
    REJECTED = "rejected", _("Rejected")
    RETIRED = "retired", _("Retired")


LIVE_STATES = (ChannelState.PROPOSED, ChannelState.IN_SECURITY_REVIEW, ChannelState.ACTIVE, ChannelState.DORMANT)
# A rejected registration frees its handle; every other channel keeps it.
HANDLE_HOLDING_STATES = tuple(s for s in ChannelState.values if s != ChannelState.REJECTED)


class ChannelRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    PUBLISHER = "publisher", _("Publisher")
    CONTRIBUTOR = "contributor", _("Contributor")


CUSTODIAN_ROLES = (ChannelRole.OWNER, ChannelRole.ADMIN)
# The reason of the grants a registration makes for the custodians it names (not a decision: approving the
# registration and its security review are).
REGISTRATION_GRANT_REASON = "Named custodian at registration."


class ReviewOutcome(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", pgettext_lazy("a security review's outcome", "Failed")


# The items' names in English (stored in a rejected channel's reason); pages show them translated (gettext(label)).
CHECKLIST = {
    "custodians": gettext_noop("At least two named custodians"),
    "mfa": gettext_noop("Two-factor authentication is on"),
    "recovery": gettext_noop("The recovery contact is a corporate address"),
    "credentials": gettext_noop("Credentials are kept in the vault named"),
    "tools": gettext_noop("Connected tools are vetted"),
}


class ActivityKind(models.TextChoices):
    POST = "post", _("Post published")
    INTERACTION = "interaction", _("Replies or messages")
    LOGIN = "login", _("Sign-in")
    PROFILE = "profile", _("Profile update")
    OTHER = "other", _("Other")


class ActivitySource(models.TextChoices):
    PAGE = "page", _("Logged on the page")
    API = "api", _("Integration")
    PUBLISHING = "publishing", _("Published post")
    FEED = "feed", _("The channel's feed")


class FindingState(models.TextChoices):
    OPEN = "open", pgettext_lazy("a state: not done yet", "Open")
    ESCALATED = "escalated", _("Escalated, retirement proposed")
    RESOLVED = "resolved", _("Resolved")


class AccessRequestKind(models.TextChoices):
    CHANNEL_ROLE = "channel_role", _("A role on a channel")
    PLATFORM = "platform", _("A blocked platform for my department")


class AccessRequestState(models.TextChoices):
    PENDING = "pending", _("Pending")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class RecertificationState(models.TextChoices):
    OPEN = "open", _("Waiting for the owner")
    ESCALATED = "escalated", _("Escalated to IT")
    CONFIRMED = "confirmed", _("Confirmed")
    REVOKED = "revoked", _("Revoked")


OPEN_RECERT_STATES = (RecertificationState.OPEN, RecertificationState.ESCALATED)


class RotationState(models.TextChoices):
    OPEN = "open", pgettext_lazy("a state: not done yet", "Open")
    DONE = "done", _("Done")


class TriageOutcome(models.TextChoices):
    CLAIMED = "claimed", _("Claim it (registered as a channel)")
    TAKEDOWN = "takedown", _("Request a takedown")
    FAN_PAGE = "fan_page", _("Accept as an unofficial fan page")
    DISMISSED = "dismissed", _("Dismiss")


class ReportedState(models.TextChoices):
    NEW = "new", _("New")
    CLAIMED = "claimed", _("Claimed (registered)")
    TAKEDOWN = "takedown", _("Takedown requested")
    FAN_PAGE = "fan_page", _("Accepted as an unofficial fan page")
    DISMISSED = "dismissed", _("Dismissed")


class FeedStatus(models.TextChoices):
    NEVER = "never", _("Not read yet")
    OK = "ok", _("Read")
    NOT_MODIFIED = "not_modified", _("Read: not modified")
    MALFORMED = "malformed", _("Not a well-formed feed")
    TOO_LARGE = "too_large", _("Too large")
    TIMEOUT = "timeout", _("Timed out")
    UNREACHABLE = "unreachable", _("Unreachable")
    HTTP_ERROR = "http_error", _("The server answered with an error")
    TOO_MANY_REDIRECTS = "too_many_redirects", _("Too many redirects")
    BLOCKED = "blocked", _("Refused: internal address")
    FAILED = "failed", _("Failed")


FEED_HEALTHY = (FeedStatus.OK, FeedStatus.NOT_MODIFIED)
