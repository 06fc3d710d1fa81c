"""Legal holds and retention: what is past its time goes, except what a hold covers; both on the record."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.tests.factories import DepartmentFactory, UserFactory
from approvals import services as approvals
from approvals.models import ApprovalReceipt, Comment, DriftFinding, Post, PostRevision, PublicationReport
from approvals.tests.factories import approve_all, channel_for, draft, join, submitted
from audit.models import AuditEvent
from core.errors import Conflict, Forbidden, InvalidInput
from notifications.models import Notification
from records import selectors, services
from records.models import LegalHold, RetentionRun
from records.tests.factories import aged, withdrawn_post

pytestmark = pytest.mark.django_db

SEVEN_YEARS = 7 * 365 + 2


def test_compliance_sets_a_hold_with_a_reason_and_it_is_audited(compliance, channel):
    # when
    hold = services.hold_set(actor=compliance, channel=channel, reason="Case 2026-17: product claims")
    # then
    assert hold.is_active and hold.set_by == compliance
    event = AuditEvent.objects.get(action="records.hold_set")
    assert event.data["channel"] == channel.pk and event.data["reason"] == "Case 2026-17: product claims"


@pytest.mark.parametrize("role", ["employee", "auditor", "manager", "communications"])
def test_only_compliance_and_it_security_set_holds(role, channel, request):
    with pytest.raises(Forbidden):
        services.hold_set(actor=request.getfixturevalue(role), channel=channel, reason="x")
    assert not LegalHold.objects.exists()


def test_a_hold_needs_a_reason_and_a_scope(it_security, channel):
    with pytest.raises(InvalidInput) as no_reason:
        services.hold_set(actor=it_security, channel=channel, reason="  ")
    with pytest.raises(InvalidInput) as no_scope:
        services.hold_set(actor=it_security, reason="Case 1")
    with pytest.raises(InvalidInput) as backwards:
        services.hold_set(
            actor=it_security, reason="Case 1", date_from=dt.date(2026, 2, 1), date_to=dt.date(2026, 1, 1)
        )
    assert "reason" in no_reason.value.fields and "channel" in no_scope.value.fields
    assert "date_to" in backwards.value.fields


def test_nobody_puts_a_hold_on_themselves(compliance):
    with pytest.raises(Forbidden, match="concerns you"):
        services.hold_set(actor=compliance, person=compliance, reason="Case 1")


def test_release_is_once_and_audited(compliance, it_security, channel):
    hold = services.hold_set(actor=compliance, channel=channel, reason="Case 1")
    services.hold_release(actor=it_security, hold=hold, reason="Case closed")
    with pytest.raises(Conflict):
        services.hold_release(actor=it_security, hold=hold, reason="again")
    hold.refresh_from_db()
    assert hold.released_by == it_security and hold.release_reason == "Case closed"
    assert AuditEvent.objects.filter(action="records.hold_released").count() == 1


def test_retention_deletes_what_is_past_its_time_except_what_is_on_hold(
    compliance, employee, reviewer, department, channel
):
    # given: old finished posts on two channels, one channel held; a young post; an old post still a draft
    other = channel_for(employee, department=DepartmentFactory(name="Sales", slug="sales"))
    old = withdrawn_post(employee, other, days_old=SEVEN_YEARS + 10)
    old_held = withdrawn_post(employee, channel, days_old=SEVEN_YEARS + 10)
    young = withdrawn_post(employee, other, days_old=SEVEN_YEARS - 10)
    old_draft = aged(draft(employee, other, "Never sent."), SEVEN_YEARS + 10)
    revisions = list(PostRevision.objects.filter(post=old).values_list("pk", flat=True))
    services.hold_set(actor=compliance, channel=channel, reason="Case 2026-17")
    # and notifications: one old, one old but its recipient held, one young
    old_note = aged(Notification.objects.create(recipient=compliance, event="x", title="old"), 400)
    held_note = aged(Notification.objects.create(recipient=reviewer, event="x", title="held"), 400)
    young_note = Notification.objects.create(recipient=compliance, event="x", title="young")
    services.hold_set(actor=compliance, person=reviewer, reason="Case 2026-18", date_to=timezone.localdate())

    # when
    run = services.retention_apply()

    # then
    assert set(Post.objects.values_list("pk", flat=True)) == {old_held.pk, young.pk, old_draft.pk}
    assert not PostRevision.objects.filter(pk__in=revisions).exists()  # a post goes with its revisions
    assert set(Notification.objects.values_list("pk", flat=True)) >= {held_note.pk, young_note.pk}
    assert not Notification.objects.filter(pk=old_note.pk).exists()
    assert run.counts["post"] == {"deleted": 1, "held": 1, "keep_days": SEVEN_YEARS}
    assert run.counts["notification"]["deleted"] == 1 and run.counts["notification"]["held"] == 1
    event = AuditEvent.objects.get(action="records.retention_applied")
    assert event.data["counts"]["post"]["deleted"] == 1 and event.actor is None


def test_a_released_hold_no_longer_keeps_anything(compliance, employee, channel):
    old = withdrawn_post(employee, channel, days_old=SEVEN_YEARS + 1)
    hold = services.hold_set(actor=compliance, channel=channel, reason="Case 1")
    assert services.retention_apply().counts["post"]["deleted"] == 0
    services.hold_release(actor=compliance, hold=hold, reason="Closed")
    assert services.retention_apply().counts["post"]["deleted"] == 1
    assert not Post.objects.filter(pk=old.pk).exists()
    assert RetentionRun.objects.count() == 2


def test_a_shorter_period_set_by_compliance_applies_and_is_audited(compliance, employee, channel):
    post = withdrawn_post(employee, channel, days_old=40)
    Comment.objects.create(post=post, author=employee, body="hm")
    services.retention_rule_set(actor=compliance, record_type="post", keep_days=30)
    services.retention_apply()
    assert not Post.objects.filter(pk=post.pk).exists()
    event = AuditEvent.objects.get(action="records.retention_set")
    assert event.data == {"record_type": "post", "before": SEVEN_YEARS, "after": 30}


def test_retention_periods_are_checked(compliance):
    with pytest.raises(InvalidInput):
        services.retention_rule_set(actor=compliance, record_type="post", keep_days=0)
    with pytest.raises(InvalidInput):
        services.retention_rule_set(actor=compliance, record_type="nothing", keep_days=10)


def test_a_date_range_hold_covers_only_its_days(compliance, employee, channel):
    inside = withdrawn_post(employee, channel, days_old=SEVEN_YEARS + 30)
    outside = withdrawn_post(employee, channel, days_old=SEVEN_YEARS + 300)
    day = inside.created_at.date()
    services.hold_set(actor=compliance, date_from=day - dt.timedelta(days=1), date_to=day, reason="Case 3")
    services.retention_apply()
    assert Post.objects.filter(pk=inside.pk).exists() and not Post.objects.filter(pk=outside.pk).exists()
    assert [h.reason for h in selectors.holds_covering(inside)] == ["Case 3"]
    assert selectors.holds_covering(Post.objects.get(pk=inside.pk))


def test_the_task_runs_twice_safely(employee, channel):
    from records.tasks import apply_retention

    withdrawn_post(employee, channel, days_old=SEVEN_YEARS + 1)
    assert apply_retention()["post"]["deleted"] == 1
    assert apply_retention()["post"]["deleted"] == 0


def _published_with_drift(author, channel, reviewer, communications, publisher, *, days_old):
    """A post approved and reported gone out with another text: its receipt, report and drift finding."""
    post = approve_all(submitted(author, channel, "Our spring range is out."), reviewer, communications)
    join(channel, publisher)
    approvals.publication_report(actor=publisher, post=post, text="Our spring range is out. Buy now!")
    return aged(Post.objects.get(pk=post.pk), days_old)


def test_a_post_s_publication_reports_and_drift_findings_go_with_it_and_stay_under_a_hold(
    compliance, employee, reviewer, communications, department, channel
):
    # given: two old published posts with drift, one on a held channel; a third whose reporter a hold names
    other, third = channel_for(employee, department=department), channel_for(employee, department=department)
    publisher = UserFactory(email="publisher@example.com")
    held_reporter = UserFactory(email="held.reporter@example.com")
    gone = _published_with_drift(employee, other, reviewer, communications, publisher, days_old=SEVEN_YEARS + 10)
    held = _published_with_drift(employee, channel, reviewer, communications, publisher, days_old=SEVEN_YEARS + 10)
    by_held = _published_with_drift(employee, third, reviewer, communications, held_reporter, days_old=SEVEN_YEARS + 10)
    assert DriftFinding.objects.filter(post=gone).exists() and PublicationReport.objects.filter(post=gone).exists()
    services.hold_set(actor=compliance, channel=channel, reason="Case 2026-17")
    services.hold_set(actor=compliance, person=held_reporter, reason="Case 2026-19")

    # when
    run = services.retention_apply()

    # then the unheld post went with its receipt, report and findings; the held ones keep theirs
    assert set(Post.objects.values_list("pk", flat=True)) == {held.pk, by_held.pk}
    assert set(PublicationReport.objects.values_list("post_id", flat=True)) == {held.pk, by_held.pk}
    assert set(DriftFinding.objects.values_list("post_id", flat=True)) == {held.pk, by_held.pk}
    assert set(ApprovalReceipt.objects.values_list("post_id", flat=True)) == {held.pk, by_held.pk}
    assert run.counts["post"]["deleted"] == 1 and run.counts["post"]["held"] == 2
