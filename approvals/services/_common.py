"""What the approvals services share: the limits, the post's address and action keys, the post lock, the
author check."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.urls import reverse
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from accounts.models import User
from approvals import permissions
from approvals.models import Post
from channels_registry.models import Channel
from core.errors import Forbidden, ensure
from policies import gates

MAX_LINKS = 10
MAX_TAGS = 10
MENTION = re.compile(r"(?<![\w.])@([\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w.+-]+)")


_later = lazy(lambda text: text(), str)  # ``text()`` when the notification is written for each recipient


def _in_code_language(text):
    """``text()`` in the code's English: a finding's detail is stored as data, whoever's request wrote it."""
    with translation.override(None):
        return text()


def post_url(post: Post) -> str:
    return reverse("approvals:post_detail", args=[post.pk])


def review_key(post: Post | int) -> str:
    """What a review request, reminder or escalation asks of its reviewers: done when they decide, or when the
    stage closes, or when the post leaves review."""
    return f"post:{getattr(post, 'pk', post)}:review"


def publish_key(post: Post | int) -> str:
    """What ``post.due`` asks of the channel's publishers: done when the publication is reported."""
    return f"post:{getattr(post, 'pk', post)}:publish"


def _lock_post(post: Post | int) -> Post:
    pk = post.pk if isinstance(post, Post) else post
    return Post.objects.select_for_update(of=("self",)).select_related("channel", "channel__platform").get(pk=pk)


def _blocked(blockers: Sequence[gates.Blocker], message: str) -> Forbidden:
    reasons = [f"{b.message} ({b.fix_url})" if b.fix_url else b.message for b in blockers]
    return Forbidden(message, fields={"reasons": reasons}, code="blocked")


def ensure_may_author(actor: User, channel: Channel) -> None:
    ensure(permissions.can_author(actor, channel), _("Only the channel's members write posts for an active channel."))
    blockers = gates.author_blockers(user=actor, channel=channel)
    if blockers:
        raise _blocked(blockers, _("You may not write posts for this channel yet."))
