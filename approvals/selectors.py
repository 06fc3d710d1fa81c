"""Reads for a user: scope applied, relations fetched, a fixed number of queries per page."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from approvals import permissions
from approvals.choices import RELEASABLE_STATES, PostState, StageState
from approvals.models import Comment, Decision, Delegation, Lockdown, Post, PostRevision, StageReview
from socialgov.errors import NotFound


def posts() -> QuerySet[Post]:
    return Post.objects.select_related(
        "channel", "channel__platform", "channel__department", "author", "current_revision"
    )


def posts_visible_to(user: Any) -> QuerySet[Post]:
    # the scope straight on the rows (no ``pk IN (every visible post)``): an auditor's scope is no filter at all,
    # and a deep cursor page reads its 50 rows from the primary key
    return posts().filter(permissions.post_scope_q(user))


def my_posts(user: Any) -> QuerySet[Post]:
    return posts().filter(author=user)


def post_for(user: Any, pk: Any) -> Post:
    """The post, or NotFound when it does not exist or is outside the user's scope."""
    try:
        return posts_visible_to(user).get(pk=pk)
    except (Post.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such post.") from None


def post_detail_for(user: Any, pk: Any) -> Post:
    # the post page's readers are mostly its author and its department's reviewers: their scope is a fact
    # about the row (no scope query to build); anyone else is asked the whole scope, as ``post_for`` asks it
    try:
        post = posts().filter(pk=pk).first()
    except (ValueError, TypeError):
        raise NotFound("No such post.") from None
    if post is None:
        raise NotFound("No such post.")
    if not permissions.in_scope_without_query(user, post):
        post = post_for(user, pk)
    revisions = list(PostRevision.objects.filter(post=post).select_related("created_by").order_by("-number"))
    post.revision_list = revisions
    stages = list(
        StageReview.objects.filter(post=post)
        .select_related("revision", "department", "escalate_to")
        .prefetch_related(
            # who is named matters (may the reader decide?), not their rows
            Prefetch("users", User.objects.only("pk")),
            Prefetch("decisions", Decision.objects.select_related("reviewer", "on_behalf_of")),
        )
        .order_by("-revision__number", "position")
    )
    for stage in stages:
        stage.post = post
    post.stage_list = stages
    post.comment_list = list(Comment.objects.filter(post=post).select_related("author"))
    post.attachment_list = list(post.attachments.all())
    return post


def review_queue_for(user: Any) -> QuerySet[StageReview]:
    """Open stages the user may decide (not on their own posts), oldest due first."""
    if not permissions.signed_in(user):
        return StageReview.objects.none()
    return (
        StageReview.objects.filter(state=StageState.OPEN, post__state=PostState.IN_REVIEW)
        .filter(permissions.stage_q(user))
        .exclude(post__author=user)
        .select_related(
            "post",
            "post__channel",
            "post__channel__platform",
            "post__channel__department",
            "post__author",
            "post__current_revision",
            "revision",
            "department",
        )
        .order_by("due_at", "id")
    )


def stage_for(user: Any, pk: Any) -> StageReview:
    try:
        stage = StageReview.objects.select_related("post", "post__channel").get(pk=pk)
    except (StageReview.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such review.") from None
    if not posts_visible_to(user).filter(pk=stage.post_id).exists():
        raise NotFound("No such review.")
    return stage


def scheduled_posts(user: Any) -> QuerySet[Post]:
    return posts_visible_to(user).filter(state__in=RELEASABLE_STATES).order_by("scheduled_at", "id")


def due_posts(user: Any) -> QuerySet[Post]:
    """Released (post.due sent), not yet published, and not held by a lockdown."""
    return (
        posts_visible_to(user)
        .filter(state__in=RELEASABLE_STATES, released_at__isnull=False)
        .exclude(lockdown_q(active_lockdowns()))
        .order_by("scheduled_at", "released_at", "id")
    )


def active_lockdowns(now=None) -> list[Lockdown]:
    now = now or timezone.now()
    return list(
        Lockdown.objects.filter(ended_at__isnull=True)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("department", "channel", "started_by")
    )


def lockdown_q(lockdowns: list[Lockdown], prefix: str = "") -> Q:
    """Posts held by any of ``lockdowns``."""
    if any(lock.scope == "all" for lock in lockdowns):
        return Q(**{f"{prefix}pk__isnull": False})
    q = Q(pk__in=[])
    depts = [lock.department_id for lock in lockdowns if lock.department_id]
    channels = [lock.channel_id for lock in lockdowns if lock.channel_id]
    if depts:
        q |= Q(**{f"{prefix}channel__department_id__in": depts})
    if channels:
        q |= Q(**{f"{prefix}channel_id__in": channels})
    return q


def lockdown_holding(post: Post, lockdowns: list[Lockdown] | None = None) -> Lockdown | None:
    for lock in lockdowns if lockdowns is not None else active_lockdowns():
        if (
            lock.scope == "all"
            or (lock.department_id and lock.department_id == post.channel.department_id)
            or (lock.channel_id and lock.channel_id == post.channel_id)
        ):
            return lock
    return None


def lockdowns() -> QuerySet[Lockdown]:
    return Lockdown.objects.select_related("department", "channel", "started_by", "ended_by")


def delegations_visible_to(user: Any) -> QuerySet[Delegation]:
    qs = Delegation.objects.select_related("delegator", "delegate")
    if permissions.reads_everything(user):
        return qs
    return qs.filter(Q(delegator=user) | Q(delegate=user))
