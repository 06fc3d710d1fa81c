"""Every change to posts, reviews, delegations and lockdowns: one function each, ``<noun>_<verb>``.

Each takes the acting user keyword-only, checks permission, locks and re-reads the
row it changes, refuses a transition the state machine does not allow (409), and
writes the audit event and the notifications in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from accounts.choices import Group, Role
from accounts.models import Department, User
from accounts.permissions import ensure_mfa, is_it_security
from accounts.selectors import department_managers, users_in_group
from approvals import attachments as files
from approvals import permissions, receipts, selectors
from approvals.choices import (
    RELEASABLE_STATES,
    UNAPPROVED_STATES,
    WITHDRAWABLE_STATES,
    DriftKind,
    LockdownScope,
    Outcome,
    PostState,
    ReportOutcome,
    StageMode,
    StageState,
)
from approvals.models import (
    ApprovalReceipt,
    ApprovalRoute,
    Attachment,
    Comment,
    Decision,
    Delegation,
    DriftFinding,
    FeedEntryMatch,
    Lockdown,
    Post,
    PostRevision,
    PublicationReport,
    RouteStage,
    StageReview,
    summary_of,
)
from audit import duties
from audit import services as audit
from audit.hashing import stamp
from channels_registry.choices import ActivityKind, ActivitySource, ChannelRole, ChannelState
from channels_registry.models import Channel, ChannelActivity
from channels_registry.services import activity_record
from core import objects
from core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, ensure, ensure_state
from notifications.services import decided_by, notifications_done, notify
from policies import content, gates
from policies.choices import PlatformKind

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


# --- Submit and the stages ---------------------------------------------------------------------


def _check_submittable(post: Post, revision: PostRevision) -> None:
    errors: dict[str, list[str]] = {}
    limit = post.channel.platform.char_limit
    if limit and len(revision.body) > limit:
        errors["body"] = [
            _("%(length)s characters: %(platform)s allows %(limit)s.")
            % {"length": len(revision.body), "platform": post.channel.platform.name, "limit": limit}
        ]
    if revision.scheduled_at is not None and revision.scheduled_at <= timezone.now():
        errors["scheduled_at"] = [_("The scheduled time has passed: choose a new one.")]
    blocking = [f["message"] for f in revision.findings if f.get("severity") == content.Severity.BLOCK]
    if blocking:
        errors["findings"] = blocking
    if errors:
        raise InvalidInput(_("The post cannot be submitted yet."), fields=errors)
    if post.channel.state != ChannelState.ACTIVE:
        raise Conflict(_("The channel is not active."), code="channel_not_active")


def _route_for(channel: Channel) -> ApprovalRoute:
    """The channel's override, else its department's route, else the company default."""
    return (
        ApprovalRoute.objects.filter(channel=channel).first()
        or ApprovalRoute.objects.filter(department_id=channel.department_id, channel__isnull=True).first()
        or default_route()
    )


def route_followed(channel: Channel) -> ApprovalRoute:
    """The route ``channel``'s posts follow: its own, else its department's, else the company default."""
    return _route_for(channel)


def default_route() -> ApprovalRoute:
    """The company default (made by the data migration; re-made here if someone deleted it)."""
    route = ApprovalRoute.objects.filter(department__isnull=True, channel__isnull=True).first()
    if route is None:
        route = ApprovalRoute.objects.create(name="Company default")
        seed_default_stages(route)
    return route


def seed_default_stages(route: ApprovalRoute) -> None:
    RouteStage.objects.create(route=route, position=1, name="Department review", role=Role.REVIEWER, sla_hours=24)
    RouteStage.objects.create(
        route=route, position=2, name="Brand review", group=Group.COMMUNICATIONS, sla_hours=24, public_only=True
    )


def is_public(channel: Channel) -> bool:
    return channel.platform.kind != PlatformKind.MESSAGING


def _start_review(actor: User, post: Post, revision: PostRevision, *, again: bool = False) -> None:
    """Cancel what is open, make this revision's stages from the route (and content rules), open the first."""
    now = timezone.now()
    if StageReview.objects.filter(post=post, state__in=[StageState.OPEN, StageState.WAITING]).update(
        state=StageState.CANCELLED, closed_at=now
    ):
        notifications_done(key=review_key(post))  # the old revision's requests: the new one asks again
    route = _route_for(post.channel)
    public = is_public(post.channel)
    position = 0
    for stage in route.stages.prefetch_related("users").order_by("position"):
        if stage.public_only and not public:
            continue
        position += 1
        review = StageReview.objects.create(
            post=post,
            revision=revision,
            position=position,
            name=stage.name,
            department_id=post.channel.department_id if stage.role else None,
            role=stage.role,
            group=stage.group,
            mode=stage.mode,
            required=stage.required,
            sla_hours=stage.sla_hours,
            escalate_to=stage.escalate_to,
            distinct_reviewers=route.distinct_reviewers,
        )
        review.users.set(stage.users.all())
    for finding in revision.findings:
        if finding.get("severity") != content.Severity.ROUTE:
            continue
        route_info = finding.get("route") or {}
        department = None
        if route_info.get("department"):
            department = Department.objects.filter(slug=route_info["department"]).first()
        position += 1
        StageReview.objects.create(
            post=post,
            revision=revision,
            position=position,
            name=(route_info.get("label") or "Additional review")[:100],
            department=department,
            role=(route_info.get("role") or Role.REVIEWER) if department else "",
            group=route_info.get("group") or "",
            sla_hours=24,
            distinct_reviewers=route.distinct_reviewers,
        )
    post.state = PostState.IN_REVIEW
    post.submitted_at = now
    post.save(update_fields=["state", "submitted_at", "updated_at"])
    audit.record(
        actor=actor,
        action="post.resubmitted" if again else "post.submitted",
        target=post,
        data={"revision": revision.number, "stages": position},
    )
    if position == 0:
        _finish_approved(actor, post)
        return
    post.deciders = _open_stage(StageReview.objects.get(revision=revision, position=1), now)


def eligible_users(stage: StageReview) -> list[User]:
    """Everyone who may decide ``stage`` in their own name (the author excepted)."""
    q = Q(pk__in=stage.users.values("pk"))
    if stage.group:
        q |= Q(groups__name=stage.group)
    if stage.role and stage.department_id:
        q |= Q(
            memberships__department_id=stage.department_id,
            memberships__role__in=permissions.ROLES_AT_LEAST.get(stage.role, ()),
        )
    return list(User.objects.filter(q, is_active=True).exclude(pk=stage.post.author_id).distinct())


def _with_delegates(people: list[User], now: datetime) -> list[User]:
    ids = [p.pk for p in people]
    delegates = User.objects.filter(
        is_active=True,
        delegations_received__delegator_id__in=ids,
        delegations_received__revoked_at__isnull=True,
        delegations_received__starts_at__lte=now,
        delegations_received__ends_at__gt=now,
    ).distinct()
    return people + [d for d in delegates if d.pk not in ids]


def _still_asked(stage: StageReview, now: datetime) -> set[int]:
    """Who is still asked to decide an open stage: its eligible reviewers whose part is not done (by them or by a
    delegate on their behalf), and those reviewers' delegates, except anyone who has decided it already."""
    decided: set[int] = set()
    covered: set[int] = set()
    for reviewer, principal in stage.decisions.values_list("reviewer_id", "on_behalf_of_id"):
        decided.add(reviewer)
        covered.update(p for p in (reviewer, principal) if p is not None)
    waiting = [u for u in eligible_users(stage) if u.pk not in covered]
    return {u.pk for u in _with_delegates(waiting, now)} - decided


def stage_decision(stage: StageReview) -> duties.Decision:
    """What deciding ``stage`` is, for separation of duties: its post's author is a party, and (when the route asks
    for distinct reviewers) so is everyone who decided another stage of the same revision, in their own name or
    as someone's delegate."""
    others: set[int] = set()
    if stage.distinct_reviewers:
        for reviewer, principal in (
            Decision.objects.filter(stage_review__revision_id=stage.revision_id)
            .exclude(stage_review_id=stage.pk)
            .values_list("reviewer_id", "on_behalf_of_id")
        ):
            others.update(p for p in (reviewer, principal) if p is not None)
    return duties.Decision(
        kind="post_stage", target=stage.post, authored_by=[stage.post.author_id], other_stages=others
    )


def _stage_route(stage: StageReview, decision: duties.Decision) -> duties.Route:
    """Who decides ``stage``: its eligible reviewers who are not parties; when there are none (a one-person
    department, the only brand reviewer already decided the department stage), the next level: the stage's
    escalation contact, the department's managers, then IT security."""
    post = stage.post
    return duties.route(
        decision,
        [
            ("the stage's reviewers", eligible_users(stage)),
            ("the stage's escalation contact", [stage.escalate_to] if stage.escalate_to_id else []),
            ("the department's managers", department_managers(post.channel.department_id).order_by("pk")),
            ("IT security", users_in_group(Group.IT_SECURITY).order_by("pk")),
        ],
    )


# the levels of ``_stage_route`` as a notification names them (the audit trail keeps the level as written above)
LEVELS = {
    "the stage's reviewers": gettext_lazy("the stage's reviewers"),
    "the stage's escalation contact": gettext_lazy("the stage's escalation contact"),
    "the department's managers": gettext_lazy("the department's managers"),
    "IT security": gettext_lazy("IT security"),
}


def _open_stage(stage: StageReview, now: datetime) -> duties.Route:
    """Open ``stage`` and tell who decides it; returns who that is."""
    route = _stage_route(stage, stage_decision(stage))
    people = list(route.people)
    if route.escalated:
        stage.users.add(*people)  # the next level may now decide it
        stage.required = 1
    elif stage.mode == StageMode.ALL:
        stage.required = max(1, len(people))
    elif stage.mode == StageMode.ANY:
        stage.required = 1
    stage.state = StageState.OPEN
    stage.opened_at = now
    stage.due_at = now + timedelta(hours=stage.sla_hours)
    stage.save(update_fields=["state", "opened_at", "due_at", "required"])
    post = stage.post
    if route.escalated:
        audit.record(
            actor=None,
            action="post.stage_escalated",
            target=post,
            data={"stage": stage.name, "to": [p.pk for p in people], "level": route.level, "why": "no_eligible"},
        )
        told = (
            format_lazy(
                gettext_lazy("{people} ({level}) will decide {stage}: no one else may."),
                people=route.names(),
                level=LEVELS.get(route.level, route.level),
                stage=stage.name,
            )
            if people
            else format_lazy(
                gettext_lazy("No one but you may decide {stage}: ask IT security to name a reviewer."), stage=stage.name
            )
        )
        notify(
            event="post.review_escalated",
            recipients=[post.author],
            title=format_lazy(gettext_lazy("Who decides your post on {channel}"), channel=post.channel.display_name),
            body=told,
            url=post_url(post),
            target=post,
            data={"post": post.pk, "stage": stage.name, "deciders": [p.pk for p in people]},
        )
    notify(
        event="post.review_requested",
        recipients=people if route.escalated else _with_delegates(people, now),
        title=format_lazy(
            gettext_lazy("Review: post on {channel} ({stage}) — you decide as {level}"),
            channel=post.channel.display_name,
            stage=stage.name,
            level=LEVELS.get(route.level, route.level),
        )
        if route.escalated
        else format_lazy(
            gettext_lazy("Review: post on {channel} ({stage})"), channel=post.channel.display_name, stage=stage.name
        ),
        body=post.body,
        url=post_url(post),
        target=post,
        data={"post": post.pk, "stage": stage.name, "due_at": stage.due_at, "escalated": route.escalated},
        action_key=review_key(post),
    )
    return route


@transaction.atomic
def post_submit(*, actor: User, post: Post) -> Post:
    post = _lock_post(post)
    ensure(post.author_id == actor.pk and permissions.may_act(actor), _("Only the author submits a post."))
    ensure_state(post, PostState.DRAFT, PostState.CHANGES_REQUESTED)
    ensure_may_author(actor, post.channel)
    revision = post.current_revision
    _check_submittable(post, revision)
    _start_review(actor, post, revision)
    return post


def _finish_approved(actor: User | None, post: Post, decision: Decision | None = None) -> None:
    """The last stage passed (``decision``: the approval that passed it) or the route had none."""
    now = timezone.now()
    post.state = PostState.SCHEDULED if post.scheduled_at else PostState.APPROVED
    post.approved_at = now
    post.save(update_fields=["state", "approved_at", "updated_at"])
    audit.record(actor=actor, action=f"post.{post.state}", target=post, data={"scheduled_at": post.scheduled_at})
    _issue_receipt(post, now)
    when = f"{timezone.localtime(post.scheduled_at):%Y-%m-%d %H:%M}" if post.scheduled_at else ""
    if when and decision:
        title = gettext_lazy("Approved for {when} by {person}: your post on {channel}")
    elif when:
        title = gettext_lazy("Approved for {when}: your post on {channel}")
    elif decision:
        title = gettext_lazy("Approved by {person}: your post on {channel}")
    else:
        title = gettext_lazy("Approved: your post on {channel}")
    notify(
        event="post.approved",
        recipients=[post.author],
        title=format_lazy(
            title,
            when=when,
            person=decision.reviewer.get_full_name() if decision else "",
            channel=post.channel.display_name,
        ),
        body=format_lazy("{decided}\n\n{body}", decided=decided_by(decision.reviewer, decision.comment), body=post.body)
        if decision
        else post.body,
        url=post_url(post),
        target=post,
        data={
            "post": post.pk,
            "state": post.state,
            **(_decision_data(decision) if decision else {}),
        },
    )


def _decision_data(decision: Decision) -> dict[str, Any]:
    return {
        "stage": decision.stage_review.name,
        "decided_by": decision.reviewer_id,
        "on_behalf_of": decision.on_behalf_of_id,
        "comment": decision.comment,
    }


@duties.refusals_recorded
@transaction.atomic
def stage_decide(*, actor: User, stage_review: StageReview, outcome: str, comment: str = "") -> Decision:
    """One reviewer's decision. The post row, then the stage row, are locked: racing deciders queue, and
    only as many approvals as the stage's mode needs are taken; the rest get 409.

    Separation of duties (``audit.duties``): no one decides on their own post, not even a superuser, and where
    the route asks for distinct reviewers no one decides two stages of the same revision. A refused attempt is
    audited (``refusals_recorded``: after this transaction rolled back) for the auditors' anomalies.
    """
    post = _lock_post(stage_review.post_id)
    stage = StageReview.objects.select_for_update(of=("self",)).get(pk=stage_review.pk)
    stage.post = post
    decision = stage_decision(stage)
    duties.ensure_may_decide(actor, decision)
    ensure_mfa(actor)
    blockers = gates.review_blockers(user=actor)
    if blockers:
        raise _blocked(blockers, _("You may not review posts yet."))
    principal = permissions.eligible_principal(actor, stage)
    ensure(principal is not None, _("You are not a reviewer of this stage."))
    if principal != actor.pk:
        duties.ensure_may_decide(actor, decision, on_behalf_of=principal)
    comment = (comment or "").strip()
    if outcome not in Outcome.values:
        raise InvalidInput(
            _("Choose a decision."),
            fields={"outcome": [_("One of %(values)s.") % {"values": ", ".join(Outcome.values)}]},
        )
    if outcome != Outcome.APPROVE and not comment:
        raise InvalidInput(
            _("Say why."), fields={"comment": [_("A comment is required to request changes or reject.")]}
        )
    ensure_state(post, PostState.IN_REVIEW)
    ensure_state(stage, StageState.OPEN)
    if stage.revision_id != post.current_revision_id:
        raise Conflict(_("This review is for an older revision."), code="stale_revision")
    on_behalf = principal if principal != actor.pk else None
    taken = stage.decisions.filter(Q(reviewer=actor) | Q(reviewer_id=principal) | Q(on_behalf_of_id=principal))
    if taken.exists():
        raise Conflict(_("A decision for this reviewer is already recorded."), code="already_decided")
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                stage_review=stage, reviewer=actor, on_behalf_of_id=on_behalf, outcome=outcome, comment=comment
            )
    except IntegrityError:
        raise Conflict(_("A decision for this reviewer is already recorded."), code="already_decided") from None
    now = timezone.now()
    audit.record(
        actor=actor,
        action="post.stage_decided",
        target=post,
        data={"stage": stage.name, "position": stage.position, "outcome": outcome, "on_behalf_of": on_behalf},
    )
    where = post.channel.display_name
    if outcome == Outcome.APPROVE:
        stage.approvals += 1
        if stage.approvals < stage.required:
            stage.save(update_fields=["approvals"])
            # their part is done, and so is that of their delegates who decide for nobody still to decide
            notifications_done(key=review_key(post), keep=_still_asked(stage, now))
            _tell_author_of_approval(
                post,
                decision,
                format_lazy(
                    gettext_lazy("{person} approved {stage} of your post on {channel} ({approvals} of {required})"),
                    person=actor.get_full_name(),
                    stage=stage.name,
                    channel=where,
                    approvals=stage.approvals,
                    required=stage.required,
                ),
                format_lazy(
                    ngettext_lazy(
                        "{count} more approval(s) needed for {stage}.",
                        "{count} more approval(s) needed for {stage}.",
                        stage.required - stage.approvals,
                    ),
                    count=stage.required - stage.approvals,
                    stage=stage.name,
                ),
            )
            return decision
        stage.state, stage.closed_at = StageState.APPROVED, now
        stage.save(update_fields=["approvals", "state", "closed_at"])
        notifications_done(key=review_key(post))  # the stage is decided: nobody's request for it waits
        following = (
            StageReview.objects.filter(revision_id=stage.revision_id, state=StageState.WAITING)
            .order_by("position")
            .first()
        )
        if following is not None:
            following.post = post
            _tell_author_of_approval(
                post,
                decision,
                format_lazy(
                    gettext_lazy("{stage} passed: {person} approved your post on {channel}"),
                    stage=stage.name,
                    person=actor.get_full_name(),
                    channel=where,
                ),
                format_lazy(gettext_lazy("Next: {stage}."), stage=following.name),
            )
            _open_stage(following, now)
        else:
            _finish_approved(actor, post, decision)
        return decision

    stage.state = StageState.CHANGES_REQUESTED if outcome == Outcome.REQUEST_CHANGES else StageState.REJECTED
    stage.closed_at = now
    stage.save(update_fields=["state", "closed_at"])
    StageReview.objects.filter(post=post, state__in=[StageState.OPEN, StageState.WAITING]).update(
        state=StageState.CANCELLED, closed_at=now
    )
    notifications_done(key=review_key(post))
    if outcome == Outcome.REQUEST_CHANGES:
        post.state = PostState.CHANGES_REQUESTED
        post.save(update_fields=["state", "updated_at"])
        title = format_lazy(
            gettext_lazy("Changes requested by {person} on your post on {channel}"),
            person=actor.get_full_name(),
            channel=where,
        )
    else:
        post.state, post.closed_at = PostState.REJECTED, now
        post.save(update_fields=["state", "closed_at", "updated_at"])
        title = format_lazy(
            gettext_lazy("Rejected by {person}: your post on {channel}"), person=actor.get_full_name(), channel=where
        )
    notify(
        event=f"post.{post.state}",
        recipients=[post.author],
        title=title,
        body=format_lazy("{decided}\n({stage})", decided=decided_by(actor, comment), stage=stage.name),
        url=post_url(post),
        target=post,
        data={"post": post.pk, **_decision_data(decision)},
    )
    return decision


BULK_OUTCOMES = (Outcome.APPROVE, Outcome.REQUEST_CHANGES)
BULK_LIMIT = 50  # two pages of the queue


@dataclass(frozen=True)
class BulkResult:
    """What one row of a bulk decision came to: its decision, or the refusal with the status the API gives it."""

    stage_id: int
    post_id: int | None = None
    summary: str = ""
    decision: Decision | None = None
    status: int = 200
    code: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.decision is not None


def stages_decide(*, actor: User, stage_ids: Sequence[int], outcome: str, comment: str = "") -> list[BulkResult]:
    """One outcome and one comment for several stages of the queue, each decided by ``stage_decide`` on its own:
    its own separation-of-duties, gate and state checks and its own transaction, so one refusal takes back no
    other row. Rejecting ends a post for good and is not offered in bulk."""
    ensure(permissions.may_act(actor), _("You may not decide posts."))  # read-only roles: refused as a whole
    ids = list(dict.fromkeys(stage_ids))
    comment = (comment or "").strip()
    if not ids:
        raise InvalidInput(_("Select the posts to decide."), fields={"stages": [_("Select at least one post.")]})
    if len(ids) > BULK_LIMIT:
        raise InvalidInput(
            _("Decide at most %(count)s posts at once.") % {"count": BULK_LIMIT},
            fields={"stages": [_("At most %(count)s.") % {"count": BULK_LIMIT}]},
        )
    if outcome not in BULK_OUTCOMES:
        raise InvalidInput(_("Choose a decision."), fields={"outcome": [_("Approve or ask for changes.")]})
    if outcome == Outcome.REQUEST_CHANGES and not comment:
        raise InvalidInput(_("Say why."), fields={"comment": [_("A comment is required to ask for changes.")]})
    results = []
    for stage_id in ids:
        try:
            stage = selectors.stage_for(actor, stage_id)
        except NotFound as exc:
            results.append(BulkResult(stage_id=stage_id, status=exc.status, code=exc.code, message=exc.message))
            continue
        try:
            decision = stage_decide(actor=actor, stage_review=stage, outcome=outcome, comment=comment)
        except DomainError as exc:
            results.append(
                BulkResult(
                    stage_id=stage_id,
                    post_id=stage.post_id,
                    summary=summary_of(stage.post.body),
                    status=exc.status,
                    code=exc.code,
                    message=exc.message,
                )
            )
        else:
            results.append(
                BulkResult(
                    stage_id=stage_id, post_id=stage.post_id, summary=summary_of(stage.post.body), decision=decision
                )
            )
    return results


def _tell_author_of_approval(post: Post, decision: Decision, title: str, next_step: str) -> None:
    """A stage's approval that does not finish the post: its author hears who approved, what they said, and what
    comes next."""
    notify(
        event="post.stage_approved",
        recipients=[post.author],
        title=title,
        body=format_lazy("{decided}\n{next}", decided=decided_by(decision.reviewer, decision.comment), next=next_step),
        url=post_url(post),
        target=post,
        data={"post": post.pk, **_decision_data(decision)},
    )


@transaction.atomic
def post_withdraw(*, actor: User, post: Post, reason: str = "") -> Post:
    post = _lock_post(post)
    ensure(post.author_id == actor.pk and permissions.may_act(actor), _("Only the author withdraws a post."))
    ensure_state(post, *WITHDRAWABLE_STATES)
    now = timezone.now()
    if StageReview.objects.filter(post=post, state__in=[StageState.OPEN, StageState.WAITING]).update(
        state=StageState.CANCELLED, closed_at=now
    ):
        notifications_done(key=review_key(post))  # nothing left to review
    post.state, post.closed_at = PostState.WITHDRAWN, now
    post.save(update_fields=["state", "closed_at", "updated_at"])
    audit.record(actor=actor, action="post.withdrawn", target=post, data={"reason": (reason or "").strip()})
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


# --- Delegation -----------------------------------------------------------------------------------


@duties.refusals_recorded
@transaction.atomic
def delegation_create(
    *,
    actor: User,
    delegate: User,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
    delegator: User | None = None,
) -> Delegation:
    """Hand ``delegator``'s (by default the actor's) eligibility to ``delegate`` for a period."""
    delegator = delegator or actor
    ensure(permissions.may_act(actor), _("Auditors read; they do not delegate."))
    ensure(delegator.pk == actor.pk or is_it_security(actor), _("You hand over only your own reviews."))
    if delegator.pk != actor.pk:  # IT hands someone's reviews over: never to itself
        duties.ensure_may_decide(actor, duties.Decision(kind="grant", target=delegator, subjects=[delegate]))
    errors: dict[str, list[str]] = {}
    if delegate.pk == delegator.pk:
        errors["delegate"] = [_("Choose a colleague, not yourself.")]
    elif not delegate.is_active:
        errors["delegate"] = [_("That person has left.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The end comes after the start.")]
    elif ends_at <= timezone.now():
        errors["ends_at"] = [_("The period has already ended.")]
    if errors:
        raise InvalidInput(_("The delegation was not saved."), fields=errors)
    delegation = Delegation.objects.create(
        delegator=delegator, delegate=delegate, starts_at=starts_at, ends_at=ends_at, reason=(reason or "").strip()
    )
    objects.bump_person(delegate.pk)  # whose eligibility they hold
    audit.record(
        actor=actor,
        action="delegation.created",
        target=delegation,
        target_label=str(delegation),
        data={"delegator": delegator.pk, "delegate": delegate.pk, "starts_at": starts_at, "ends_at": ends_at},
    )
    notify(
        event="delegation.created",
        recipients=[delegate],
        title=format_lazy(
            gettext_lazy("{person} hands you their reviews until {until}"),
            person=delegator,
            until=f"{timezone.localtime(ends_at):%Y-%m-%d %H:%M}",
        ),
        body=delegation.reason,
        url=reverse("approvals:delegations"),
        target=delegation,
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, actor: User, delegation: Delegation) -> Delegation:
    delegation = Delegation.objects.select_for_update(of=("self",)).get(pk=delegation.pk)
    ensure(
        permissions.may_act(actor) and (delegation.delegator_id == actor.pk or is_it_security(actor)),
        _("Only the person who delegated ends it."),
    )
    if delegation.revoked_at is not None:
        raise Conflict(_("This delegation has already ended."), code="invalid_state")
    delegation.revoked_at = timezone.now()
    delegation.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="delegation.revoked", target=delegation, target_label=str(delegation))
    objects.bump_person(delegation.delegate_id)  # whose eligibility they hold
    return delegation


# --- Release, expiry, publication ------------------------------------------------------------------


# A lockdown and a release never interleave: starting a lockdown takes this PostgreSQL advisory
# lock exclusively, each release shares it while it reads the lockdowns in force. So once
# lockdown_start has committed, no release that did not see it can still commit.
LOCKDOWN_BARRIER = 0x53474C4B


def _lockdown_barrier(*, exclusive: bool) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite runs one write transaction at a time already
    sql = "SELECT pg_advisory_xact_lock(%s)" if exclusive else "SELECT pg_advisory_xact_lock_shared(%s)"
    with connection.cursor() as cursor:
        cursor.execute(sql, [LOCKDOWN_BARRIER])


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


# --- Receipts, publication reports and drift -----------------------------------------------------------------

MAX_PUBLISHED_TEXT = 20_000


def _issue_receipt(post: Post, now: datetime) -> ApprovalReceipt:
    """Sign what the approved revision says (in the approving transaction): see approvals.receipts."""
    revision = post.current_revision
    attachments = [receipts.file_sha256(a.file) for a in post.attachments.order_by("id")]
    digest = receipts.content_hash(
        channel_id=post.channel_id, text=revision.body, links=revision.links, attachments=attachments
    )
    payload, signature = receipts.sign(
        {
            "post": post.pk,
            "revision": revision.number,
            "channel": post.channel_id,
            "approved_at": stamp(now),
            "content_hash": digest,
        }
    )
    receipt = ApprovalReceipt.objects.create(
        post=post,
        revision=revision,
        channel_id=post.channel_id,
        content_hash=digest,
        payload=payload,
        algorithm=payload["alg"],
        key_id=payload["key"],
        signature=signature,
    )
    audit.record(
        actor=None,
        action="post.receipt_issued",
        target=post,
        data={"receipt": receipt.pk, "revision": revision.number, "content_hash": digest, "key_id": receipt.key_id},
    )
    return receipt


def receipt_token(receipt: ApprovalReceipt) -> str:
    return receipts.token(receipt.payload, receipt.signature)


def _lockdown_at(post: Post, when: datetime) -> Lockdown | None:
    """A lockdown that held the post's channel at ``when`` (started before, not yet ended)."""
    held = (
        Lockdown.objects.filter(started_at__lte=when)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=when))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=when))
        .select_related("department", "channel")
    )
    return selectors.lockdown_on(post.channel_id, post.channel.department_id, list(held))


def _clean_report(
    *, post: Post, text: str, url: str, links: Iterable[str] | None, published_at: datetime | None, channel: Any
) -> tuple[str, list[str], datetime, Channel]:
    now = timezone.now()
    published_at = published_at or now
    text = (text or "").replace("\r\n", "\n").strip()
    errors: dict[str, list[str]] = {}
    validate = URLValidator(schemes=["http", "https"])
    if url:
        try:
            validate(url)
        except ValidationError:
            errors["url"] = [_("Not a web address.")]
    clean_links = [str(u).strip() for u in links or [] if str(u).strip()]
    for link in clean_links:
        try:
            validate(link)
        except ValidationError:
            errors.setdefault("links", []).append(_("Not a web address: %(url)s") % {"url": link})
    if len(clean_links) > MAX_LINKS:
        errors.setdefault("links", []).append(
            ngettext("At most %(count)s link.", "At most %(count)s links.", MAX_LINKS) % {"count": MAX_LINKS}
        )
    if len(text) > MAX_PUBLISHED_TEXT:
        errors["text"] = [_("At most %(count)s characters.") % {"count": MAX_PUBLISHED_TEXT}]
    if timezone.is_naive(published_at):
        errors["published_at"] = [_("Give the time with its time zone.")]
    elif published_at > now + timedelta(minutes=5):
        errors["published_at"] = [_("Publication cannot be in the future.")]
    if channel is None:
        channel = post.channel
    elif not isinstance(channel, Channel):
        channel = Channel.objects.filter(pk=channel).first() if str(channel).isdigit() else None
        if channel is None:
            errors["channel"] = [_("No such channel.")]
    if errors:
        raise InvalidInput(_("The publication was not recorded."), fields=errors)
    return text, clean_links, published_at, channel


Found = tuple[str, str, dict[str, Any]]  # kind, what a person reads, what was approved and what was found


def _check_receipt(post: Post, token: str) -> tuple[ApprovalReceipt | None, list[Found]]:
    try:
        verified = receipts.verify(token)
    except receipts.ReceiptInvalid as exc:
        return None, [(DriftKind.RECEIPT_INVALID, str(exc), {})]
    payload = verified.payload
    receipt = ApprovalReceipt.objects.filter(post=post, signature=verified.signature).select_related("revision").first()
    if receipt is None or receipt.payload != payload:
        detail = f"This receipt is for post {payload.get('post')}, not post {post.pk}."
        if payload.get("post") == post.pk:
            detail = "This receipt was not issued for any approved revision of this post."
        return None, [(DriftKind.RECEIPT_INVALID, detail, {"receipt_post": payload.get("post")})]
    return receipt, []


def _compare(post: Post, approved: ApprovalReceipt, text: str, links: list[str]) -> list[Found]:
    """What differs between the approved revision and what was published (when the report says)."""
    found: list[Found] = []
    revision = approved.revision
    if text and receipts.normalise_text(text) != receipts.normalise_text(revision.body):
        found.append(
            (
                DriftKind.TEXT_CHANGED,
                f"The published text differs from approved revision {revision.number}.",
                {"approved": revision.body, "published": text, "revision": revision.number},
            )
        )
    if text or links:
        approved_links = receipts.normalise_links([*revision.links, *receipts.links_in(revision.body)])
        published_links = receipts.normalise_links([*links, *receipts.links_in(text)])
        if approved_links != published_links:
            found.append(
                (
                    DriftKind.LINKS_CHANGED,
                    "The published links differ from the approved ones.",
                    {"approved": approved_links, "published": published_links, "revision": revision.number},
                )
            )
    return found


def _drift_audience(channel: Channel, author: User | None) -> list[User]:
    owners = [
        m.user for m in channel.memberships.filter(ended_at__isnull=True, role=ChannelRole.OWNER).select_related("user")
    ]
    return [*([author] if author else []), *owners, *users_in_group(Group.COMMUNICATIONS)]


def _raise_findings(
    actor: User | None,
    channel: Channel,
    found: list[Found],
    *,
    post: Post | None = None,
    report: PublicationReport | None = None,
    activity: Any = None,
) -> list[DriftFinding]:
    """One finding per kind found, each audited; the author, the channel's owners and communications told."""
    made = []
    for kind, detail, data in found:
        finding = DriftFinding.objects.create(
            kind=kind, channel=channel, post=post, report=report, activity=activity, detail=detail, data=data
        )
        audit.record(
            actor=actor,
            action="post.drift_found" if post else "channel.drift_found",
            target=post or channel,
            data={"finding": finding.pk, "kind": kind, "report": report.pk if report else None},
        )
        made.append(finding)
    if made:
        labels = [DriftKind(f.kind).label for f in made]
        notify(
            event="post.drift",
            recipients=_drift_audience(channel, post.author if post else None),
            title=format_lazy(
                gettext_lazy("Out of policy on {channel}: {kinds}"),
                channel=channel.display_name,
                kinds=_later(lambda: ", ".join(str(label).lower() for label in labels)),
            ),
            body="\n".join(f.detail for f in made),
            url=post_url(post) if post else reverse("approvals:drift_list"),
            target=post or channel,
            data={"channel": channel.pk, "post": post.pk if post else None, "kinds": [f.kind for f in made]},
        )
    return made


@transaction.atomic
def publication_report(
    *,
    actor: User,
    post: Post,
    text: str = "",
    url: str = "",
    links: Iterable[str] | None = None,
    published_at: datetime | None = None,
    receipt: str = "",
    channel: Any = None,
    source: str = ActivitySource.PAGE,
) -> PublicationReport:
    """An integration (or a publisher on the page) says what went out: text, network URL, time, receipt.

    The report is kept and compared with the approved revision; every difference is a drift finding
    (text or links changed, before approval, during a lockdown, no receipt). A report naming another channel,
    or carrying a receipt that does not verify, is kept with its finding but refused (``outcome`` refused:
    ``publication_refusal`` says why); otherwise an approved post becomes published and the channel records
    the activity. A post published already answers 409.
    """
    post = _lock_post(post)
    ensure(permissions.can_publish(actor, post.channel), _("Only the channel's publishers report publication."))
    if post.state == PostState.PUBLISHED:
        raise Conflict(_("This post is published already."), code="invalid_state")
    text, links, published_at, channel = _clean_report(
        post=post, text=text, url=url, links=links, published_at=published_at, channel=channel
    )
    found: list[Found] = []
    given = None
    if receipt:
        given, found = _check_receipt(post, receipt)
    if channel.pk != post.channel_id:
        found.append(
            (
                DriftKind.OTHER_CHANNEL,
                f"Reported on {channel.display_name}; the post was approved for {post.channel.display_name}.",
                {"approved_channel": post.channel_id, "reported_channel": channel.pk},
            )
        )
    refused = bool(found)
    approved = post.receipts.select_related("revision").filter(revision_id=post.current_revision_id).first()
    if not refused:
        if post.state not in RELEASABLE_STATES or approved is None:
            found.append(
                (
                    DriftKind.BEFORE_APPROVAL,
                    _in_code_language(lambda: f"Published while the post was {post.get_state_display().lower()}."),
                    {"state": post.state},
                )
            )
        else:
            if post.approved_at and published_at < post.approved_at:
                found.append(
                    (
                        DriftKind.BEFORE_APPROVAL,
                        "Published before the post was approved.",
                        {"approved_at": stamp(post.approved_at), "published_at": stamp(published_at)},
                    )
                )
            found += _compare(post, approved, text, links)
        lockdown = _lockdown_at(post, published_at)
        if lockdown is not None:
            found.append(
                (
                    DriftKind.DURING_LOCKDOWN,
                    _in_code_language(
                        lambda: f"Published during the lockdown of {lockdown.scope_label}: {lockdown.reason}"
                    ),
                    {"lockdown": lockdown.pk},
                )
            )
        if not receipt:
            found.append((DriftKind.NO_RECEIPT, "The report carried no receipt.", {}))
    report = PublicationReport.objects.create(
        post=post,
        channel=channel,
        reported_by=actor,
        source=ActivitySource.API if source == ActivitySource.API else ActivitySource.PAGE,
        text=text,
        url=url,
        links=links,
        published_at=published_at,
        receipt_token=receipt,
        receipt=given,
        outcome=ReportOutcome.REFUSED if refused else ReportOutcome.RECORDED,
    )
    published = not refused and post.state in RELEASABLE_STATES
    audit.record(
        actor=actor,
        action="post.published" if published else f"post.publication_{report.outcome}",
        target=post,
        data={"report": report.pk, "url": url, "published_at": published_at, "kinds": [f[0] for f in found]},
    )
    report.drift = _raise_findings(actor, channel, found, post=post, report=report)
    if refused:
        return report
    if published:
        post.state = PostState.PUBLISHED
        post.published_at = published_at
        post.published_url = url
        post.released_at = post.released_at or timezone.now()
        post.save(update_fields=["state", "published_at", "published_url", "released_at", "updated_at"])
    if post.channel.state in (ChannelState.ACTIVE, ChannelState.DORMANT, ChannelState.SUSPENDED):
        activity_record(
            actor=None,
            channel=post.channel,
            kind=ActivityKind.POST,
            source=ActivitySource.PUBLISHING if source != ActivitySource.PAGE else ActivitySource.PAGE,
            occurred_at=published_at,
            note=f"Post {post.pk} {url}".strip()[:500],
        )
    if published:
        notifications_done(key=publish_key(post))  # the publishers' "due now"
        notify(
            event="post.published",
            recipients=[post.author],
            title=format_lazy(gettext_lazy("Published on {channel}"), channel=post.channel.display_name),
            body=url,
            url=post_url(post),
            target=post,
            data={"post": post.pk, "url": url, "published_at": published_at},
        )
    return report


def _approved_texts(channel_id: int) -> list[tuple[int, str]]:
    rows = ApprovalReceipt.objects.filter(channel_id=channel_id).values_list("post_id", "revision__body")
    return [(post_id, receipts.normalise_text(body)) for post_id, body in rows]


def _matching_post(activity: ChannelActivity, texts: list[tuple[int, str]]) -> int | None:
    if activity.url:
        by_url = (
            Post.objects.filter(channel_id=activity.channel_id, published_url=activity.url).values_list("pk", flat=True)
        ).first() or (
            PublicationReport.objects.filter(
                channel_id=activity.channel_id, url=activity.url, outcome=ReportOutcome.RECORDED
            ).values_list("post_id", flat=True)
        ).first()
        if by_url:
            return by_url
    found = receipts.normalise_text(activity.content)
    for post_id, approved in texts:
        if approved and found and (approved in found or (len(found) >= 20 and found in approved)):
            return post_id
    return None


def feed_entries_check(*, batch: int = 500) -> dict[str, int]:
    """Hold what the channels' feeds showed to approval: each entry read since the feed was named, on a
    channel that requires approval, must match an approved post (its published URL, or its approved text
    within the entry's); one that does not is a "published without approval" finding. Each entry once,
    in its own short transaction; safe to run twice."""
    counts = {choice: 0 for choice in FeedEntryMatch.Outcome.values}
    rows = list(
        ChannelActivity.objects.filter(source=ActivitySource.FEED, feed_match__isnull=True)
        .select_related("channel", "channel__feed")
        .order_by("pk")[:batch]
    )
    texts: dict[int, list[tuple[int, str]]] = {}
    for activity in rows:
        with transaction.atomic():
            if FeedEntryMatch.objects.filter(activity=activity).exists():
                continue  # checked meanwhile
            feed = getattr(activity.channel, "feed", None)
            post_id = None
            if feed is None or not feed.requires_approval or activity.occurred_at < feed.created_at:
                outcome = FeedEntryMatch.Outcome.NOT_HELD
            else:
                if activity.channel_id not in texts:
                    texts[activity.channel_id] = _approved_texts(activity.channel_id)
                post_id = _matching_post(activity, texts[activity.channel_id])
                outcome = FeedEntryMatch.Outcome.MATCHED if post_id else FeedEntryMatch.Outcome.UNMATCHED
            FeedEntryMatch.objects.create(activity=activity, outcome=outcome, post_id=post_id)
            audit.record(
                actor=None,
                action="channel.feed_entry_checked",
                target=activity.channel,
                data={"activity": activity.pk, "outcome": outcome, "post": post_id},
            )
            if outcome == FeedEntryMatch.Outcome.UNMATCHED:
                title = activity.note or activity.url or activity.external_id
                _raise_findings(
                    None,
                    activity.channel,
                    [
                        (
                            DriftKind.UNAPPROVED_ENTRY,
                            f"“{title}” appeared in the channel's feed and matches no approved post.",
                            {"entry": activity.external_id, "url": activity.url},
                        )
                    ],
                    activity=activity,
                )
            counts[outcome] += 1
    return counts


def publication_refusal(report: PublicationReport) -> DomainError | None:
    """Why a report was refused, as the error its caller answers with (after the report and finding are kept)."""
    if report.outcome != ReportOutcome.REFUSED:
        return None
    findings = list(report.findings.all())
    for finding in findings:
        if finding.kind == DriftKind.RECEIPT_INVALID:
            return InvalidInput(
                _("The receipt does not verify; the report is kept as a finding."), fields={"receipt": [finding.detail]}
            )
    detail = " ".join(f.detail for f in findings)
    return Conflict(
        _("This post was not approved for that channel; the report is kept as a finding. %(detail)s")
        % {"detail": detail},
        code="other_channel",
    )


# --- SLA -----------------------------------------------------------------------------------------------


def _remind_before(stage: StageReview) -> timedelta:
    return min(timedelta(hours=4), timedelta(hours=stage.sla_hours) / 4)


def review_sla(*, now: datetime | None = None, batch: int = 200) -> dict[str, int]:
    """Remind reviewers before a stage's SLA runs out; escalate overdue stages. Idempotent."""
    now = now or timezone.now()
    counts = {"reminded": 0, "escalated": 0}
    open_stages = StageReview.objects.filter(state=StageState.OPEN, post__state=PostState.IN_REVIEW)
    for pk in open_stages.filter(escalated_at__isnull=True, due_at__lte=now).values_list("pk", flat=True)[:batch]:
        counts["escalated"] += _escalate_one(pk, now)
    soon = open_stages.filter(reminded_at__isnull=True, due_at__gt=now, due_at__lte=now + timedelta(hours=4))
    for pk in soon.values_list("pk", flat=True)[:batch]:
        counts["reminded"] += _remind_one(pk, now)
    return counts


def _remind_one(pk: int, now: datetime) -> int:
    with transaction.atomic():
        stage = StageReview.objects.select_for_update(of=("self",)).select_related("post", "post__channel").get(pk=pk)
        if stage.state != StageState.OPEN or stage.reminded_at or stage.due_at - now > _remind_before(stage):
            return 0
        stage.reminded_at = now
        stage.save(update_fields=["reminded_at"])
        asked = _still_asked(stage, now)  # not who decided, nor the delegates of those whose part is done
        people = list(User.objects.filter(pk__in=sorted(asked)).order_by("pk"))
        post = stage.post
        notify(
            event="post.review_reminder",
            recipients=people,
            title=format_lazy(
                gettext_lazy("Due by {time}: review of a post on {channel}"),
                time=f"{timezone.localtime(stage.due_at):%H:%M}",
                channel=post.channel.display_name,
            ),
            body=post.body,
            url=post_url(post),
            target=post,
            data={"post": post.pk, "stage": stage.name, "due_at": stage.due_at},
            action_key=review_key(post),
        )
        return 1


def _escalate_one(pk: int, now: datetime) -> int:
    with transaction.atomic():
        stage = StageReview.objects.select_for_update(of=("self",)).select_related("post", "post__channel").get(pk=pk)
        if stage.state != StageState.OPEN or stage.escalated_at or stage.due_at > now:
            return 0
        post = stage.post
        decision = stage_decision(stage)  # the author, and who decided another stage of it, are not asked
        targets = [stage.escalate_to] if stage.escalate_to_id else list(department_managers(post.channel.department_id))
        targets = [t for t in targets if t is not None and decision.may_decide(t)]
        if not targets:
            targets = [u for u in users_in_group(Group.COMMUNICATIONS) if decision.may_decide(u)]
        stage.escalated_at = now
        stage.save(update_fields=["escalated_at"])
        stage.users.add(*targets)  # the escalation target may now decide
        audit.record(
            actor=None,
            action="post.stage_escalated",
            target=post,
            data={"stage": stage.name, "to": [t.pk for t in targets], "due_at": stage.due_at},
        )
        notify(
            event="post.review_escalated",
            recipients=targets,
            title=format_lazy(
                gettext_lazy("Overdue: {stage} of a post on {channel}"),
                stage=stage.name,
                channel=post.channel.display_name,
            ),
            body=post.body,
            url=post_url(post),
            target=post,
            data={"post": post.pk, "stage": stage.name, "due_at": stage.due_at},
            action_key=review_key(post),
        )
        return 1


# --- Lockdown ------------------------------------------------------------------------------------------


def _lockdown_audience() -> list[User]:
    return list(
        User.objects.filter(is_active=True, groups__name__in=[Group.COMMUNICATIONS, Group.IT_SECURITY]).distinct()
    )


@transaction.atomic
def lockdown_start(
    *,
    actor: User,
    reason: str,
    scope: str = LockdownScope.ALL,
    department: Department | None = None,
    channel: Channel | None = None,
    ends_at: datetime | None = None,
) -> Lockdown:
    ensure(permissions.can_lockdown(actor), _("Only communications reviewers and IT security start a lockdown."))
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why publishing is paused.")]
    if scope not in LockdownScope.values:
        errors["scope"] = [_("One of %(values)s.") % {"values": ", ".join(LockdownScope.values)}]
    if scope == LockdownScope.DEPARTMENT and department is None:
        errors["department"] = [_("Choose the department.")]
    if scope == LockdownScope.CHANNEL and channel is None:
        errors["channel"] = [_("Choose the channel.")]
    if ends_at is not None and (timezone.is_naive(ends_at) or ends_at <= timezone.now()):
        errors["ends_at"] = [_("The automatic end must be a time in the future, with its time zone.")]
    if errors:
        raise InvalidInput(_("The lockdown was not started."), fields=errors)
    _lockdown_barrier(exclusive=True)  # waits for releases in flight; later ones see this lockdown
    lockdown = Lockdown.objects.create(
        scope=scope,
        department=department if scope == LockdownScope.DEPARTMENT else None,
        channel=channel if scope == LockdownScope.CHANNEL else None,
        reason=reason,
        started_by=actor,
        started_at=timezone.now(),
        ends_at=ends_at,
    )
    transaction.on_commit(selectors.forget_banner)
    audit.record(
        actor=actor,
        action="lockdown.started",
        target=lockdown,
        target_label=str(lockdown),
        data={"scope": scope, "reason": reason, "ends_at": ends_at},
    )
    notify(
        event="lockdown.started",
        recipients=_lockdown_audience(),
        title=format_lazy(gettext_lazy("Publishing paused: {scope}"), scope=_later(lambda: lockdown.scope_label)),
        body=reason,
        url=reverse("approvals:lockdowns"),
        target=lockdown,
        data={"scope": scope, "reason": reason, "ends_at": ends_at},
    )
    return lockdown


@transaction.atomic
def lockdown_end(*, actor: User | None, lockdown: Lockdown, now: datetime | None = None) -> Lockdown:
    """End a lockdown by hand (``actor``) or automatically (None, at its end time); release resumes."""
    lockdown = Lockdown.objects.select_for_update(of=("self",)).get(pk=lockdown.pk)
    if actor is not None:
        ensure(permissions.can_lockdown(actor), _("Only communications reviewers and IT security end a lockdown."))
    if lockdown.ended_at is not None:
        raise Conflict(_("This lockdown has already ended."), code="invalid_state")
    lockdown.ended_at = now or timezone.now()
    lockdown.ended_by = actor
    lockdown.save(update_fields=["ended_at", "ended_by"])
    transaction.on_commit(selectors.forget_banner)
    audit.record(
        actor=actor,
        action="lockdown.ended",
        target=lockdown,
        target_label=str(lockdown),
        data={"automatic": actor is None},
    )
    notify(
        event="lockdown.ended",
        recipients=_lockdown_audience(),
        title=format_lazy(gettext_lazy("Publishing resumed: {scope}"), scope=_later(lambda: lockdown.scope_label)),
        body=lockdown.reason,
        url=reverse("approvals:lockdowns"),
        target=lockdown,
        data={"automatic": actor is None},
    )
    return lockdown


# --- Routes -----------------------------------------------------------------------------------------------


@transaction.atomic
def route_stage_add(
    *,
    actor: User,
    department: Department,
    name: str,
    role: str = "",
    group: str = "",
    users: Sequence[User] = (),
    mode: str = StageMode.ANY,
    required: int = 1,
    sla_hours: int = 24,
    escalate_to: User | None = None,
    public_only: bool = False,
) -> RouteStage:
    """Add a stage at the end of the department's route (made from the company default the first time)."""
    ensure(permissions.can_manage_routes(actor, department.pk), _("Only the department's managers change its route."))
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("Name the stage.")]
    if not (role or group or users):
        errors["role"] = [_("Say who reviews: a department role, a group or named people.")]
    if mode not in StageMode.values:
        errors["mode"] = [_("One of %(values)s.") % {"values": ", ".join(StageMode.values)}]
    if required < 1 or sla_hours < 1:
        errors["required"] = [_("At least one approval and one hour.")]
    if errors:
        raise InvalidInput(_("The stage was not added."), fields=errors)
    route = _department_route(department)
    last = route.stages.order_by("-position").values_list("position", flat=True).first() or 0
    stage = RouteStage.objects.create(
        route=route,
        position=last + 1,
        name=name.strip(),
        role=role,
        group=group,
        mode=mode,
        required=required,
        sla_hours=sla_hours,
        escalate_to=escalate_to,
        public_only=public_only,
    )
    stage.users.set(users)
    audit.record(
        actor=actor, action="route.stage_added", target=route, data={"stage": stage.name, "position": stage.position}
    )
    return stage


def _copy_stages(source: ApprovalRoute, route: ApprovalRoute) -> list[str]:
    """Copy ``source``'s stages (with their named reviewers) onto the new ``route``; their names, in order."""
    names = []
    for stage in source.stages.prefetch_related("users").order_by("position"):
        copy = RouteStage.objects.create(
            route=route,
            position=stage.position,
            name=stage.name,
            role=stage.role,
            group=stage.group,
            mode=stage.mode,
            required=stage.required,
            sla_hours=stage.sla_hours,
            escalate_to=stage.escalate_to,
            public_only=stage.public_only,
        )
        copy.users.set(stage.users.all())
        names.append(stage.name)
    return names


def _department_route(department: Department) -> ApprovalRoute:
    route = (
        ApprovalRoute.objects.select_for_update(of=("self",))
        .filter(department=department, channel__isnull=True)
        .first()
    )
    if route is None:
        route = ApprovalRoute.objects.create(name=f"{department.name} route", department=department)
        _copy_stages(default_route(), route)
    return route


@transaction.atomic
def route_channel_create(*, actor: User, channel: Channel) -> ApprovalRoute:
    """Give ``channel`` its own route, starting as a copy of the one it follows now (its department's, else the
    company default); its stages are then added and removed like any route's. 409 when it already has one."""
    ensure(
        permissions.can_manage_routes(actor, channel.department_id),
        _("Only the department's managers and IT security give a channel its own route."),
    )
    source = _route_for(channel)
    if source.channel_id == channel.pk:
        raise Conflict(_("This channel already has its own route."), code="route_exists")
    try:
        with transaction.atomic():
            route = ApprovalRoute.objects.create(
                name=f"{channel.display_name} route"[:100],
                channel=channel,
                distinct_reviewers=source.distinct_reviewers,
            )
    except IntegrityError:
        raise Conflict(_("This channel already has its own route."), code="route_exists") from None
    stages = _copy_stages(source, route)
    audit.record(
        actor=actor,
        action="route.created",
        target=route,
        data={"channel": channel.pk, "copied_from": source.pk, "stages": stages},
    )
    notify(
        event="route.changed",
        recipients=department_managers(channel.department_id).exclude(pk=actor.pk),
        title=format_lazy(gettext_lazy("{channel} now has its own approval route"), channel=channel.display_name),
        body=format_lazy(
            gettext_lazy("{person} copied it from “{route}”: {stages}.")
            if stages
            else gettext_lazy("{person} copied it from “{route}”: no stages."),
            person=actor,
            route=source.name,
            stages=", ".join(stages),
        ),
        url=reverse("approvals:channel_route", args=[channel.pk]),
        target=route,
    )
    return route


@transaction.atomic
def route_stage_remove(*, actor: User, stage: RouteStage) -> None:
    stage = RouteStage.objects.select_for_update(of=("self",)).select_related("route").get(pk=stage.pk)
    route = stage.route
    ensure(
        permissions.can_manage_routes(
            actor, route.department_id if not route.channel_id else route.channel.department_id
        ),
        "Only the department's managers change its route.",
    )
    name, position = stage.name, stage.position
    stage.delete()
    for later in route.stages.filter(position__gt=position).order_by("position"):
        later.position -= 1
        later.save(update_fields=["position"])
    audit.record(actor=actor, action="route.stage_removed", target=route, data={"stage": name, "position": position})


def _route_department_id(route: ApprovalRoute) -> int | None:
    if route.channel_id:
        return Channel.objects.filter(pk=route.channel_id).values_list("department_id", flat=True).first()
    return route.department_id


def _value(obj: Any, name: str) -> Any:
    field = obj._meta.get_field(name)
    return getattr(obj, field.attname)


ROUTE_FIELDS = ("name", "department", "channel", "distinct_reviewers")
STAGE_FIELDS = (
    "position",
    "name",
    "role",
    "group",
    "mode",
    "required",
    "sla_hours",
    "escalate_to",
    "public_only",
)


@transaction.atomic
def route_save(*, actor: User, route: ApprovalRoute) -> ApprovalRoute:
    """Create a route, or save the changes made to ``route`` (its name, whose route it is, whether one person may
    decide more than one stage of a revision): audited with each changed field's value before and after."""
    creating = route.pk is None
    before: dict[str, Any] = {}
    if not creating:
        stored = ApprovalRoute.objects.select_for_update(of=("self",)).get(pk=route.pk)
        before = {f: _value(stored, f) for f in ROUTE_FIELDS}
        ensure(
            permissions.can_manage_routes(actor, _route_department_id(stored)),
            _("Only the department's managers change its route."),
        )
    ensure(
        permissions.can_manage_routes(actor, _route_department_id(route)),
        _("Only the department's managers change its route."),
    )
    route.name = (route.name or "").strip()
    if not route.name:
        raise InvalidInput(_("The route was not saved."), fields={"name": [_("Name the route.")]})
    if route.department_id and route.channel_id:
        raise InvalidInput(
            _("A route is a department's or a channel's."), fields={"channel": [_("Choose one, not both.")]}
        )
    after = {f: _value(route, f) for f in ROUTE_FIELDS}
    changes = {f: [before.get(f), after[f]] for f in ROUTE_FIELDS if creating or before[f] != after[f]}
    if not changes:
        return route
    try:
        with transaction.atomic():
            route.save()
    except IntegrityError:
        raise Conflict(_("That department or channel already has its own route."), code="route_exists") from None
    audit.record(actor=actor, action="route.created" if creating else "route.changed", target=route, data=changes)
    return route


def route_update(*, actor: User, route: ApprovalRoute, **values: Any) -> ApprovalRoute:
    """Change a route's own settings (``name``, ``distinct_reviewers``) from a page or the API."""
    route = ApprovalRoute.objects.get(pk=route.pk)
    for name, value in values.items():
        if name not in ("name", "distinct_reviewers"):
            raise InvalidInput(_("Unknown setting."), fields={name: [_("Not a setting of a route.")]})
        setattr(route, name, value)
    return route_save(actor=actor, route=route)


@transaction.atomic
def route_delete(*, actor: User, route: ApprovalRoute) -> None:
    """Remove a department's or channel's own route (posts then follow the department's or the company default)."""
    route = ApprovalRoute.objects.select_for_update(of=("self",)).get(pk=route.pk)
    ensure(
        permissions.can_manage_routes(actor, _route_department_id(route)),
        _("Only the department's managers change its route."),
    )
    ensure(route.department_id or route.channel_id, _("The company default route stays; change its stages instead."))
    stages = list(route.stages.order_by("position").values_list("name", flat=True))
    audit.record(
        actor=actor,
        action="route.deleted",
        target=route,
        data={"department": route.department_id, "channel": route.channel_id, "stages": stages},
    )
    route.delete()


@transaction.atomic
def route_stage_save(*, actor: User, stage: RouteStage, users: Sequence[User] | None = None) -> RouteStage:
    """Add ``stage`` to its route, or save the changes made to it (who reviews, mode, SLA, escalation ...):
    audited with each changed field's value before and after. ``users`` (when given) are its named reviewers."""
    route = ApprovalRoute.objects.select_for_update(of=("self",)).get(pk=stage.route_id)
    ensure(
        permissions.can_manage_routes(actor, _route_department_id(route)),
        _("Only the department's managers change its route."),
    )
    creating = stage.pk is None
    before: dict[str, Any] = {}
    before_users: list[str] = []
    if not creating:
        stored = RouteStage.objects.select_for_update(of=("self",)).get(pk=stage.pk)
        ensure(stored.route_id == route.pk, _("A stage stays on its route."))
        before = {f: _value(stored, f) for f in STAGE_FIELDS}
        before_users = sorted(stored.users.values_list("email", flat=True))
    errors: dict[str, list[str]] = {}
    stage.name = (stage.name or "").strip()
    if not stage.name:
        errors["name"] = [_("Name the stage.")]
    named = list(users) if users is not None else ([] if creating else list(stage.users.all()))
    if not (stage.role or stage.group or named):
        errors["role"] = [_("Say who reviews: a department role, a group or named people.")]
    if stage.mode not in StageMode.values:
        errors["mode"] = [_("One of %(values)s.") % {"values": ", ".join(StageMode.values)}]
    if (stage.required or 0) < 1 or (stage.sla_hours or 0) < 1:
        errors["required"] = [_("At least one approval and one hour.")]
    if errors:
        raise InvalidInput(_("The stage was not saved."), fields=errors)
    if not stage.position:
        last = route.stages.order_by("-position").values_list("position", flat=True).first() or 0
        stage.position = last + 1
    taken = route.stages.filter(position=stage.position).exclude(pk=stage.pk).first()
    if taken is not None:  # moving onto another stage's place: that one takes this one's old place (or the end)
        last = route.stages.order_by("-position").values_list("position", flat=True).first() or 0
        taken.position = before.get("position") or last + 1
        RouteStage.objects.filter(pk=taken.pk).update(position=0)
    stage.save()
    if taken is not None:
        RouteStage.objects.filter(pk=taken.pk).update(position=taken.position)
    if users is not None:
        stage.users.set(users)
    after = {f: _value(stage, f) for f in STAGE_FIELDS}
    after_users = sorted(stage.users.values_list("email", flat=True))
    changes = {f: [before.get(f), after[f]] for f in STAGE_FIELDS if creating or before[f] != after[f]}
    if before_users != after_users:
        changes["users"] = [before_users, after_users]
    if changes:
        audit.record(
            actor=actor,
            action="route.stage_added" if creating else "route.stage_changed",
            target=route,
            data={"stage": stage.name, "position": stage.position, "changes": changes},
        )
    return stage
