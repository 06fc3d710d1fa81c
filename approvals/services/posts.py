"""Composing posts (drafts, revisions, attachments, findings) and commenting on them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from approvals import attachments as files
from approvals import permissions, selectors
from approvals.choices import RELEASABLE_STATES, PostState
from approvals.models import Attachment, Comment, Post, PostRevision
from approvals.services._common import MAX_LINKS, MAX_TAGS, MENTION, _lock_post, ensure_may_author, post_url
from approvals.services.reviews import _check_submittable, _start_review
from audit import services as audit
from channels_registry.models import Channel
from core.errors import InvalidInput, ensure, ensure_state
from notifications.services import notify
from policies import content

# --- Compose ------------------------------------------------------------------------------


def _clean(
    *, body: str, links: Iterable[str], tags: Iterable[str], scheduled_at: datetime | None
) -> tuple[str, list[str], list[str]]:
    errors: dict[str, list[str]] = {}
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        errors["body"] = [_("Write the text of the post.")]
    clean_links = [str(u).strip() for u in links or [] if str(u).strip()]
    validate = URLValidator(schemes=["http", "https"])
    for url in clean_links:
        try:
            validate(url)
        except ValidationError:
            errors.setdefault("links", []).append(_("Not a web address: %(url)s") % {"url": url})
    if len(clean_links) > MAX_LINKS:
        errors.setdefault("links", []).append(
            ngettext("At most %(count)s link.", "At most %(count)s links.", MAX_LINKS) % {"count": MAX_LINKS}
        )
    clean_tags = sorted({str(t).strip().lstrip("#").lower() for t in tags or [] if str(t).strip()})
    if len(clean_tags) > MAX_TAGS or any(len(t) > 40 for t in clean_tags):
        errors["tags"] = [
            ngettext(
                "At most %(count)s tag of up to 40 characters.",
                "At most %(count)s tags of up to 40 characters.",
                MAX_TAGS,
            )
            % {"count": MAX_TAGS}
        ]
    if scheduled_at is not None:
        if timezone.is_naive(scheduled_at):
            errors["scheduled_at"] = [_("Give the time with its time zone.")]
        elif scheduled_at <= timezone.now():
            errors["scheduled_at"] = [_("The scheduled time must be in the future.")]
    if errors:
        raise InvalidInput(_("The post was not saved."), fields=errors)
    return body, clean_links, clean_tags


def _findings(post: Post, body: str, links: list[str], sponsored: bool) -> list[dict[str, Any]]:
    found = content.check_text(
        text=body,
        department=post.channel.department,
        platform=post.channel.platform,
        sponsored=sponsored,
        links=links,
    )
    return [f.as_dict() for f in found]


def _attach(actor: User, post: Post, revision: PostRevision, uploads: Sequence[Any]) -> list[Attachment]:
    if not uploads:
        return []
    errors = []
    kinds = []
    if post.attachments.count() + len(uploads) > files.MAX_ATTACHMENTS:
        errors.append(
            ngettext("At most %(count)s attachment.", "At most %(count)s attachments.", files.MAX_ATTACHMENTS)
            % {"count": files.MAX_ATTACHMENTS}
        )
    for upload in uploads:
        kind, problem = files.inspect(upload)
        if problem:
            errors.append(problem)
        kinds.append(kind)
    if errors:
        raise InvalidInput(_("The attachments were not accepted."), fields={"attachments": errors})
    made = []
    for upload, kind in zip(uploads, kinds, strict=True):
        name = (getattr(upload, "name", "") or "attachment").rsplit("/", 1)[-1][:200]
        attachment = Attachment(
            post=post, revision=revision, name=name, content_type=kind, size=upload.size, uploaded_by=actor
        )
        attachment.file.save(name, upload, save=False)  # through the storage API
        attachment.save()
        made.append(attachment)
    return made


def _new_revision(
    actor: User, post: Post, *, body: str, links: list[str], tags: list[str], scheduled_at, sponsored: bool
) -> PostRevision:
    number = (post.revisions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    revision = PostRevision.objects.create(
        post=post,
        number=number,
        body=body,
        links=links,
        tags=tags,
        sponsored=sponsored,
        scheduled_at=scheduled_at,
        findings=_findings(post, body, links, sponsored),
        created_by=actor,
    )
    post.body, post.links, post.tags, post.sponsored, post.scheduled_at = body, links, tags, sponsored, scheduled_at
    post.current_revision = revision
    post.save(update_fields=["body", "links", "tags", "sponsored", "scheduled_at", "current_revision", "updated_at"])
    return revision


@transaction.atomic
def post_create(
    *,
    actor: User,
    channel: Channel,
    body: str,
    links: Iterable[str] = (),
    tags: Iterable[str] = (),
    scheduled_at: datetime | None = None,
    sponsored: bool = False,
    attachments: Sequence[Any] = (),
) -> Post:
    """A draft on ``channel``, with its first revision."""
    ensure_may_author(actor, channel)
    body, links, tags = _clean(body=body, links=links, tags=tags, scheduled_at=scheduled_at)
    post = Post.objects.create(channel=channel, author=actor, body=body, links=links, tags=tags)
    revision = _new_revision(
        actor, post, body=body, links=links, tags=tags, scheduled_at=scheduled_at, sponsored=sponsored
    )
    _attach(actor, post, revision, attachments)
    audit.record(actor=actor, action="post.created", target=post, data={"channel": channel.pk, "revision": 1})
    return post


@transaction.atomic
def post_update(
    *,
    actor: User,
    post: Post,
    body: str,
    links: Iterable[str] = (),
    tags: Iterable[str] = (),
    scheduled_at: datetime | None = None,
    sponsored: bool = False,
    attachments: Sequence[Any] = (),
) -> Post:
    """A new revision. Editing an approved or scheduled post sends it back to review from the first stage."""
    post = _lock_post(post)
    ensure(post.author_id == actor.pk and permissions.may_act(actor), _("Only the author edits a post."))
    ensure_state(post, PostState.DRAFT, PostState.CHANGES_REQUESTED, PostState.APPROVED, PostState.SCHEDULED)
    ensure_may_author(actor, post.channel)
    body, links, tags = _clean(body=body, links=links, tags=tags, scheduled_at=scheduled_at)
    was = post.state
    revision = _new_revision(
        actor, post, body=body, links=links, tags=tags, scheduled_at=scheduled_at, sponsored=sponsored
    )
    _attach(actor, post, revision, attachments)
    audit.record(actor=actor, action="post.revised", target=post, data={"revision": revision.number, "state": was})
    if was in RELEASABLE_STATES:
        _check_submittable(post, revision)
        post.released_at = None
        post.approved_at = None
        post.save(update_fields=["released_at", "approved_at"])
        _start_review(actor, post, revision, again=True)
    return post


# --- Comments -------------------------------------------------------------------------------------


def mentioned_users(body: str, post: Post) -> list[User]:
    """People named as @email or @local-part who may see the post."""
    tokens = {m.group(1).rstrip(".").lower() for m in MENTION.finditer(body)}
    if not tokens:
        return []
    emails = {t for t in tokens if "@" in t}
    locals_ = {t for t in tokens if "@" not in t}
    q = Q(email__in=emails)
    for local in locals_:
        q |= Q(email__istartswith=f"{local}@")
    people = User.objects.filter(q, is_active=True)
    return [p for p in people if selectors.posts_visible_to(p).filter(pk=post.pk).exists()]


@transaction.atomic
def comment_add(*, actor: User, post: Post, body: str) -> Comment:
    ensure(permissions.may_act(actor), _("Auditors read; they do not comment."))
    post = selectors.post_for(actor, post.pk)
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("Write a comment."), fields={"body": [_("Write a comment.")]})
    if len(body) > 5000:
        raise InvalidInput(_("Too long."), fields={"body": [_("Keep a comment under 5000 characters.")]})
    comment = Comment.objects.create(post=post, author=actor, body=body)
    audit.record(actor=actor, action="post.commented", target=post, data={"comment": comment.pk})
    mentioned = [u for u in mentioned_users(body, post) if u.pk != actor.pk]
    if mentioned:
        notify(
            event="post.mentioned",
            recipients=mentioned,
            title=format_lazy(
                gettext_lazy("{person} mentioned you on a post on {channel}"),
                person=actor,
                channel=post.channel.display_name,
            ),
            body=body,
            url=post_url(post),
            target=post,
            data={"post": post.pk, "comment": comment.pk},
        )
    return comment
