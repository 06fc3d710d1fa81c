"""Every change to posts, reviews, delegations and lockdowns: one function each, ``<noun>_<verb>``, in one module
a sub-domain, every public name re-exported here, so callers read ``approvals.services.x``.

Each takes the acting user keyword-only, checks permission, locks and re-reads the
row it changes, refuses a transition the state machine does not allow (409), and
writes the audit event and the notifications in the same transaction.
"""

from approvals.services._common import (
    MAX_LINKS,
    MAX_TAGS,
    MENTION,
    ensure_may_author,
    post_url,
    publish_key,
    review_key,
)
from approvals.services.decisions import (
    BULK_LIMIT,
    BULK_OUTCOMES,
    BulkResult,
    post_withdraw,
    stage_decide,
    stages_decide,
)
from approvals.services.delegations import (
    delegation_create,
    delegation_revoke,
)
from approvals.services.lockdowns import (
    LOCKDOWN_BARRIER,
    lockdown_end,
    lockdown_start,
)
from approvals.services.posts import (
    comment_add,
    mentioned_users,
    post_create,
    post_update,
)
from approvals.services.receipts import (
    MAX_PUBLISHED_TEXT,
    Found,
    feed_entries_check,
    publication_refusal,
    publication_report,
    receipt_token,
)
from approvals.services.release import (
    post_release,
    release_due,
)
from approvals.services.reviews import (
    LEVELS,
    default_route,
    eligible_users,
    is_public,
    post_submit,
    route_followed,
    seed_default_stages,
    stage_decision,
)
from approvals.services.routes import (
    ROUTE_FIELDS,
    STAGE_FIELDS,
    _department_route,
    route_channel_create,
    route_delete,
    route_save,
    route_stage_add,
    route_stage_remove,
    route_stage_save,
    route_update,
)
from approvals.services.sla import (
    review_sla,
)

__all__ = [
    "BULK_LIMIT",
    "BULK_OUTCOMES",
    "BulkResult",
    "Found",
    "LEVELS",
    "LOCKDOWN_BARRIER",
    "MAX_LINKS",
    "MAX_PUBLISHED_TEXT",
    "MAX_TAGS",
    "MENTION",
    "ROUTE_FIELDS",
    "STAGE_FIELDS",
    "_department_route",
    "comment_add",
    "default_route",
    "delegation_create",
    "delegation_revoke",
    "eligible_users",
    "ensure_may_author",
    "feed_entries_check",
    "is_public",
    "lockdown_end",
    "lockdown_start",
    "mentioned_users",
    "post_create",
    "post_release",
    "post_submit",
    "post_update",
    "post_url",
    "post_withdraw",
    "publication_refusal",
    "publication_report",
    "publish_key",
    "receipt_token",
    "release_due",
    "review_key",
    "review_sla",
    "route_channel_create",
    "route_delete",
    "route_followed",
    "route_save",
    "route_stage_add",
    "route_stage_remove",
    "route_stage_save",
    "route_update",
    "seed_default_stages",
    "stage_decide",
    "stage_decision",
    "stages_decide",
]
