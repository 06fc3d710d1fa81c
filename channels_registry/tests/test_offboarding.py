import io

import pytest
from django.core.management import call_command

from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from channels_registry import services
from channels_registry.models import AccessGrant, ChannelMembership, RotationTask
from channels_registry.tests.factories import ChannelFactory, add_custodian, channel_with_custodians
from core.errors import Conflict, Forbidden
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaver(department):
    from accounts.tests.factories import add_member

    return add_member(UserFactory(email="leaver@example.com"), department, "member")


@pytest.fixture
def three_channels(leaver, employee, colleague, department):
    """The leaver holds three channels: two are left with one custodian, one keeps two."""
    a = channel_with_custodians(employee, leaver, department=department)
    b = channel_with_custodians(leaver, colleague, department=department)
    c = channel_with_custodians(employee, colleague, department=department)
    add_custodian(c, leaver)
    return a, b, c


def test_offboarding_a_custodian_of_three_channels(
    it_security, leaver, employee, colleague, manager, three_channels, django_capture_on_commit_callbacks
):
    a, b, c = three_channels
    it_colleague = UserFactory(email="itsec-colleague@example.com", groups=["it_security"])

    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = services.user_offboard(actor=it_security, user=leaver, reason="Left the company")

    # then: deactivated, memberships and grants ended
    leaver.refresh_from_db()
    assert not leaver.is_active
    assert not ChannelMembership.objects.filter(user=leaver, ended_at__isnull=True).exists()
    assert not AccessGrant.objects.filter(user=leaver, revoked_at__isnull=True).exists()
    # three rotation tasks
    assert RotationTask.objects.filter(departed_user=leaver, state="open").count() == 3
    # the channels left with one custodian are flagged orphaned
    for channel in (a, b, c):
        channel.refresh_from_db()
    assert a.orphaned_at and b.orphaned_at and c.orphaned_at is None
    assert {ch.pk for ch in result["orphaned"]} == {a.pk, b.pk}
    # everyone told: the remaining custodians (owners first), department managers, IT
    for person, expected in ((employee, 2), (colleague, 2), (manager, 3), (it_colleague, 3)):
        assert Notification.objects.filter(recipient=person, event="channel.custodian_left").count() == expected
    # IT security acted, so it is not told about its own action; the auditing covers it
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("channel.member_offboarded") == 3
    assert actions.count("channel.rotation_opened") == 3
    assert actions.count("channel.orphaned") == 2
    assert "user.deactivated" in actions and "user.offboarded" in actions


def test_offboarding_twice_opens_nothing_more(it_security, leaver, three_channels):
    services.user_offboard(actor=it_security, user=leaver)
    services.user_offboard(actor=it_security, user=leaver)
    assert RotationTask.objects.count() == 3


def test_offboard_command_uses_the_service(leaver, three_channels):
    out = io.StringIO()
    call_command("offboard_user", "LEAVER@example.com", stdout=out)
    assert "3 rotation task(s) opened, 2 channel(s) orphaned" in out.getvalue()


def test_admin_deactivate_action_offboards(client, superuser, leaver, three_channels):
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/user/", {"action": "deactivate", "_selected_action": [leaver.pk]}, follow=True
    )
    assert response.status_code == 200
    assert RotationTask.objects.filter(departed_user=leaver).count() == 3


def test_api_offboarding(client, it_security, leaver, three_channels):
    client.force_login(it_security)
    response = client.post("/api/v1/offboarding/", {"user": leaver.email}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert len(response.json()["rotation_tasks"]) == 3


def test_only_it_closes_a_rotation_and_only_once(it_security, employee, leaver, three_channels):
    services.user_offboard(actor=it_security, user=leaver)
    task = RotationTask.objects.first()
    with pytest.raises(Forbidden):
        services.rotation_task_close(actor=employee, task=task)
    services.rotation_task_close(actor=it_security, task=task, note="Password and recovery codes changed")
    with pytest.raises(Conflict):
        services.rotation_task_close(actor=it_security, task=task)
    assert AuditEvent.objects.filter(action="channel.rotation_done").count() == 1


def test_employees_may_not_offboard(employee, leaver):
    with pytest.raises(Forbidden):
        services.user_offboard(actor=employee, user=leaver)


def test_granting_a_second_custodian_clears_the_orphan_flag(it_security, employee, colleague):
    channel = ChannelFactory()
    add_custodian(channel, employee, "owner")
    services._flag_orphans(None, [channel.pk])
    channel.refresh_from_db()
    assert channel.orphaned_at is not None
    services.grant_create(actor=employee, channel=channel, user=colleague, role="admin", reason="Backup custodian")
    channel.refresh_from_db()
    assert channel.orphaned_at is None


def test_seed_registry_after_seed_demo_is_idempotent(groups):
    from channels_registry.models import Channel

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_registry", stdout=io.StringIO())
    call_command("seed_registry", stdout=io.StringIO())
    # demo IT security has the demo TOTP secret, so one channel is reviewed through to active
    assert sorted(Channel.objects.values_list("state", flat=True)) == ["active", "in_security_review", "proposed"]
