"""A SCIM deactivation gives exactly what the admin's offboarding gives."""

from collections import Counter

import pytest
from django.db import transaction

from accounts.tests.factories import UserFactory, add_member
from audit.models import AuditEvent
from channels_registry.models import AccessGrant, Channel, ChannelMembership, RotationTask
from channels_registry.tests.factories import add_custodian, channel_with_custodians
from notifications.models import Notification

pytestmark = pytest.mark.django_db
OFFBOARDING = {
    "user.deactivated",
    "user.offboarded",
    "channel.member_offboarded",
    "channel.rotation_opened",
    "channel.orphaned",
}


class Undo(Exception):
    pass


@pytest.fixture
def leaver(department):
    return add_member(UserFactory(email="leaver@example.com"), department, "member")


@pytest.fixture
def three_channels(leaver, employee, department, manager):
    """The leaver holds three channels: two are left with one custodian, one keeps two."""
    colleague = add_member(UserFactory(email="colleague@example.com"), department, "member")
    a = channel_with_custodians(employee, leaver, department=department)
    b = channel_with_custodians(leaver, colleague, department=department)
    c = channel_with_custodians(employee, colleague, department=department)
    add_custodian(c, leaver)
    UserFactory(email="itsec-colleague@example.com", groups=["it_security"])
    return a, b, c


def outcome(leaver) -> dict:
    leaver.refresh_from_db()
    return {
        "active": leaver.is_active,
        "open_memberships": ChannelMembership.objects.filter(user=leaver, ended_at__isnull=True).count(),
        "open_grants": AccessGrant.objects.filter(user=leaver, revoked_at__isnull=True).count(),
        "rotations": sorted(RotationTask.objects.filter(departed_user=leaver, state="open").values_list("channel_id")),
        "orphaned": sorted(Channel.objects.filter(orphaned_at__isnull=False).values_list("pk", flat=True)),
        "told": Counter(Notification.objects.values_list("recipient__email", "event", "title")),
        "audited": Counter(AuditEvent.objects.filter(action__in=OFFBOARDING).values_list("action", "target_id")),
    }


def test_scim_deactivation_of_a_custodian_of_three_channels_is_the_admin_offboarding(
    client, superuser, scim, leaver, three_channels, django_capture_on_commit_callbacks
):
    a, b, c = three_channels
    # given: what the admin's "Deactivate (offboard)" action gives, rolled back afterwards
    client.force_login(superuser)
    try:
        with transaction.atomic():
            response = client.post(
                "/admin/accounts/user/",
                {"action": "deactivate", "_selected_action": [leaver.pk]},
            )
            assert response.status_code == 302
            by_admin = outcome(leaver)
            raise Undo
    except Undo:
        pass
    assert outcome(leaver)["active"] is True
    client.logout()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = scim.patch(f"Users/{leaver.pk}", [{"op": "Replace", "path": "active", "value": "False"}])

    # then: the same, and what the admin's action gives is what offboarding promises
    assert response.status_code == 200, response.body
    by_scim = outcome(leaver)
    assert by_scim == by_admin
    assert by_scim["active"] is False and by_scim["open_memberships"] == 0 and by_scim["open_grants"] == 0
    assert len(by_scim["rotations"]) == 3
    assert by_scim["orphaned"] == sorted([a.pk, b.pk])
    assert {email for email, event, _ in by_scim["told"] if event == "channel.custodian_left"} == {
        "employee@example.com",
        "colleague@example.com",
        "manager@example.com",
        "itsec@example.com",
        "itsec-colleague@example.com",
    }
    audited = Counter(action for action, _ in by_scim["audited"].elements())
    assert audited == {
        "user.deactivated": 1,
        "user.offboarded": 1,
        "channel.member_offboarded": 3,
        "channel.rotation_opened": 3,
        "channel.orphaned": 2,
    }
