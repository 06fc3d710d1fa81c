"""The registry list and "my channels": what the services change shows on the next view, each person sees their
own, a bad filter is refused without emptying the list, and times are of each view."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import UserFactory
from channels_registry import services
from channels_registry.tests.factories import channel_with_custodians

pytestmark = pytest.mark.django_db

ROW_NAME = re.compile(r'<td><a href="/registry/channels/\d+/">([^<]*)</a><br><span class="muted">')


def _names(response) -> list[str]:
    """The channels the page lists."""
    return [html.unescape(name) for name in ROW_NAME.findall(response.content.decode())]


@pytest.mark.parametrize("url", ["/registry/", "/registry/mine/"])
def test_a_channel_registered_through_the_service_shows_next_time(client, employee, colleague, registration, url):
    # given the list seen
    channel_with_custodians(employee, colleague, display_name="One")
    client.force_login(employee)
    assert _names(client.get(url)) == ["One"]

    # when a channel is registered
    services.channel_register(actor=employee, **registration)

    # then the next view lists it
    assert sorted(_names(client.get(url))) == ["Acme News", "One"]


def test_one_persons_kept_channels_are_never_anothers(client, employee, colleague):
    # given someone who has seen their channels
    channel_with_custodians(employee, colleague, display_name="Theirs")
    client.force_login(employee)
    assert _names(client.get("/registry/mine/")) == ["Theirs"]

    # when someone holding none asks for the same page
    client.force_login(UserFactory(email="newcomer@example.com"))
    response = client.get("/registry/mine/")

    # then they see their own (empty) list
    assert _names(response) == []
    assert b"Theirs" not in response.content


@pytest.mark.parametrize("seen", [1, 2])
def test_a_platform_that_is_not_one_is_refused_as_before(client, employee, colleague, seen):
    # given a channel
    channel_with_custodians(employee, colleague, display_name="One")
    client.force_login(employee)

    # when the list is asked for a platform that does not exist (once, then again)
    for _ in range(seen):
        response = client.get("/registry/?platform=nope&department=marketing")

    # then the form says so, keeps the valid choice, and the list is not emptied
    page = response.content.decode()
    assert page.count("Select a valid choice. That choice is not one of the available choices.") == 1
    assert '<option value="marketing" selected>' in page
    assert _names(response) == ["One"]


def test_the_time_since_the_last_activity_is_worked_out_on_each_view(client, employee, colleague):
    # given a channel last active at 10:00, the list seen at 11:00
    start = timezone.make_aware(datetime(2026, 3, 2, 10, 0))
    channel_with_custodians(employee, colleague, display_name="One", last_activity_at=start)
    client.force_login(employee)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        first = client.get("/registry/").content.decode()

    # when it is seen again two days later, nothing written in between
    with time_machine.travel(start + timedelta(days=2, hours=1), tick=False):
        again = client.get("/registry/").content.decode()

    # then each view says how long ago then
    assert "<td>1\xa0hour ago</td>" in first
    assert "<td>2\xa0days, 1\xa0hour ago</td>" in again
