"""Writes about platforms and IT's platform decisions, content rules, policies and their acknowledgements, and
training: one module a sub-domain, every public name re-exported here, so callers read ``policies.services.x``.
"""

from policies.services._common import (
    MAX_TEXT,
    RESERVED_COURSE_SLUGS,
    RESERVED_POLICY_SLUGS,
)
from policies.services.content_rules import (
    content_rule_save,
)
from policies.services.documents import (
    ACKNOWLEDGE_KEY,
    QUOTED,
    REMINDER_EVERY,
    acknowledgement_record,
    acknowledgement_reminders_send,
    policy_create,
    policy_save,
    policy_version_draft,
    policy_version_publish,
)
from policies.services.platforms import (
    DECISION_FIELDS,
    OUTCOME_WORDS,
    decision_problems,
    decision_review_key,
    platform_decision_change,
    platform_decision_end,
    platform_decision_parties,
    platform_decision_record,
    platform_save,
)
from policies.services.training import (
    course_save,
    training_completion_record,
)

__all__ = [
    "ACKNOWLEDGE_KEY",
    "DECISION_FIELDS",
    "MAX_TEXT",
    "OUTCOME_WORDS",
    "QUOTED",
    "REMINDER_EVERY",
    "RESERVED_COURSE_SLUGS",
    "RESERVED_POLICY_SLUGS",
    "acknowledgement_record",
    "acknowledgement_reminders_send",
    "content_rule_save",
    "course_save",
    "decision_problems",
    "decision_review_key",
    "platform_decision_change",
    "platform_decision_end",
    "platform_decision_parties",
    "platform_decision_record",
    "platform_save",
    "policy_create",
    "policy_save",
    "policy_version_draft",
    "policy_version_publish",
    "training_completion_record",
]
