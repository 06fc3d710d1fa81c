"""The IT desk's and the auditor's dashboard cards, read in one query, say what the registers they summarise say."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import UserFactory
from approvals.models import Decision, StageReview
from approvals.tests.factories import channel_for, submitted
from audit import services as audit
from channels_registry.choices import ChannelState, ReviewOutcome, RotationState
from channels_registry.models import AccessGrant, RotationTask, SecurityReview
from channels_registry.tests.factories import ChannelFactory, add_custodian
from it_decisions import selectors as decisions
from policies.tests.factories import PlatformDecisionFactory, platform
from reports.dashboard import cards_for

pytestmark = pytest.mark.django_db


def test_the_it_desk_card_counts_and_lists_what_the_register_says_is_due(it_security, department, groups):
    # given decisions due within 14 days (or overdue) of each kind, and some that are not
    today = timezone.localdate()
    sales = type(department).objects.create(name="Sales", slug="sales")
    for slug, days, departments in [
        ("x", 10, [department]),
        ("linkedin", -2, [department, sales]),
        ("blog", 3, []),
        ("forum", 30, [department]),
    ]:
        PlatformDecisionFactory(
            platform=platform(slug), departments=departments, review_by=today + timedelta(days=days)
        )
    for age in (360, 200):  # a passed review is due a year after: in 5 days, and in 165
        review = SecurityReview.objects.create(
            channel=ChannelFactory(department=department, state=ChannelState.IN_SECURITY_REVIEW),
            reviewer=it_security,
            outcome=ReviewOutcome.PASSED,
        )
        SecurityReview.objects.filter(pk=review.pk).update(decided_at=timezone.now() - timedelta(days=age))
    channel = ChannelFactory(department=department)
    add_custodian(channel, UserFactory(full_name="Ada <Admin>"), granted_by=it_security)
    add_custodian(channel, UserFactory(full_name="", email="bob@example.com"), granted_by=it_security)
    AccessGrant.objects.filter(user__full_name="Ada <Admin>").update(review_by=today + timedelta(days=1))
    AccessGrant.objects.filter(user__email="bob@example.com").update(review_by=today - timedelta(days=5))
    RotationTask.objects.create(channel=channel, departed_user=UserFactory())
    RotationTask.objects.create(channel=channel, departed_user=UserFactory(), state=RotationState.DONE)

    # when
    desk = cards_for(it_security)["it_desk"]

    # then the same decisions, in the same order, with the same subjects and links, as the register's
    due = decisions.decisions(due_within_days=decisions.EXPIRY_WARNING_DAYS)
    shown = [(d.kind, d.id, d.subject, d.review_by, d.url) for d in desk["expiring_decisions"]]
    assert shown == [(d.kind, d.id, d.subject, d.review_by, d.url) for d in due]
    assert desk["expiring_count"] == len(due) == 6
    assert "Sales" in next(d.subject for d in due if d.review_by == today - timedelta(days=2))
    assert desk["security_reviews"] == 2
    assert desk["access_requests"] == 0 and desk["reported_accounts"] == 0
    assert desk["rotations"] == 1


def test_the_it_desk_card_shows_at_most_ten_of_the_decisions_due(it_security, department):
    today = timezone.localdate()
    for i in range(12):
        PlatformDecisionFactory(
            platform=platform(["x", "linkedin", "blog", "forum"][i % 4]),
            departments=[department],
            review_by=today + timedelta(days=i),
        )

    desk = cards_for(it_security)["it_desk"]

    assert desk["expiring_count"] == 12
    assert [d.review_by for d in desk["expiring_decisions"]] == [today + timedelta(days=i) for i in range(10)]


def test_the_auditor_card_shows_the_ten_newest_decisions_and_recent_anomalies(
    auditor, employee, reviewer, manager, department
):
    # given 12 decisions (one on someone's behalf) and anomalies, one older than 90 days
    channel = channel_for(employee, department=department)
    stages = []
    for i in range(12):
        post = submitted(employee, channel, body=f"Post {i} <b>")
        stages.append(StageReview.objects.filter(post=post).first())
    made = [
        Decision.objects.create(
            stage_review=stage, reviewer=reviewer, outcome="approve", on_behalf_of=manager if i == 11 else None
        )
        for i, stage in enumerate(stages)
    ]
    with time_machine.travel(timezone.now() - timedelta(days=91)):
        audit.record(actor=manager, action="lockdown.ended", target=stages[0].post)
    for i in range(12):
        audit.record(actor=manager, action="lockdown.started", target=stages[i].post)

    # when
    cards = cards_for(auditor)

    # then the ten newest decisions, newest first, with who took them and for whom
    recent = cards["recent_decisions"]
    assert [d["post_id"] for d in recent] == [d.stage_review.post_id for d in reversed(made)][:10]
    assert recent[0]["on_behalf_of"] == str(manager) and recent[1]["on_behalf_of"] is None
    assert recent[0]["reviewer"] == str(reviewer) and recent[0]["outcome_label"] == "Approve"
    assert recent[0]["summary"] == "Post 11 <b>"
    # and the ten newest anomalies of the last 90 days
    anomalies = cards["anomalies"]
    assert len(anomalies) == 10 and {a["action"] for a in anomalies} == {"lockdown.started"}
    assert [a["created_at"] for a in anomalies] == sorted((a["created_at"] for a in anomalies), reverse=True)
    assert anomalies[0]["actor_label"] == manager.email  # the label the trail recorded


def test_the_it_desk_card_leaves_out_ended_and_expired_decisions_and_dues_one_at_its_expiry(it_security, department):
    # given a decision ended, one expired, one expiring before its review, and one due at its review
    today = timezone.localdate()
    PlatformDecisionFactory(platform=platform("x"), review_by=today + timedelta(days=3), ended_at=timezone.now())
    PlatformDecisionFactory(
        platform=platform("linkedin"), review_by=today + timedelta(days=3), expires_on=today - timedelta(days=1)
    )
    PlatformDecisionFactory(
        platform=platform("blog"), review_by=today + timedelta(days=60), expires_on=today + timedelta(days=5)
    )
    PlatformDecisionFactory(platform=platform("forum"), review_by=today + timedelta(days=7))

    desk = cards_for(it_security)["it_desk"]

    # then the card lists what the register says is due, and only that
    due = decisions.decisions(due_within_days=decisions.EXPIRY_WARNING_DAYS)
    assert [(d.id, d.review_by) for d in desk["expiring_decisions"]] == [(d.id, d.review_by) for d in due]
    assert [d.review_by for d in due] == [today + timedelta(days=5), today + timedelta(days=7)]
