"""Releasing approved posts to their publishers, and expiring those never approved."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from approvals import permissions, selectors
from approvals.choices import RELEASABLE_STATES, UNAPPROVED_STATES, PostState, StageState
from approvals.models import Lockdown, Post, StageReview
from approvals.services._common import _lock_post, post_url, publish_key, review_key
from approvals.services.lockdowns import _lockdown_barrier, lockdown_end
from audit import services as audit
from core.errors import Conflict, ensure, ensure_state
from notifications.services import notifications_done, notify


def _release_one(pk: int, now: datetime, lockdowns: list[Lockdown]) -> bool:
    with transaction.atomic():
        post = _lock_post(pk)
        if post.state not in RELEASABLE_STATES or post.released_at is not None:
            return False  # done already, or changed meanwhile
        if post.scheduled_at is not None and post.scheduled_at > now:
            return False
        if selectors.lockdown_holding(post, lockdowns) is not None:
            return False
        _lockdown_barrier(exclusive=False)
        if selectors.lockdown_holding(post) is not None:  # started since the batch began
            return False
        _release(None, post, now)
        return True


@transaction.atomic
def post_release(*, actor: User, post: Post) -> Post:
    """A publisher releases a due post now (what the minute task would do); 409 while a lockdown holds it."""
    post = _lock_post(post)
    ensure(permissions.can_publish(actor, post.channel), _("Only the channel's publishers release posts."))
    ensure_state(post, *RELEASABLE_STATES)
    _lockdown_barrier(exclusive=False)
    lockdown = selectors.lockdown_holding(post)
    if lockdown is not None:
        raise Conflict(
            _("Publishing is paused (lockdown of %(scope)s): %(reason)s")
            % {"scope": lockdown.scope_label, "reason": lockdown.reason},
            code="lockdown",
        )
    now = timezone.now()
    if post.scheduled_at is not None and post.scheduled_at > now:
        raise Conflict(_("This post is scheduled for later."), code="not_due")
    if post.released_at is None:  # released already: nothing more to do
        _release(actor, post, now)
    return post


def _release(actor: User | None, post: Post, now: datetime) -> None:
    post.released_at = now
    post.save(update_fields=["released_at"])
    audit.record(actor=actor, action="post.released", target=post, data={"scheduled_at": post.scheduled_at})
    publishers = [
        m.user
        for m in post.channel.memberships.filter(
            ended_at__isnull=True, role__in=permissions.PUBLISHER_ROLES
        ).select_related("user")
    ]
    notify(
        event="post.due",
        recipients=[post.author, *publishers],
        title=format_lazy(gettext_lazy("Due now on {channel}"), channel=post.channel.display_name),
        body=post.body,
        url=post_url(post),
        target=post,
        data={
            "post": post.pk,
            "channel": post.channel_id,
            "platform": post.channel.platform.slug,
            "body": post.body,
            "links": post.links,
            "scheduled_at": post.scheduled_at,
            "published_callback": reverse("post-published", args=[post.pk]),
        },
        action_key=publish_key(post),
    )


def _expire_one(pk: int, now: datetime) -> bool:
    with transaction.atomic():
        post = _lock_post(pk)
        if post.state not in UNAPPROVED_STATES or post.scheduled_at is None or post.scheduled_at > now:
            return False
        if StageReview.objects.filter(post=post, state__in=[StageState.OPEN, StageState.WAITING]).update(
            state=StageState.CANCELLED, closed_at=now
        ):
            notifications_done(key=review_key(post))
        was = post.state
        post.state, post.closed_at = PostState.EXPIRED, now
        post.save(update_fields=["state", "closed_at", "updated_at"])
        audit.record(actor=None, action="post.expired", target=post, data={"was": was})
        notify(
            event="post.expired",
            recipients=[post.author],
            title=format_lazy(
                gettext_lazy("Expired: your post on {channel} was not approved in time"),
                channel=post.channel.display_name,
            ),
            body=post.body,
            url=post_url(post),
            target=post,
            data={"post": post.pk, "scheduled_at": post.scheduled_at},
        )
        return True


def release_due(*, now: datetime | None = None, batch: int = 100, max_batches: int = 50) -> dict[str, int]:
    """Ends lockdowns whose time is up, releases due posts outside any lockdown, expires unapproved ones.
    Each post in its own short transaction; safe to run twice or concurrently."""
    now = now or timezone.now()
    counts = {"lockdowns_ended": 0, "released": 0, "expired": 0}
    for lockdown in Lockdown.objects.filter(ended_at__isnull=True, ends_at__lte=now):
        try:
            lockdown_end(actor=None, lockdown=lockdown, now=now)
            counts["lockdowns_ended"] += 1
        except Conflict:
            pass
    lockdowns = selectors.active_lockdowns(now)
    last_pk = 0
    for _batch in range(max_batches):
        ids = list(
            Post.objects.filter(state__in=RELEASABLE_STATES, released_at__isnull=True, pk__gt=last_pk)
            .filter(Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now))
            .exclude(selectors.lockdown_q(lockdowns))
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        counts["released"] += sum(_release_one(pk, now, lockdowns) for pk in ids)
        if len(ids) < batch:
            break
        last_pk = ids[-1]
    last_pk = 0
    for _batch in range(max_batches):
        ids = list(
            Post.objects.filter(state__in=UNAPPROVED_STATES, scheduled_at__lte=now, pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        counts["expired"] += sum(_expire_one(pk, now) for pk in ids)
        if len(ids) < batch:
            break
        last_pk = ids[-1]
    return counts
