"""Races on real PostgreSQL: one winner, the rest 409 (Conflict), and the audit chain still verifies."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from accounts.tests.factories import UserFactory, enrol_totp
from approvals import services as approvals
from approvals.models import Lockdown, Post
from approvals.tests.factories import channel_for, draft
from audit.models import AuditEvent
from channels_registry import services as registry
from channels_registry.choices import CHECKLIST, ChannelState
from channels_registry.tests.factories import channel_with_custodians
from core.errors import Conflict
from socialgov.testing.audit import assert_chain_intact

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]
ALL_PASSED = {item: {"passed": True, "note": ""} for item in CHECKLIST}


def _run_together(*calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    results: list[str] = []
    lock = threading.Lock()

    def run(call):
        try:
            barrier.wait()
            call()
            outcome = "ok"
        except Conflict:
            outcome = "conflict"
        except Exception as exc:  # noqa: BLE001 - anything else fails the test
            outcome = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results)


def test_two_it_reviewers_decide_the_same_security_review(groups, department, employee):
    # given a channel waiting for IT's security review, and four IT reviewers signed in with 2FA
    from accounts.tests.factories import add_member

    colleague = add_member(UserFactory(email="colleague@example.com"), department, "member")
    channel = channel_with_custodians(
        employee, colleague, department=department, state=ChannelState.IN_SECURITY_REVIEW, mfa_enabled=True
    )
    reviewers = [enrol_totp(UserFactory(email=f"it{i}@example.com", groups=["it_security"])) for i in range(4)]

    # when all of them pass the checklist at once
    results = _run_together(
        *(
            (lambda r=r: registry.security_review_decide(actor=r, channel=channel, checklist=ALL_PASSED))
            for r in reviewers
        )
    )

    # then one wins, the others are told the channel moved on; one review, one audit event, the chain holds
    assert results == ["conflict"] * 3 + ["ok"], results
    channel.refresh_from_db()
    assert channel.state == ChannelState.ACTIVE
    assert channel.security_reviews.count() == 1
    assert_chain_intact()


def test_a_lockdown_starting_while_posts_are_released_stops_every_later_release(
    groups, department, employee, communications
):
    # given 60 approved posts that are due
    channel = channel_for(employee, department=department)
    posts = [draft(employee, channel, body=f"Post {i}") for i in range(60)]
    now = timezone.now()
    Post.objects.filter(pk__in=[p.pk for p in posts]).update(state="approved", approved_at=now)
    counts = {}

    def release():
        counts.update(approvals.release_due(batch=5))

    def lock_down():
        deadline = time.monotonic() + 30
        while AuditEvent.objects.filter(action="post.released").count() < 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        approvals.lockdown_start(actor=communications, reason="Crisis: pause everything")

    # when the minute task releases them while communications starts a lockdown
    results = _run_together(release, lock_down)

    # then both succeed, some posts went out before the lockdown and none after it
    assert results == ["ok", "ok"], results
    started = AuditEvent.objects.get(action="lockdown.started")
    released = AuditEvent.objects.filter(action="post.released")
    assert 3 <= released.count() < 60
    assert not released.filter(pk__gt=started.pk).exists()
    assert Post.objects.filter(released_at__isnull=True).count() == 60 - released.count()
    assert Lockdown.objects.filter(ended_at__isnull=True).count() == 1
    assert_chain_intact()

    # and a second run during the lockdown releases nothing
    assert approvals.release_due()["released"] == 0
