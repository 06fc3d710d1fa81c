"""Notifications: the outbox and its delivery, one module per part.

``notify`` is called inside a service's transaction: it writes Notification
rows (one per recipient) and WebhookDelivery rows (one per interested
endpoint), and enqueues their delivery on commit. If the broker is down the
enqueue is logged and skipped; the periodic sweep sends what is still waiting.

Delivery claims a row in a short transaction (a lease in ``next_attempt_at``),
sends outside any transaction, then records the outcome. A task run twice, or
two workers racing, sends once.

- ``writing``: ``notify``, ``notify_each`` and the texts they carry (each recipient's language);
- ``outbox``: handing deliveries to the broker, retries later, the sweep;
- ``inapp``: reading state (mark read, an action done) and the e-mail preference;
- ``email``: e-mail delivery, one or a batch, and the digests;
- ``webhooks``: signatures, backoff, webhook and chat card delivery, the endpoints;
- ``chat_targets``: a person's or a department's Slack and Teams channels.

Every public name is here too: callers write ``from notifications.services import notify``. A test that
replaces a name one of these functions looks up patches it in the module that holds it.
"""

from notifications.services.chat_targets import chat_target_remove, chat_target_save, check_chat_url
from notifications.services.email import (
    EMAIL_LEASE,
    NOTIFICATION_HEADER,
    digests_send,
    notification_deliver_email,
    notifications_deliver_email,
)
from notifications.services.inapp import (
    notification_mark_read,
    notifications_done,
    notifications_mark_all_read,
    preference_set,
)
from notifications.services.outbox import (
    EMAIL_BATCH,
    EMAIL_SINGLE_UP_TO,
    enqueue_deliveries,
    enqueue_later,
    outbox_sweep,
)
from notifications.services.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    backoff_seconds,
    sign,
    verify_signature,
    webhook_deliver,
    webhook_endpoint_save,
)
from notifications.services.writing import (
    Message,
    absolute_url,
    chat_link,
    decided_by,
    in_language,
    language_of,
    notify,
    notify_each,
    site_text,
)

__all__ = [
    "EMAIL_BATCH",
    "EMAIL_LEASE",
    "EMAIL_SINGLE_UP_TO",
    "NOTIFICATION_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Message",
    "absolute_url",
    "backoff_seconds",
    "chat_link",
    "chat_target_remove",
    "chat_target_save",
    "check_chat_url",
    "decided_by",
    "digests_send",
    "enqueue_deliveries",
    "enqueue_later",
    "in_language",
    "language_of",
    "notification_deliver_email",
    "notification_mark_read",
    "notifications_deliver_email",
    "notifications_done",
    "notifications_mark_all_read",
    "notify",
    "notify_each",
    "outbox_sweep",
    "preference_set",
    "sign",
    "site_text",
    "verify_signature",
    "webhook_deliver",
    "webhook_endpoint_save",
]
