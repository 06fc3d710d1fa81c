from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import DepartmentFactory, UserFactory
from channels_registry.choices import REGISTRATION_GRANT_REASON, ChannelRole, ChannelState
from channels_registry.models import AccessGrant, Channel, ChannelMembership, ReportedAccount
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
