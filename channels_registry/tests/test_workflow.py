from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import enrol_totp
from audit.models import AuditEvent
from channels_registry import services
from channels_registry.choices import CHECKLIST, ChannelState
from channels_registry.models import DormancyFinding
from channels_registry.services import dormancy
from channels_registry.tests.factories import ChannelFactory, channel_with_custodians
from core.errors import Conflict, Forbidden, InvalidInput
from notifications.models import Notification

pytestmark = pytest.mark.django_db

ALL_PASSED = {item: {"passed": True, "note": ""} for item in CHECKLIST}


@pytest.fixture
def proposed(employee, colleague, registration):
    return services.channel_register(actor=employee, **registration)


def test_manager_approves_then_it_security_passes_the_checklist(
    proposed, manager, it_security, employee, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.channel_approve(actor=manager, channel=proposed)
        review = services.security_review_decide(actor=it_security, channel=proposed, checklist=ALL_PASSED)

    # then
    proposed.refresh_from_db()
    assert proposed.state == ChannelState.ACTIVE and proposed.activated_at is not None
    assert review.outcome == "passed"
    assert Notification.objects.filter(recipient=it_security, event="channel.security_review_requested").exists()
    assert Notification.objects.filter(recipient=employee, event="channel.activated").exists()
    actions = list(AuditEvent.objects.filter(target_id=str(proposed.pk)).values_list("action", flat=True))
    assert {"channel.registered", "channel.approved", "channel.security_reviewed"} <= set(actions)


def test_a_failed_item_rejects_with_its_note(proposed, manager, it_security):
    services.channel_approve(actor=manager, channel=proposed)
    checklist = {**ALL_PASSED, "tools": {"passed": False, "note": "Unknown scheduling bot"}}
    services.security_review_decide(actor=it_security, channel=proposed, checklist=checklist)
    proposed.refresh_from_db()
    assert proposed.state == ChannelState.REJECTED and "Unknown scheduling bot" in proposed.state_reason


def test_a_failed_item_needs_a_note(proposed, manager, it_security):
    services.channel_approve(actor=manager, channel=proposed)
    with pytest.raises(InvalidInput) as exc:
        services.security_review_decide(
            actor=it_security, channel=proposed, checklist={**ALL_PASSED, "mfa": {"passed": False}}
        )
    assert "mfa" in exc.value.fields


def test_only_the_department_manager_approves_and_only_once(proposed, employee, reviewer, manager):
    for person in (employee, reviewer):
        with pytest.raises(Forbidden):
            services.channel_approve(actor=person, channel=proposed)
    services.channel_approve(actor=manager, channel=proposed)
    with pytest.raises(Conflict):
        services.channel_approve(actor=manager, channel=proposed)


def test_it_security_without_two_factor_may_not_decide(proposed, manager, groups):
    from accounts.tests.factories import UserFactory

    services.channel_approve(actor=manager, channel=proposed)
    no_mfa = UserFactory(email="itsec2@example.com", groups=["it_security"])
    with pytest.raises(Forbidden):
        services.security_review_decide(actor=no_mfa, channel=proposed, checklist=ALL_PASSED)


def test_suspend_reinstate_retire_and_retired_is_final(it_security, employee, colleague):
    channel = channel_with_custodians(employee, colleague)
    services.channel_suspend(actor=it_security, channel=channel, reason="Suspicious logins")
    services.channel_reinstate(actor=it_security, channel=channel)
    channel.refresh_from_db()
    assert channel.state == ChannelState.ACTIVE
    services.channel_retire(actor=it_security, channel=channel, reason="Brand merged")
    with pytest.raises(Conflict):
        services.channel_reinstate(actor=it_security, channel=channel)
    with pytest.raises(Conflict):
        services.channel_suspend(actor=it_security, channel=channel, reason="again")


def test_auditor_changes_nothing(auditor, employee, colleague):
    channel = channel_with_custodians(employee, colleague)
    with pytest.raises(Forbidden):
        services.channel_suspend(actor=auditor, channel=channel, reason="no")
    with pytest.raises(Forbidden):
        services.activity_record(actor=auditor, channel=channel)


# --- Activity and dormancy ----------------------------------------------------------------


def _quiet_channel(employee, colleague, days=100, **kwargs):
    channel = channel_with_custodians(employee, colleague, **kwargs)
    past = timezone.now() - timedelta(days=days)
    type(channel).objects.filter(pk=channel.pk).update(last_activity_at=past, activated_at=past)
    return channel


def test_dormancy_audit_flags_quiet_channels_tells_owners_and_is_idempotent(
    employee, colleague, django_capture_on_commit_callbacks
):
    # given one channel quiet for 100 days, one active yesterday
    quiet = _quiet_channel(employee, colleague)
    busy = _quiet_channel(employee, colleague, days=1)

    # when the task runs twice
    from channels_registry.tasks import audit_dormancy

    with django_capture_on_commit_callbacks(execute=True):
        first = audit_dormancy()
    second = audit_dormancy()

    # then
    assert first == {"flagged": 1, "escalated": 0} and second == {"flagged": 0, "escalated": 0}
    quiet.refresh_from_db()
    busy.refresh_from_db()
    assert (quiet.state, busy.state) == (ChannelState.DORMANT, ChannelState.ACTIVE)
    assert DormancyFinding.objects.filter(channel=quiet, state="open").count() == 1
    assert Notification.objects.filter(recipient=employee, event="channel.dormant").count() == 1


def test_after_the_grace_period_managers_and_it_are_told_and_retirement_proposed(
    employee, colleague, manager, it_security, department, time_machine
):
    channel = _quiet_channel(employee, colleague, department=department)
    services.dormancy_audit()
    time_machine.move_to(timezone.now() + timedelta(days=31))
    assert services.dormancy_audit() == {"flagged": 0, "escalated": 1}
    assert services.dormancy_audit() == {"flagged": 0, "escalated": 0}
    assert DormancyFinding.objects.get(channel=channel).state == "escalated"
    for person in (manager, it_security):
        assert Notification.objects.filter(recipient=person, event="channel.retirement_proposed").exists()


def test_each_owner_hears_only_about_their_own_channels_and_the_trail_lists_every_channel(
    employee, colleague, manager, it_security, department, time_machine, monkeypatch
):
    from accounts.tests.factories import DepartmentFactory, UserFactory, add_member
    from socialgov.testing.audit import assert_chain_intact

    # given two quiet channels of the employee's, one of the colleague's in another department
    mine = [_quiet_channel(employee, colleague, department=department) for _ in range(2)]
    sales = DepartmentFactory(name="Sales", slug="sales")
    sales_manager = enrol_totp(add_member(UserFactory(email="sales.manager@example.com"), sales, "manager"))
    theirs = _quiet_channel(colleague, employee, department=sales)

    # when the audit runs (in transactions of two channels each)
    monkeypatch.setattr(dormancy, "AUDIT_SLICE", 2)
    monkeypatch.setattr(dormancy, "DORMANCY_BATCH", 2)
    assert services.dormancy_audit() == {"flagged": 3, "escalated": 0}

    # then each owner is told once, about their own channels only
    told = {n.recipient_id: n for n in Notification.objects.filter(event="channel.dormant")}
    assert set(told) == {employee.pk, colleague.pk}
    assert told[employee.pk].payload == {"channels": sorted(c.pk for c in mine)}
    assert told[employee.pk].title == "2 of your channels went dormant"
    assert told[colleague.pk].payload == {"channels": [theirs.pk]}
    assert told[colleague.pk].title == f"{theirs.display_name} went dormant"
    # and the trail lists every flagged channel, in slices (two ids each here)
    flagged = AuditEvent.objects.filter(action="channel.dormancy_flagged").order_by("id")
    assert [e.data["channels"] for e in flagged] == [sorted(c.pk for c in [*mine, theirs])[:2], [theirs.pk]]
    summary = AuditEvent.objects.get(action="channel.dormancy_audited")
    assert summary.data == {"flagged": 3, "retirement_proposed": 0}

    # when the grace period has passed
    time_machine.move_to(timezone.now() + timedelta(days=31))
    assert services.dormancy_audit() == {"flagged": 0, "escalated": 3}

    # then IT hears the count, each department's managers about their department's channels
    proposed = {n.recipient_id: n for n in Notification.objects.filter(event="channel.retirement_proposed")}
    assert set(proposed) == {it_security.pk, manager.pk, sales_manager.pk}
    assert proposed[it_security.pk].payload == {"count": 3}
    assert proposed[manager.pk].payload == {"count": 2, "department": department.pk}
    assert proposed[sales_manager.pk].payload == {"count": 1, "department": sales.pk}
    assert proposed[sales_manager.pk].url.endswith(f"department={sales.pk}")
    proposals = AuditEvent.objects.filter(action="channel.retirement_proposed")
    assert sorted(pk for e in proposals for pk in e.data["channels"]) == sorted(c.pk for c in [*mine, theirs])
    assert_chain_intact()


def test_new_activity_wakes_a_dormant_channel(employee, colleague):
    channel = _quiet_channel(employee, colleague)
    services.dormancy_audit()
    services.activity_record(actor=employee, channel=channel, kind="post")
    channel.refresh_from_db()
    assert channel.state == ChannelState.ACTIVE and channel.dormant_since is None
    assert DormancyFinding.objects.get(channel=channel).state == "resolved"
    assert AuditEvent.objects.filter(action="channel.woke", target_id=str(channel.pk)).exists()


def test_the_platform_threshold_decides(employee, colleague):
    from policies.models import Platform

    Platform.objects.filter(slug="x").update(dormancy_days=200)
    _quiet_channel(employee, colleague, days=150)
    assert services.dormancy_audit()["flagged"] == 0


def _bulk_quiet_channels(n, department, registered_by, owner):
    from channels_registry.models import Channel, ChannelMembership
    from policies.tests.factories import platform

    past = timezone.now() - timedelta(days=120)
    x = platform("x")
    channels = Channel.objects.bulk_create(
        [
            Channel(
                platform=x,
                handle=f"bulk_{n}_{i}",
                url=f"https://x.com/bulk_{n}_{i}",
                display_name=f"Bulk {i}",
                department=department,
                purpose="p",
                audience="a",
                recovery_contact="s@example.com",
                mfa_enabled=True,
                credentials_location="vault://a/b",
                state=ChannelState.ACTIVE,
                registered_by=registered_by,
                activated_at=past,
                last_activity_at=past,
            )
            for i in range(n)
        ]
    )
    ChannelMembership.objects.bulk_create(
        [ChannelMembership(channel=c, user=owner, role="owner", holds_credentials=True) for c in channels]
    )
    Channel.objects.filter(pk__in=[c.pk for c in channels]).update(created_at=past)


def _audit_queries(n, department, employee, manager, time_machine):
    from django.test.utils import CaptureQueriesContext

    from channels_registry.models import Channel, ChannelMembership

    DormancyFinding.objects.all().delete()
    ChannelMembership.objects.all().delete()
    Channel.objects.all().delete()
    _bulk_quiet_channels(n, department, employee, employee)
    with CaptureQueriesContext(connection) as flag_run:
        assert services.dormancy_audit()["flagged"] == n
    with CaptureQueriesContext(connection) as escalate_run:
        assert services.dormancy_audit(now=timezone.now() + timedelta(days=31))["escalated"] == n
    return len(flag_run), len(escalate_run)


def test_dormancy_audit_runs_the_same_queries_for_10_and_1000_channels(
    department, employee, manager, it_security, time_machine, monkeypatch
):
    # in one batch (the batches' number grows with the channels, the queries of a batch do not)
    monkeypatch.setattr(dormancy, "DORMANCY_BATCH", 10**9)
    small = _audit_queries(10, department, employee, manager, time_machine)
    large = _audit_queries(1000, department, employee, manager, time_machine)
    assert small == large
    print(f"dormancy audit queries (flag run, escalation run): {small}")


def test_activity_in_the_future_is_refused(employee, colleague):
    channel = channel_with_custodians(employee, colleague)
    with pytest.raises(InvalidInput):
        services.activity_record(actor=employee, channel=channel, occurred_at=timezone.now() + timedelta(days=2))


def test_proposed_channels_take_no_activity(employee):
    channel = ChannelFactory(state=ChannelState.PROPOSED)
    with pytest.raises(Conflict):
        services.activity_record(actor=None, channel=channel)


def test_the_daily_tasks_have_default_schedules_on_the_periodic_queue():
    from django_celery_beat.models import PeriodicTask

    tasks = dict(PeriodicTask.objects.values_list("task", "queue"))
    assert tasks["channels_registry.audit_dormancy"] == "periodic"
    assert tasks["channels_registry.recertify_access"] == "periodic"
