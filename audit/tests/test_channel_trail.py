"""A channel's whole trail: its own events and those of its posts, lockdowns and activity, from its page."""

import pytest
from django.utils import timezone

from approvals.tests.factories import LockdownFactory, channel_for, draft
from audit import services as audit
from audit.filters import AuditEventFilter
from audit.selectors import trail
from channels_registry.models import ChannelActivity

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_channels(employee, department):
    return channel_for(employee, department=department), channel_for(employee, department=department)


def parts_of(channel, employee):
    """One event on the channel, and one on each of its post (created through the service), lockdown and activity."""
    post = draft(employee, channel)  # records post.created
    lockdown = LockdownFactory(scope="channel", channel=channel, started_by=employee)
    activity = ChannelActivity.objects.create(channel=channel, occurred_at=timezone.now(), source="api", kind="post")
    audit.record(actor=employee, action="channel.suspended", target=channel, data={"reason": "r"})
    audit.record(actor=employee, action="lockdown.started", target=lockdown, data={"reason": "r"})
    audit.record(actor=employee, action="test.activity", target=activity)
    return post, lockdown, activity


def test_the_channel_filter_includes_its_posts_lockdowns_and_activity_and_no_other_channels(employee, two_channels):
    # given the same kinds of events for two channels
    mine, other = two_channels
    parts_of(mine, employee)
    parts_of(other, employee)

    # when the trail is filtered to the first
    rows = AuditEventFilter({"channel": str(mine.pk)}, queryset=trail()).qs

    # then it has the channel's own event and those of its post, lockdown and activity, and none of the other's
    seen = {(e.action, e.target_type) for e in rows}
    assert seen == {
        ("channel.suspended", "channels_registry.channel"),
        ("post.created", "approvals.post"),
        ("lockdown.started", "approvals.lockdown"),
        ("test.activity", "channels_registry.channelactivity"),
    }
    assert len(rows) == 4
    assert AuditEventFilter({"channel": str(other.pk)}, queryset=trail()).qs.count() == 4


def test_a_bad_channel_is_a_form_error_not_a_500(client, auditor):
    client.force_login(auditor)
    response = client.get("/audit/?channel=abc")
    assert response.status_code == 200 and response.context["filter"].errors["channel"]


@pytest.mark.parametrize("rows", [3, 30])
def test_the_channel_trail_page_costs_the_same_queries(
    client, auditor, employee, two_channels, rows, django_assert_num_queries
):
    mine, other = two_channels
    post, lockdown, _ = parts_of(mine, employee)
    for i in range(rows):
        audit.record(actor=employee, action="test.more", target=(mine, post, lockdown)[i % 3], data={"i": i})
        audit.record(actor=employee, action="test.more", target=other, data={"i": i})
    client.force_login(auditor)
    # the user with their groups, the view permission, the channel (its name, in the filter's picker), events,
    # unread count, lockdowns in force (banner)
    with django_assert_num_queries(6):
        response = client.get(f"/audit/?channel={mine.pk}")
    assert len(response.context["events"]) == rows + 4


def test_the_channel_page_links_its_whole_trail_for_trail_readers_only(client, auditor, employee, two_channels):
    mine, _ = two_channels
    link = f'href="/audit/?channel={mine.pk}"'
    client.force_login(employee)
    assert link not in client.get(f"/registry/channels/{mine.pk}/").content.decode()
    client.force_login(auditor)
    assert link in client.get(f"/registry/channels/{mine.pk}/").content.decode()
