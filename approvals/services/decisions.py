"""Deciding a stage, one at a time or many at once, and withdrawing a post from review."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from accounts.models import User
from accounts.permissions import ensure_mfa
from approvals import permissions, selectors
from approvals.choices import WITHDRAWABLE_STATES, Outcome, PostState, StageState
from approvals.models import Decision, Post, StageReview, summary_of
from approvals.services._common import _blocked, _lock_post, post_url, review_key
from approvals.services.reviews import _decision_data, _finish_approved, _open_stage, _still_asked, stage_decision
from audit import duties
from audit import services as audit
from core.errors import Conflict, DomainError, InvalidInput, NotFound, ensure, ensure_state
from notifications.services import decided_by, notifications_done, notify
from policies import gates


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
