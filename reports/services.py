"""Writes of the reports app: the personal calendar feed."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from reports.models import CalendarFeed


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, actor: Any) -> tuple[CalendarFeed, str]:
    """A new feed for the actor (revoking the one they had). Returns the feed and its token, shown once."""
    _revoke_live(actor)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=actor, token_hash=token_hash(token), hint=token[:6])
    audit.record(actor=actor, action="calendar_feed.created", target=feed, data={"hint": feed.hint})
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, actor: Any) -> CalendarFeed | None:
    """Revoke the actor's feed; its address stops working at once. A no-op when there is none."""
    feed = _revoke_live(actor)
    if feed is not None:
        audit.record(actor=actor, action="calendar_feed.revoked", target=feed, data={"hint": feed.hint})
    return feed


def _revoke_live(actor: Any) -> CalendarFeed | None:
    feed = CalendarFeed.objects.select_for_update().filter(user=actor, revoked_at__isnull=True).first()
    if feed is None:
        return None
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    return feed


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    if not token or len(token) > 100:
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
