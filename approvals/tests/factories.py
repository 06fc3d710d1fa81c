"""Posts are made through the services, so every test object went through the real rules."""

from __future__ import annotations

import factory

from approvals import services
from approvals.models import Delegation, Lockdown
from channels_registry.choices import ChannelRole
from channels_registry.models import ChannelMembership
from channels_registry.tests.factories import ChannelFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 64


def channel_for(*people, department, role=ChannelRole.CONTRIBUTOR, **kwargs):
    """An active channel of ``department`` that ``people`` contribute to."""
    channel = ChannelFactory(department=department, **kwargs)
    for person in people:
        ChannelMembership.objects.create(channel=channel, user=person, role=role)
    return channel


def join(channel, person, role=ChannelRole.PUBLISHER):
    ChannelMembership.objects.create(channel=channel, user=person, role=role)
    return person


def draft(author, channel, body="Our new product ships today.", **kwargs):
    return services.post_create(actor=author, channel=channel, body=body, **kwargs)


def submitted(author, channel, body="Our new product ships today.", **kwargs):
    post = draft(author, channel, body, **kwargs)
    return services.post_submit(actor=author, post=post)


def open_stage(post):
    return post.stage_reviews.get(state="open")


def approve_all(post, *reviewers):
    """Each reviewer in turn approves the stage that is open."""
    for reviewer in reviewers:
        services.stage_decide(actor=reviewer, stage_review=open_stage(post), outcome="approve")
    post.refresh_from_db()
    return post


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    starts_at = factory.Faker("past_datetime", tzinfo=__import__("datetime").UTC)
    ends_at = factory.Faker("future_datetime", tzinfo=__import__("datetime").UTC)
    reason = "Out of office"


class LockdownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lockdown

    reason = "Crisis"
    started_at = factory.Faker("past_datetime", tzinfo=__import__("datetime").UTC)
