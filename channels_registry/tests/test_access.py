from datetime import timedelta

import pytest
from django.utils import timezone

from audit.duties import SeparationOfDuties
from channels_registry import services
from channels_registry.models import AccessGrant, ChannelMembership, Recertification
from channels_registry.tests.factories import ReportedAccountFactory, channel_with_custodians
from core.errors import Conflict, Forbidden, InvalidInput
from notifications.models import Notification
from policies.gates import may_register_channel
from policies.tests.factories import PlatformDecisionFactory, platform

pytestmark = pytest.mark.django_db


def test_the_owner_grants_a_requested_role(employee, colleague, reviewer, django_capture_on_commit_callbacks):
    # given
    channel = channel_with_custodians(employee, colleague)
    request = services.access_request_create(
        actor=reviewer, kind="channel_role", channel=channel, role="publisher", reason="I run the launch"
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_decide(actor=employee, request=request, grant=True, reason="Yes, for the launch")

    # then
    membership = ChannelMembership.objects.get(channel=channel, user=reviewer, ended_at__isnull=True)
    grant = AccessGrant.objects.get(channel=channel, user=reviewer)
    assert (membership.role, grant.granted_by, grant.request_id) == ("publisher", employee, request.pk)
    assert grant.review_by == timezone.localdate() + timedelta(days=90)
    assert Notification.objects.filter(recipient=reviewer, event="access.decided").exists()


def test_a_non_owner_may_not_decide_and_a_request_is_decided_once(employee, colleague, reviewer, it_security):
    channel = channel_with_custodians(employee, colleague)
    request = services.access_request_create(
        actor=reviewer, kind="channel_role", channel=channel, role="contributor", reason="Drafts"
    )
    with pytest.raises(Forbidden):
        services.access_request_decide(actor=colleague, request=request, grant=True, reason="ok")
    services.access_request_decide(actor=it_security, request=request, grant=False, reason="Not needed")
    with pytest.raises(Conflict):
        services.access_request_decide(actor=it_security, request=request, grant=True, reason="changed my mind")


def test_it_allows_a_blocked_platform_for_a_department_on_request(employee, department, it_security):
    x = platform("x")
    PlatformDecisionFactory(platform=x, decided_by=it_security, departments=[department])
    assert not may_register_channel(department=department, platform=x).allowed
    request = services.access_request_create(
        actor=employee, kind="platform", platform=x, department=department, reason="Campaign"
    )
    services.access_request_decide(actor=it_security, request=request, grant=True, reason="With review in 90 days")
    assert may_register_channel(department=department, platform=x).allowed


def test_recertification_opens_items_escalates_after_a_week_and_the_owner_decides(
    employee, colleague, it_security, time_machine, django_capture_on_commit_callbacks
):
    channel = channel_with_custodians(employee, colleague)
    time_machine.move_to(timezone.now() + timedelta(days=91))

    # when the daily task runs (twice)
    from channels_registry.tasks import recertify_access

    with django_capture_on_commit_callbacks(execute=True):
        assert recertify_access() == {"opened": 2, "escalated": 0, "expired": 0}
    assert recertify_access() == {"opened": 0, "escalated": 0, "expired": 0}
    # the owner is asked about the colleague's grant; their own goes to IT security, not back to them
    asked = Notification.objects.get(recipient=employee, event="access.recertification_due")
    assert asked.payload["grants"] == [AccessGrant.objects.get(channel=channel, user=colleague).pk]
    to_it = Notification.objects.get(recipient=it_security, event="access.recertification_due")
    assert to_it.payload["grants"] == [AccessGrant.objects.get(channel=channel, user=employee).pk]

    # a week later the unanswered ones escalate to IT
    time_machine.move_to(timezone.now() + timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        assert recertify_access() == {"opened": 0, "escalated": 2, "expired": 0}
    assert Notification.objects.filter(recipient=it_security, event="access.recertification_escalated").exists()

    # the owner may not confirm their own grant (IT security does), and revokes the other
    mine = Recertification.objects.get(grant__user=employee)
    theirs = Recertification.objects.get(grant__user=colleague)
    with pytest.raises(SeparationOfDuties, match="concerns you"):
        services.recertification_decide(actor=employee, recertification=mine, confirm=True)
    services.recertification_decide(actor=it_security, recertification=mine, confirm=True)
    with pytest.raises(InvalidInput):
        services.recertification_decide(actor=employee, recertification=theirs, confirm=False)
    services.recertification_decide(actor=employee, recertification=theirs, confirm=False, note="Moved team")
    assert not ChannelMembership.objects.filter(channel=channel, user=colleague, ended_at__isnull=True).exists()
    channel.refresh_from_db()
    assert channel.orphaned_at is not None


def test_reported_account_triage(employee, it_security):
    report = services.reported_account_create(
        actor=employee, platform=platform("x"), url="https://x.com/Acme_Official", note="Uses our logo"
    )
    with pytest.raises(Forbidden):
        services.reported_account_triage(actor=employee, report=report, outcome="dismissed")
    services.reported_account_triage(actor=it_security, report=report, outcome="takedown", note="Asked X")
    services.reported_account_triage(actor=it_security, report=report, outcome="fan_page", note="Harmless")
    report.refresh_from_db()
    assert report.state == "fan_page"
    with pytest.raises(Conflict):
        services.reported_account_triage(actor=it_security, report=report, outcome="dismissed")


def test_claiming_needs_the_registered_channel(it_security, employee, colleague):
    report = ReportedAccountFactory()
    with pytest.raises(InvalidInput):
        services.reported_account_triage(actor=it_security, report=report, outcome="claimed")
    channel = channel_with_custodians(employee, colleague)
    services.reported_account_triage(actor=it_security, report=report, outcome="claimed", channel=channel)
    report.refresh_from_db()
    assert report.channel == channel


def test_a_javascript_url_cannot_be_reported(employee):
    with pytest.raises(InvalidInput):
        services.reported_account_create(actor=employee, platform=platform("x"), url="javascript:alert(1)")


def test_a_grant_ends_on_its_until_date(employee, colleague, reviewer, time_machine):
    channel = channel_with_custodians(employee, colleague)
    services.grant_create(
        actor=employee,
        channel=channel,
        user=reviewer,
        role="publisher",
        reason="Campaign",
        valid_until=timezone.localdate() + timedelta(days=10),
    )
    from channels_registry.tasks import recertify_access

    assert recertify_access()["expired"] == 0
    time_machine.move_to(timezone.now() + timedelta(days=12))
    assert recertify_access()["expired"] == 1
    assert recertify_access()["expired"] == 0
    assert not ChannelMembership.objects.filter(channel=channel, user=reviewer, ended_at__isnull=True).exists()


def test_a_member_confirms_their_own_two_factor_sign_in(employee, colleague, reviewer):
    channel = channel_with_custodians(employee, colleague)
    services.grant_create(actor=employee, channel=channel, user=reviewer, role="publisher", reason="Campaign")
    membership = ChannelMembership.objects.get(channel=channel, user=reviewer, ended_at__isnull=True)
    assert not membership.mfa_confirmed
    services.membership_confirm_mfa(actor=reviewer, channel=channel)
    membership.refresh_from_db()
    assert membership.mfa_confirmed
    with pytest.raises(Forbidden):
        services.membership_confirm_mfa(actor=reviewer, channel=channel_with_custodians(employee, colleague))
