"""A reminder is marked read when what it asks is done: IT's "decision due for review" when the review is recorded,
and an "all" stage's review requests to delegates when their principal's part of the stage is done."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory, add_member, enrol_totp
from approvals import services as approvals
from approvals.models import RouteStage
from approvals.tests.factories import DelegationFactory, channel_for, open_stage, submitted
from channels_registry import services as registry
from channels_registry.choices import CHECKLIST, ChannelState, ReviewOutcome
from channels_registry.models import AccessGrant, Recertification, SecurityReview
from channels_registry.tests.factories import ChannelFactory, add_custodian
from it_decisions import services as decisions
from notifications.models import Notification
from policies import services as policies
from policies.choices import DecisionOutcome
from policies.tests.factories import PlatformDecisionFactory, platform

pytestmark = pytest.mark.django_db


def unread(user, event):
    return Notification.objects.filter(recipient=user, event=event, read_at__isnull=True).count()


def reminded(it_security, kind):
    return Notification.objects.filter(
        recipient=it_security, event="decision.review_due", payload__kind=kind, read_at__isnull=True
    ).count()


# --- IT's decision review reminders ------------------------------------------------------------------------------


@pytest.fixture
def due_decisions(it_security, department):
    """Two platform decisions due for review within the reminder's window, and the reminder sent."""
    soon = timezone.localdate() + timedelta(days=5)
    made = [
        PlatformDecisionFactory(
            platform=platform(slug),
            outcome=DecisionOutcome.ALLOWED,
            departments=[department],
            decided_by=UserFactory(),
            review_by=soon,
        )
        for slug in ("x", "linkedin")
    ]
    assert decisions.remind_expiring() == 2
    return made


def test_changing_a_due_platform_decision_marks_its_reminder_read(it_security, department, due_decisions):
    # given
    reviewed, other = due_decisions
    assert reminded(it_security, "platform") == 2

    # when IT records the review: the decision holds for another year
    policies.platform_decision_change(
        actor=it_security,
        decision=reviewed,
        outcome=reviewed.outcome,
        rationale=reviewed.rationale,
        departments=[department],
        review_by=timezone.localdate() + timedelta(days=365),
    )

    # then its reminder is done, the other decision's is not
    [left] = Notification.objects.filter(event="decision.review_due", read_at__isnull=True)
    assert left.payload["id"] == other.pk


def test_ending_a_due_platform_decision_marks_its_reminder_read(it_security, due_decisions):
    policies.platform_decision_end(actor=it_security, decision=due_decisions[0], reason="No longer used.")
    [left] = Notification.objects.filter(event="decision.review_due", read_at__isnull=True)
    assert left.payload["id"] == due_decisions[1].pk


@pytest.fixture
def due_grant(it_security, department):
    channel = ChannelFactory(department=department)
    holder = add_custodian(channel, UserFactory(), granted_by=it_security)
    grant = AccessGrant.objects.get(channel=channel, user=holder)
    grant.review_by = timezone.localdate() + timedelta(days=3)
    grant.save(update_fields=["review_by"])
    assert decisions.remind_expiring() == 1
    assert reminded(it_security, "access") == 1
    return grant


def test_recertifying_a_due_grant_marks_its_reminder_read(it_security, due_grant):
    due_grant.review_by = timezone.localdate()
    due_grant.save(update_fields=["review_by"])
    registry.recertifications_open()
    item = Recertification.objects.get(grant=due_grant)

    registry.recertification_decide(actor=it_security, recertification=item, confirm=True, note="Still needed.")

    assert reminded(it_security, "access") == 0


def test_revoking_a_due_grant_marks_its_reminder_read(it_security, due_grant):
    registry.grant_revoke(actor=it_security, grant=due_grant, reason="Left the team.")
    assert reminded(it_security, "access") == 0


def test_the_next_security_review_of_a_channel_marks_the_reminder_read(it_security, department):
    # given a channel whose last review, nearly a year old, is due again, and the channel back in review
    channel = ChannelFactory(department=department, state=ChannelState.IN_SECURITY_REVIEW, mfa_enabled=True)
    for _ in range(2):
        add_custodian(channel, UserFactory())
    old = SecurityReview.objects.create(channel=channel, reviewer=it_security, outcome=ReviewOutcome.PASSED)
    SecurityReview.objects.filter(pk=old.pk).update(decided_at=timezone.now() - timedelta(days=360))
    assert decisions.remind_expiring() == 1
    assert reminded(it_security, "security_review") == 1

    # when IT reviews it again
    registry.security_review_decide(
        actor=it_security, channel=channel, checklist={item: {"passed": True} for item in CHECKLIST}
    )

    # then the reminder is done
    assert reminded(it_security, "security_review") == 0


# --- Delegates in an "all" stage ---------------------------------------------------------------------------------


@pytest.fixture
def all_stage(employee, department, reviewer, manager):
    """A post in a department stage every reviewer must approve; the reviewer's deputy holds a delegation."""
    second = enrol_totp(add_member(UserFactory(email="reviewer2@example.com"), department, "reviewer"))
    deputy = UserFactory(email="deputy@example.com")
    DelegationFactory(delegator=reviewer, delegate=deputy)
    RouteStage.objects.filter(route=approvals._department_route(department), position=1).update(mode="all")
    post = submitted(employee, channel_for(employee, department=department))
    return open_stage(post), second, deputy


def test_a_principal_deciding_ends_their_deputys_request(reviewer, manager, all_stage):
    # given the deputy was asked on the reviewer's behalf
    stage, second, deputy = all_stage
    assert unread(deputy, "post.review_requested") == 1

    # when the reviewer approves in their own name (one of three)
    approvals.stage_decide(actor=reviewer, stage_review=stage, outcome="approve")

    # then the deputy is no longer asked; the reviewers still to decide are
    assert unread(deputy, "post.review_requested") == 0
    assert [unread(p, "post.review_requested") for p in (reviewer, second, manager)] == [0, 1, 1]


def test_a_deputy_for_someone_still_to_decide_stays_asked(reviewer, manager, all_stage):
    # given the deputy also stands in for the manager
    stage, second, deputy = all_stage
    DelegationFactory(delegator=manager, delegate=deputy)

    # when the reviewer approves
    approvals.stage_decide(actor=reviewer, stage_review=stage, outcome="approve")

    # then the deputy is still asked (for the manager), until the manager's part is done
    assert unread(deputy, "post.review_requested") == 1
    approvals.stage_decide(actor=manager, stage_review=stage, outcome="approve")
    assert unread(deputy, "post.review_requested") == 0
    assert unread(second, "post.review_requested") == 1


def test_the_reminder_skips_the_deputy_of_who_decided(reviewer, manager, all_stage):
    # given the reviewer decided, the stage is nearly due
    stage, second, deputy = all_stage
    approvals.stage_decide(actor=reviewer, stage_review=stage, outcome="approve")

    # when the SLA reminder runs
    approvals.review_sla(now=stage.due_at - timedelta(hours=1))

    # then only those still to decide are reminded
    assert [unread(p, "post.review_reminder") for p in (reviewer, deputy, second, manager)] == [0, 0, 1, 1]
