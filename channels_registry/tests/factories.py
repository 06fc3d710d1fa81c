"""Builders of the registry's test data: channels, their custodians, and one small world in every state."""

from datetime import timedelta
from types import SimpleNamespace

import factory
from django.utils import timezone

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member
from channels_registry.choices import REGISTRATION_GRANT_REASON, ChannelRole, ChannelState
from channels_registry.models import (
    AccessGrant,
    AccessRequest,
    Channel,
    ChannelMembership,
    Recertification,
    ReportedAccount,
    RotationTask,
)
from policies.tests.factories import platform


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    platform = factory.LazyFunction(platform)
    handle = factory.Sequence(lambda n: f"acme_{n}")
    url = factory.LazyAttribute(lambda o: f"https://x.com/{o.handle}")
    display_name = factory.Sequence(lambda n: f"Acme channel {n}")
    department = factory.SubFactory(DepartmentFactory)
    purpose = "News about our products."
    audience = "Customers"
    recovery_contact = "social@example.com"
    mfa_enabled = True
    credentials_location = "vault://marketing/x-account"
    state = ChannelState.ACTIVE
    registered_by = factory.SubFactory(UserFactory)
    activated_at = factory.LazyFunction(timezone.now)


def add_custodian(channel, user, role=ChannelRole.ADMIN, *, holds_credentials=True, granted_by=None):
    ChannelMembership.objects.create(
        channel=channel, user=user, role=role, holds_credentials=holds_credentials, mfa_confirmed=True
    )
    AccessGrant.objects.create(
        channel=channel,
        user=user,
        role=role,
        granted_by=granted_by or user,
        # no one named: the custodian of a registration (their grant is the registration's, not a decision)
        reason="Test grant." if granted_by else REGISTRATION_GRANT_REASON,
        review_by=timezone.localdate() + timedelta(days=90),
    )
    return user


def channel_with_custodians(*people, **kwargs):
    """A channel held by ``people``: the first is its owner, the others admins."""
    channel = ChannelFactory(**kwargs)
    for i, person in enumerate(people):
        add_custodian(channel, person, ChannelRole.OWNER if i == 0 else ChannelRole.ADMIN)
    return channel


class ReportedAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportedAccount

    platform = factory.LazyFunction(platform)
    url = factory.Sequence(lambda n: f"https://x.com/fake_acme_{n}")
    note = "Uses our logo."
    reported_by = factory.SubFactory(UserFactory)


def build_world(*, employee, manager, reviewer, department) -> SimpleNamespace:
    """One small world for the permission table and the query counts: two departments' channels in every state."""
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
