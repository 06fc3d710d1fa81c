"""Reads for a user: scope applied, relations fetched, a fixed number of queries per page."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from approvals import permissions
from approvals.choices import RELEASABLE_STATES, PostState, StageState
from approvals.models import (
    ApprovalReceipt,
    Attachment,
    Comment,
    Decision,
    Delegation,
    DriftFinding,
    Lockdown,
    Post,
    PostRevision,
    PublicationReport,
    StageReview,
    summary_of,
    warnings_in,
)
from audit.selectors import events_for
from channels_registry.models import Channel
from core import objects
from core.errors import NotFound

log = logging.getLogger(__name__)


def posts() -> QuerySet[Post]:
    return Post.objects.select_related(
        "channel", "channel__platform", "channel__department", "author", "current_revision"
    )


def posts_visible_to(user: Any, *, rows: QuerySet[Post] | None = None) -> QuerySet[Post]:
    """The posts ``user`` may see: of ``rows`` when given (posts read another way), else of ``posts()``."""
    # the scope straight on the rows (no ``pk IN (every visible post)``): an auditor's scope is no filter at all,
    # and a deep cursor page reads its 50 rows from the primary key
    return (posts() if rows is None else rows).filter(permissions.post_scope_q(user))


def my_posts(user: Any) -> QuerySet[Post]:
    return posts().filter(author=user)


def post_for(user: Any, pk: Any) -> Post:
    """The post, or NotFound when it does not exist or is outside the user's scope."""
    try:
        return posts_visible_to(user).get(pk=pk)
    except (Post.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such post.")) from None


def post_preview_for(user: Any, pk: Any) -> tuple[Post, list[Attachment]]:
    """The post with its channel and platform, and its attachments (two queries), or NotFound outside the scope."""
    try:
        post = posts_visible_to(user).select_related("channel__platform").get(pk=pk)
    except (Post.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such post.")) from None
    return post, list(Attachment.objects.filter(post_id=post.pk))


def post_detail_for(user: Any, pk: Any) -> Post:
    """The post with everything its page shows (revisions, stages and their decisions, comments, attachments,
    drift findings, history), or NotFound outside the user's scope.

    The scope is decided on the row for its author and its department's reviewers (no scope query to build);
    anyone else is asked the whole scope, as ``post_for`` asks it. The post's history (its audit events, newest
    first) is its version: every change to the post, its review or its comments is recorded against it, so the
    rest of the page is kept under the newest event's id (``core.objects``) and read again after any change,
    one copy per language."""
    try:
        pk = int(pk)
    except (ValueError, TypeError):
        raise NotFound(_("No such post.")) from None
    post = posts().filter(pk=pk).first()
    if post is None:
        raise NotFound(_("No such post."))
    if not permissions.in_scope_without_query(user, post):
        post_for(user, pk)  # NotFound outside the scope
    post.history = events_for(post, limit=50)
    version = str(post.history[0].pk) if post.history else "0"
    # kept per language: what the page shows of it is read in the reader's language
    parts = objects.kept(f"post-page:{pk}:{get_language()}", (version,), lambda: (_post_parts(pk), None))
    post.revision_list, post.stage_list, post.comment_list, post.attachment_list, post.drift_list = parts
    for stage in post.stage_list:
        stage.post = post
    return post


def _post_parts(pk: int) -> tuple[list, list, list, list, list]:
    revisions = list(PostRevision.objects.filter(post_id=pk).select_related("created_by").order_by("-number"))
    stages = list(
        StageReview.objects.filter(post_id=pk)
        .select_related("revision", "department", "escalate_to")
        # who is named on a stage is read only when it matters (``named_reviewer_ids``: may the reader decide?)
        .prefetch_related(Prefetch("decisions", Decision.objects.select_related("reviewer", "on_behalf_of")))
        .order_by("-revision__number", "position")
    )
    comments = list(Comment.objects.filter(post_id=pk).select_related("author"))
    attachments = list(Attachment.objects.filter(post_id=pk))
    drift = list(DriftFinding.objects.filter(post_id=pk).order_by("-created_at", "-id"))
    return revisions, stages, comments, attachments, drift


def named_reviewer_ids(stages: list[StageReview]) -> dict[int, set[int]]:
    """Stage id -> the people named as its reviewers (one query for all of ``stages``, none for no stage)."""
    named: dict[int, set[int]] = {stage.pk: set() for stage in stages}
    if named:
        through = StageReview.users.through.objects.filter(stagereview_id__in=list(named))
        for stage_id, user_id in through.values_list("stagereview_id", "user_id"):
            named[stage_id].add(user_id)
    return named


def review_queue_for(user: Any) -> QuerySet[StageReview]:
    """Open stages the user may decide (not on their own posts), oldest due first."""
    if not permissions.signed_in(user):
        return StageReview.objects.none()
    return (
        StageReview.objects.filter(state=StageState.OPEN, post__state=PostState.IN_REVIEW)
        .filter(permissions.stage_q(user))
        .exclude(post__author=user)
        # Six relations joined, the small reference tables (platforms, departments) fetched by id after: with
        # all nine joined, PostgreSQL spent 10-17 ms planning the join order of a query that runs in 0.5 ms.
        .select_related("post", "post__channel", "post__author", "post__current_revision", "revision")
        .prefetch_related("post__channel__platform", "post__channel__department")
        .order_by("due_at", "id")
    )


# What the queue page shows of each stage, read as values. The platform's and department's names come from two
# scalar subqueries rather than joins: with them joined (nine tables, as ``select_related`` had it) PostgreSQL
# spent 7-13 ms *planning* the page's query and 0.5 ms running it; at five tables it plans in ~1 ms.
DUE_SOON = timedelta(hours=4)  # a stage due within this is "due soon" on the queue
QUEUE_ROW_FIELDS = (
    "id",
    "post_id",
    "name",
    "required",
    "approvals",
    "opened_at",
    "due_at",
    "post__body",
    "post__author__full_name",
    "post__author__email",
    "post__channel__display_name",
    "platform_name",
    "department_name",
    "revision__number",
    "revision__findings",
)


def review_queue_rows(stages: QuerySet[StageReview], *, now) -> list[dict[str, Any]]:
    """The queue page's rows for a page of ``review_queue_for(user)``: each stage with its post's summary and
    author, its revision's warnings, the channel's name, platform and department (one query), and whether it is
    overdue or due within four hours at ``now``."""
    channel = Channel.objects.filter(pk=OuterRef("post__channel_id")).order_by()
    values = (
        stages.select_related(None)
        .prefetch_related(None)
        .annotate(
            platform_name=Subquery(channel.values("platform__name")),
            department_name=Subquery(channel.values("department__name")),
        )
        .values(*QUEUE_ROW_FIELDS)
    )
    return [
        {
            "pk": s["id"],
            "post_id": s["post_id"],
            "name": s["name"],
            "required": s["required"],
            "approvals": s["approvals"],
            "opened_at": s["opened_at"],
            "due_at": s["due_at"],
            "overdue": s["due_at"] is not None and s["due_at"] <= now,
            "due_soon": s["due_at"] is not None and now < s["due_at"] <= now + DUE_SOON,
            "summary": summary_of(s["post__body"]),
            "author": s["post__author__full_name"] or s["post__author__email"],  # as User.__str__
            "channel": s["post__channel__display_name"],
            "platform": s["platform_name"],
            "department": s["department_name"],
            "revision": s["revision__number"],
            "warnings": warnings_in(s["revision__findings"]),
        }
        for s in values
    ]


def stage_for(user: Any, pk: Any) -> StageReview:
    try:
        stage = StageReview.objects.select_related("post", "post__channel").get(pk=pk)
    except (StageReview.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such review.")) from None
    if not posts_visible_to(user).filter(pk=stage.post_id).exists():
        raise NotFound(_("No such review."))
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


# The banner on every page shows the lockdowns in force from the cache: lockdown_start and lockdown_end forget
# them on commit, a lockdown's own end time bounds how long they are kept, and so does BANNER_SECONDS (the
# bound on a page that read them just before such a change committed). Holding posts back never uses this:
# the services and the release read the table (active_lockdowns).
BANNER_KEY = "approvals:lockdowns-in-force"
BANNER_SECONDS = 30


_NOT_READ = object()


def lockdowns_for_banner(now=None, kept=_NOT_READ) -> list[Lockdown]:
    """``kept``: what the cache held under BANNER_KEY when the caller read it already (None: nothing)."""
    now = now or timezone.now()
    if kept is _NOT_READ:
        kept = cache.get(BANNER_KEY)
    if kept is not None and kept[0] > now:
        return kept[1]
    lockdowns = active_lockdowns(now)
    until = min([now + timedelta(seconds=BANNER_SECONDS), *(lock.ends_at for lock in lockdowns if lock.ends_at)])
    cache.set(BANNER_KEY, (until, lockdowns), BANNER_SECONDS)
    return lockdowns


def forget_banner() -> None:
    """Runs after a commit: a cache outage is logged, not raised (the banner then expires within BANNER_SECONDS)."""
    try:
        cache.delete(BANNER_KEY)
    except Exception as exc:  # noqa: BLE001
        log.warning("Could not forget the lockdown banner: %s", exc)


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
    return lockdown_on(post.channel_id, post.channel.department_id, lockdowns)


def lockdown_on(channel_id: int, department_id: int | None, lockdowns: list[Lockdown] | None = None) -> Lockdown | None:
    """The first of ``lockdowns`` (default: those in force) that holds a channel's posts back."""
    for lock in lockdowns if lockdowns is not None else active_lockdowns():
        if (
            lock.scope == "all"
            or (lock.department_id and lock.department_id == department_id)
            or (lock.channel_id and lock.channel_id == channel_id)
        ):
            return lock
    return None


def held_rows(posts, lockdowns: list[Lockdown]) -> list[Post]:
    """A page of posts, each with ``held_by``: the lockdown of ``lockdowns`` holding it back, if it is waiting
    for release (approved or scheduled, not published). Reads nothing: the posts come with their channels."""
    rows = list(posts)
    for post in rows:
        waiting = post.state in RELEASABLE_STATES and post.published_at is None
        post.held_by = lockdown_on(post.channel_id, post.channel.department_id, lockdowns) if waiting else None
    return rows


def lockdowns() -> QuerySet[Lockdown]:
    return Lockdown.objects.select_related("department", "channel", "started_by", "ended_by")


def delegations_visible_to(user: Any) -> QuerySet[Delegation]:
    qs = Delegation.objects.select_related("delegator", "delegate")
    if permissions.reads_everything(user):
        return qs
    return qs.filter(Q(delegator=user) | Q(delegate=user))


# --- Receipts, publication reports, drift -----------------------------------------------------------------


def receipt_for(post: Post) -> ApprovalReceipt:
    """The receipt of the post's current revision once approved, or NotFound (not approved yet, or edited since
    and back in review: the earlier receipt no longer covers it)."""
    receipt = post.receipts.select_related("revision").filter(revision_id=post.current_revision_id).first()
    if receipt is None:
        raise NotFound(_("This post has no approved revision yet, so no receipt."))
    return receipt


def publication_report(pk: int) -> PublicationReport:
    return (
        PublicationReport.objects.select_related("post", "reported_by")
        .prefetch_related(Prefetch("findings", DriftFinding.objects.order_by("id")))
        .get(pk=pk)
    )


def drift_findings_visible_to(user: Any) -> QuerySet[DriftFinding]:
    """Findings on posts the user may see, and those from public feeds (no post: the entry was public)."""
    visible = Post.objects.filter(permissions.post_scope_q(user)).values("pk")
    return (
        DriftFinding.objects.filter(Q(post__isnull=True) | Q(post__in=visible))
        .select_related("channel", "channel__platform", "post", "activity")
        .order_by("-created_at", "-id")
    )
