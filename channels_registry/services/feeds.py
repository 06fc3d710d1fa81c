"""Feeds: a channel's feed set, read and recorded."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit
from channels_registry import feeds, permissions
from channels_registry.choices import (
    FEED_HEALTHY,
    ActivityKind,
    ActivitySource,
    ChannelState,
    FeedStatus,
)
from channels_registry.models import (
    Channel,
    ChannelFeed,
)
from channels_registry.services._common import _lock
from channels_registry.services.dormancy import activity_record
from core.errors import InvalidInput, ensure
from core.outbound import OutboundRefused, check_url

log = logging.getLogger(__name__)


FEED_LIVE_STATES = (ChannelState.ACTIVE, ChannelState.DORMANT, ChannelState.SUSPENDED)


def _feed_url_problem(url: str) -> str:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return _("Give the feed's web address (http or https).")
    try:
        check_url(url)
    except OutboundRefused as exc:
        return str(exc)
    return ""


@transaction.atomic
def channel_feed_set(
    *, actor: User, channel: Channel, url: str, kind: str = "rss", requires_approval: bool = True
) -> ChannelFeed | None:
    """Name the channel's public feed (or, with an empty ``url``, stop reading it). Custodians and IT security.
    An address that resolves inside the company's network is refused."""
    channel = _lock(channel)
    ensure(permissions.can_manage_access(actor, channel), _("Only the channel's owners and IT security set its feed."))
    url = (url or "").strip()
    current = ChannelFeed.objects.select_for_update(of=("self",)).filter(channel=channel).first()
    if not url:
        if current is not None:
            current.delete()
            audit.record(actor=actor, action="channel.feed_removed", target=channel, data={"url": current.url})
        return None
    errors: dict[str, list[str]] = {}
    if kind not in dict(feeds.choices()):
        errors["kind"] = [_("Choose one of %(choices)s.") % {"choices": ", ".join(dict(feeds.choices()))}]
    problem = _feed_url_problem(url) if len(url) <= 500 else _("At most 500 characters.")
    if problem:
        errors["url"] = [problem]
    if errors:
        raise InvalidInput(_("The feed was not saved."), fields=errors)
    if current is None:
        current = ChannelFeed(channel=channel)
    if current.url != url or current.kind != kind:
        current.etag, current.last_modified, current.status, current.message = "", "", FeedStatus.NEVER, ""
    current.url, current.kind, current.requires_approval = url, kind, requires_approval
    current.save()
    audit.record(
        actor=actor,
        action="channel.feed_set",
        target=channel,
        data={"url": url, "kind": kind, "requires_approval": requires_approval},
    )
    return current


def feed_read(*, feed: ChannelFeed | int, now: datetime | None = None) -> str:
    """Read one feed (outside any transaction: the network), then record its new entries as the channel's
    activity and how the read went, in one short transaction. Returns the status. Never raises for what the
    feed or the network does wrong."""
    pk = feed.pk if isinstance(feed, ChannelFeed) else feed
    feed = ChannelFeed.objects.select_related("channel").get(pk=pk)
    if feed.channel.state not in FEED_LIVE_STATES:
        return feed.status
    try:
        result = feeds.connector(feed.kind).read(feed.url, etag=feed.etag, last_modified=feed.last_modified)
    except Exception as exc:  # a connector's own bug must not stop the other feeds
        log.exception("feed %s: the %s connector failed", feed.pk, feed.kind)
        result = feeds.Result(FeedStatus.FAILED, f"The {feed.kind} connector failed: {type(exc).__name__}.")
    return _feed_record(pk, result, now or timezone.now())


@transaction.atomic
def _feed_record(pk: int, result: feeds.Result, now: datetime) -> str:
    feed = ChannelFeed.objects.select_for_update(of=("self",)).select_related("channel").get(pk=pk)
    recorded = 0
    if feed.channel.state in FEED_LIVE_STATES:
        epoch = datetime.min.replace(tzinfo=UTC)
        for entry in sorted(result.entries, key=lambda e: e.published_at or epoch):
            occurred = min(entry.published_at or now, now)
            activity = activity_record(
                actor=None,
                channel=feed.channel,
                kind=ActivityKind.POST,
                source=ActivitySource.FEED,
                occurred_at=occurred,
                note=(entry.title or entry.url or entry.id)[:300],
                external_id=entry.id,
                url=entry.url if entry.url.startswith(("http://", "https://")) else "",
                content=entry.text,
            )
            recorded += activity is not None
    was = feed.status
    feed.status, feed.message, feed.checked_at = result.status, result.message[:300], now
    if result.status in FEED_HEALTHY:
        feed.last_ok_at = now
        feed.etag, feed.last_modified = result.etag, result.last_modified
    feed.entries_recorded += recorded
    feed.save(
        update_fields=[
            "status",
            "message",
            "checked_at",
            "last_ok_at",
            "etag",
            "last_modified",
            "entries_recorded",
            "updated_at",
        ]
    )
    if was != feed.status:
        audit.record(
            actor=None,
            action="channel.feed_status",
            target=feed.channel,
            data={"status": feed.status, "was": was, "message": feed.message, "recorded": recorded},
        )
    return feed.status


def feeds_read_due(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Read every feed whose connector's interval has passed since its last read (beat: every few minutes).
    Each feed on its own; one that fails is counted and the others go on."""
    now = now or timezone.now()
    due = Q(checked_at__isnull=True)
    for kind, _label in feeds.choices():
        interval = timedelta(minutes=feeds.connector(kind).interval_minutes)
        due |= Q(kind=kind, checked_at__lte=now - interval)
    ids = list(
        ChannelFeed.objects.filter(due, channel__state__in=FEED_LIVE_STATES)
        .order_by(F("checked_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for pk in ids:
        try:
            status = feed_read(feed=pk, now=now)
        except Exception:  # the database went away for this one: the next run tries again
            log.exception("feed %s could not be recorded", pk)
            status = FeedStatus.FAILED
        counts[status] = counts.get(status, 0) + 1
    return counts
