"""What the registry's services share: the limits, the notification keys, who IT and the administrators are,
the row lock, the text checks and the lines a notification carries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import users_in_group
from channels_registry.choices import (
    CUSTODIAN_ROLES,
    OPEN_RECERT_STATES,
)
from channels_registry.models import (
    AccessGrant,
    AccessRequest,
    Channel,
    ChannelMembership,
    Recertification,
)
from core.errors import InvalidInput
from notifications.services import Message, notifications_done

IT = "it_security"
MAX_PURPOSE = 5000
MAX_TEXT = 5000
MAX_CUSTODIANS = 10
GRANT_REVIEW_DAYS = 90
RECERT_ESCALATE_AFTER = timedelta(days=7)
DORMANCY_GRACE = timedelta(days=30)


def channel_url(channel: Channel) -> str:
    return reverse("channels_registry:channel_detail", args=[channel.pk])


def decide_key(channel: Channel | int) -> str:
    """What a registration's notification asks of its deciders (the manager's approval, IT's security review):
    done by whoever takes the decision."""
    return f"channel:{getattr(channel, 'pk', channel)}:decide"


def request_key(request: AccessRequest | int) -> str:
    return f"access_request:{getattr(request, 'pk', request)}:decide"


def grant_review_key(grant: AccessGrant | int) -> str:
    """What IT's reminder that a grant is due for review asks: done when it is recertified or revoked."""
    return f"access_grant:{getattr(grant, 'pk', grant)}:review"


def security_review_key(channel: Channel | int) -> str:
    """What IT's reminder that a channel's security review is due asks: done by the channel's next review."""
    return f"channel:{getattr(channel, 'pk', channel)}:security_review"


RECERTIFY_KEY = "access.recertify"  # the recertification notes; payload["grants"]: the grants they ask about


def _recertifications_done() -> None:
    """Mark read the recertification notes whose grants are all decided (confirmed, revoked or offboarded)."""
    notifications_done(
        key=RECERTIFY_KEY,
        items="grants",
        still_open=lambda grants: Recertification.objects.filter(
            grant_id__in=grants, state__in=OPEN_RECERT_STATES
        ).values_list("grant_id", flat=True),
    )


def _it_people():
    return users_in_group(IT)


def _administrators():
    return User.objects.filter(is_active=True, is_superuser=True).order_by("pk")


def live_custodians_of(channel: Channel) -> list[ChannelMembership]:
    """The people still holding the channel (owners, admins, anyone with the credentials)."""
    return list(
        ChannelMembership.objects.filter(
            Q(role__in=CUSTODIAN_ROLES) | Q(holds_credentials=True), channel=channel, ended_at__isnull=True
        ).select_related("user")
    )


def _lock(channel: Channel) -> Channel:
    return Channel.objects.select_for_update(of=("self",)).select_related("platform", "department").get(pk=channel.pk)


def _grouped(number: int) -> str:
    return number_format(number, force_grouping=True)


def _text(
    value: str, field: str, errors: dict, *, required: bool = True, limit: int = MAX_TEXT, missing: str = ""
) -> str:
    """``value`` stripped; ``missing``: what a required field left empty says (else "This field is required.")."""
    value = (value or "").strip()
    if required and not value:
        errors[field] = [missing or _("This field is required.")]
    elif len(value) > limit:
        errors[field] = [
            _("Keep it under %(limit)s characters (this has %(length)s).")
            % {"limit": _grouped(limit), "length": _grouped(len(value))}
        ]
    return value


def _require_reason(reason: str, missing: str = "") -> str:
    reason = (reason or "").strip()
    if not reason:
        missing = missing or _("Give a reason.")
        raise InvalidInput(missing, fields={"reason": [missing]})
    if len(reason) > MAX_TEXT:
        raise InvalidInput(
            _("The reason is too long."),
            fields={"reason": [_("Keep it under %(limit)s characters.") % {"limit": MAX_TEXT}]},
        )
    return reason


# Notification texts are marked and lazy: ``notify()`` renders them in each recipient's language.


def _lines(*texts: Any) -> Any:
    """Separate sentences (marked or not) one after the other, each translated on its own, joined when read."""
    return format_lazy(" ".join(["{}"] * len(texts)), *texts)


def _in_language(language: str, user_id: int, title: Any, body: Any, url: str, data: Any) -> Message:
    """One person's message of a fan-out, written in their language (empty: the site's)."""
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        return Message(user_id, str(title), str(body), url, data, language=language)
