"""Every change to the registry: one function each, ``<noun>_<verb>``.

Each takes the acting user keyword-only, checks permission, locks and re-reads
the row it changes, refuses a transition the state machine does not allow
(409), and writes the audit event and the notifications in the same
transaction.

One module a sub-domain, every name callers use re-exported here, so they read ``channels_registry.services.x``:

- ``separation``: separation of duties, the decisions' parties and who decides;
- ``registration``: a channel proposed, its custodians named;
- ``lifecycle``: the workflow (approval, rejection, the security review, suspension, reinstatement, retirement);
- ``dormancy``: a channel's activity recorded, the dormancy audit;
- ``feeds``: a channel's feed set, read and recorded;
- ``offboarding``: custodians, offboarding, rotation;
- ``access``: access requests and grants;
- ``recertification``: the grants' recertification;
- ``reported``: reported accounts;
- ``_common``: what they share (the limits, the notification keys, who IT and the administrators are, the row
  lock, the text checks, the lines a notification carries).
"""

from channels_registry.services._common import (
    DORMANCY_GRACE,
    GRANT_REVIEW_DAYS,
    IT,
    MAX_CUSTODIANS,
    MAX_PURPOSE,
    MAX_TEXT,
    RECERT_ESCALATE_AFTER,
    RECERTIFY_KEY,
    channel_url,
    decide_key,
    grant_review_key,
    live_custodians_of,
    request_key,
    security_review_key,
)
from channels_registry.services.access import (
    NOW_HOLDS,
    access_request_create,
    access_request_decide,
    grant_create,
    grant_revoke,
    grants_expire,
)
from channels_registry.services.dormancy import AUDIT_SLICE, DORMANCY_BATCH, activity_record, dormancy_audit
from channels_registry.services.feeds import FEED_LIVE_STATES, channel_feed_set, feed_read, feeds_read_due, log
from channels_registry.services.lifecycle import (
    channel_approve,
    channel_reinstate,
    channel_reject,
    channel_retire,
    channel_suspend,
    security_review_decide,
)
from channels_registry.services.offboarding import (
    LEFT_AS,
    _flag_orphans,
    membership_confirm_mfa,
    rotation_task_close,
    user_offboard,
)
from channels_registry.services.recertification import recertification_decide, recertifications_open
from channels_registry.services.registration import DuplicateChannel, channel_register
from channels_registry.services.reported import (
    TRIAGE_OUTCOMES,
    TRIAGED_AS,
    reported_account_create,
    reported_account_triage,
)
from channels_registry.services.separation import (
    AN_ADMINISTRATOR,
    DEPARTMENT_MANAGERS,
    IT_SECURITY,
    OWNERS_OR_IT,
    access_request_decision,
    access_request_route,
    registration_decision,
    registration_route,
)

__all__ = [
    "AN_ADMINISTRATOR",
    "AUDIT_SLICE",
    "DEPARTMENT_MANAGERS",
    "DORMANCY_BATCH",
    "DORMANCY_GRACE",
    "DuplicateChannel",
    "FEED_LIVE_STATES",
    "GRANT_REVIEW_DAYS",
    "IT",
    "IT_SECURITY",
    "LEFT_AS",
    "MAX_CUSTODIANS",
    "MAX_PURPOSE",
    "MAX_TEXT",
    "NOW_HOLDS",
    "OWNERS_OR_IT",
    "RECERTIFY_KEY",
    "RECERT_ESCALATE_AFTER",
    "TRIAGED_AS",
    "TRIAGE_OUTCOMES",
    "_flag_orphans",
    "access_request_create",
    "access_request_decide",
    "access_request_decision",
    "access_request_route",
    "activity_record",
    "channel_approve",
    "channel_feed_set",
    "channel_register",
    "channel_reinstate",
    "channel_reject",
    "channel_retire",
    "channel_suspend",
    "channel_url",
    "decide_key",
    "dormancy_audit",
    "feed_read",
    "feeds_read_due",
    "grant_create",
    "grant_review_key",
    "grant_revoke",
    "grants_expire",
    "live_custodians_of",
    "log",
    "membership_confirm_mfa",
    "recertification_decide",
    "recertifications_open",
    "registration_decision",
    "registration_route",
    "reported_account_create",
    "reported_account_triage",
    "request_key",
    "rotation_task_close",
    "security_review_decide",
    "security_review_key",
    "user_offboard",
]
