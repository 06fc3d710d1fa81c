"""Submitting a post and opening the stages of its route: who is asked, who decides when no one may, and
the approval that passes the last stage."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Group, Role
from accounts.models import Department, User
from accounts.selectors import department_managers, users_in_group
from approvals import permissions
from approvals.choices import PostState, StageMode, StageState
from approvals.models import ApprovalRoute, Decision, Post, PostRevision, RouteStage, StageReview
from approvals.services._common import _lock_post, ensure_may_author, post_url, review_key
from approvals.services.receipts import _issue_receipt
from audit import duties
from audit import services as audit
from channels_registry.choices import ChannelState
from channels_registry.models import Channel
from core.errors import Conflict, InvalidInput, ensure, ensure_state
from notifications.services import decided_by, notifications_done, notify
from policies import content
from policies.choices import PlatformKind


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
