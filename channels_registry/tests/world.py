"""One small world for the permission table and the query counts: two departments' channels in every state."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member
from channels_registry.choices import ChannelState
from channels_registry.models import AccessGrant, AccessRequest, Recertification, RotationTask
from channels_registry.tests.factories import ChannelFactory, ReportedAccountFactory, channel_with_custodians


def build_world(*, employee, manager, reviewer, department) -> SimpleNamespace:
    training = DepartmentFactory(name="Training", slug="training")
    colleague = add_member(UserFactory(email="colleague@example.com"), department, "member")
    trainer = add_member(UserFactory(email="trainer@example.com"), training, "manager")
    trainee = add_member(UserFactory(email="trainee@example.com"), training, "member")
    leaver = add_member(UserFactory(email="leaver@example.com"), department, "member")
    gone = UserFactory(email="gone@example.com", is_active=False)

    ours = channel_with_custodians(employee, colleague, department=department, display_name="Ours")
    theirs = channel_with_custodians(trainer, trainee, department=training, display_name="Theirs")
    proposed = channel_with_custodians(
        employee, colleague, department=department, state=ChannelState.PROPOSED, activated_at=None
    )
    in_review = channel_with_custodians(
        employee, colleague, department=department, state=ChannelState.IN_SECURITY_REVIEW, activated_at=None
    )
    suspended = channel_with_custodians(
        employee, colleague, department=department, state=ChannelState.SUSPENDED, state_before_suspension="active"
    )
    grant_ours = AccessGrant.objects.get(channel=ours, user=colleague)
    grant_theirs = AccessGrant.objects.get(channel=theirs, user=trainee)
    request_ours = AccessRequest.objects.create(
        kind="channel_role", requester=reviewer, channel=ours, role="contributor", reason="Launch"
    )
    now = timezone.now()
    recert_ours = Recertification.objects.create(grant=grant_ours, opened_at=now, escalate_at=now + timedelta(days=7))
    rotation = RotationTask.objects.create(channel=ours, departed_user=gone)
    report = ReportedAccountFactory(reported_by=employee)
    return SimpleNamespace(**locals())


def more_channels(n, department):
    for _ in range(n):
        ChannelFactory(department=department)
