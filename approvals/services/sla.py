"""The review SLA: reminders before a stage is due, escalation after."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from accounts.choices import Group
from accounts.models import User
from accounts.selectors import department_managers, users_in_group
from approvals.choices import PostState, StageState
from approvals.models import StageReview
from approvals.services._common import post_url, review_key
from approvals.services.reviews import _still_asked, stage_decision
from audit import services as audit
from notifications.services import notify


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
