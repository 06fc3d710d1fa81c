"""Every list page and list endpoint costs the same, exact number of queries with 3 rows as with 30."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory, add_member
from channels_registry.models import (
    AccessGrant,
    AccessRequest,
    Channel,
    ChannelActivity,
    DormancyFinding,
    Recertification,
    RotationTask,
)
from channels_registry.tests.factories import ChannelFactory, ReportedAccountFactory, channel_with_custodians
from policies.tests.factories import PlatformDecisionFactory, PlatformFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(department):
    return add_member(UserFactory(email="colleague@example.com"), department, "member")


def add_channels(ctx, n):
    for _ in range(n):
        channel_with_custodians(ctx["employee"], ctx["colleague"], department=ctx["department"])


def _one_channel(ctx):
    if "channel" not in ctx:
        ctx["channel"] = ChannelFactory(department=ctx["department"])
    return ctx["channel"]


def add_activities(ctx, n):
    channel = _one_channel(ctx)
    ChannelActivity.objects.bulk_create(
        [ChannelActivity(channel=channel, occurred_at=timezone.now(), source="api", kind="post") for _ in range(n)]
    )


def add_findings(ctx, n):
    for _ in range(n):
        DormancyFinding.objects.create(channel=ChannelFactory(), state="resolved", opened_at=timezone.now())


def _grants(ctx, n):
    channel = _one_channel(ctx)
    people = [UserFactory() for _ in range(n)]
    return [
        AccessGrant.objects.create(
            channel=channel,
            user=p,
            role="contributor",
            granted_by=ctx["employee"],
            reason="r",
            review_by=timezone.localdate(),
        )
        for p in people
    ]


def add_grants(ctx, n):
    _grants(ctx, n)


def add_requests(ctx, n):
    channel = _one_channel(ctx)
    for _ in range(n):
        AccessRequest.objects.create(
            kind="channel_role", requester=UserFactory(), channel=channel, role="contributor", reason="r"
        )


def add_recertifications(ctx, n):
    now = timezone.now()
    for g in _grants(ctx, n):
        Recertification.objects.create(grant=g, opened_at=now, escalate_at=now + timedelta(days=7))


def add_rotations(ctx, n):
    channel = _one_channel(ctx)
    for _ in range(n):
        RotationTask.objects.create(channel=channel, departed_user=UserFactory())


def add_reports(ctx, n):
    for _ in range(n):
        ReportedAccountFactory()


def add_decisions(ctx, n):
    for _ in range(n):
        PlatformDecisionFactory(decided_by=ctx["it_security"], departments=[ctx["department"]])


def add_platforms(ctx, n):
    for _ in range(n):
        PlatformFactory()


def add_desk(ctx, n):
    add_requests(ctx, n)
    add_recertifications(ctx, n)
    add_rotations(ctx, n)
    add_reports(ctx, n)
    for _ in range(n):
        ChannelFactory(department=ctx["department"], state="in_security_review")


# url, viewer, adder, exact queries. The registry's per-state counts come from the cache for a minute after the
# first view (the warm-up request), and so do every page's bell and lockdown banner (until they change), and the
# person's memberships (kept under their version: core.objects).
CASES = {
    "page channel_list": ("/registry/", "employee", add_channels, 4),
    # no row has a security gap: an empty page of rows (by keyset: one query, no count); platform=x checked against
    # the platforms the form shows
    "page channel_list filtered": ("/registry/?security_gaps=true&platform=x", "employee", add_channels, 5),
    "page my_channels": ("/registry/mine/", "employee", add_channels, 4),
    "page access_request_list": ("/registry/access-requests/", "it_security", add_requests, 5),
    "page recertification_list": ("/registry/recertifications/", "it_security", add_recertifications, 3),
    "page rotation_task_list": ("/registry/rotations/", "it_security", add_rotations, 3),
    "page reported_account_list": ("/registry/reported/", "it_security", add_reports, 5),
    "page it_desk": ("/registry/it/", "it_security", add_desk, 6),
    "page platform_list": ("/policies/platforms/", "employee", add_decisions, 7),
    # IT security sees a change and an end link on each row: still the same queries
    "page platform_list as it": ("/policies/platforms/", "it_security", add_decisions, 7),
    # the register: its count and its page (one compound query each), then the platform decisions on the page
    # and their departments
    "page it_decisions": ("/decisions/", "it_security", add_decisions, 6),
    "api channel-list": ("/api/v1/channels/", "employee", add_channels, 2),
    "api channelactivity-list": ("/api/v1/channel-activities/", "employee", add_activities, 2),
    "api dormancyfinding-list": ("/api/v1/dormancy-findings/", "employee", add_findings, 2),
    "api accessgrant-list": ("/api/v1/access-grants/", "it_security", add_grants, 2),
    "api accessrequest-list": ("/api/v1/access-requests/", "it_security", add_requests, 2),
    "api recertification-list": ("/api/v1/recertifications/", "it_security", add_recertifications, 2),
    "api rotationtask-list": ("/api/v1/rotation-tasks/", "it_security", add_rotations, 2),
    "api reportedaccount-list": ("/api/v1/reported-accounts/", "it_security", add_reports, 2),
    "api platform-list": ("/api/v1/platforms/", "employee", add_platforms, 2),
    "api platformdecision-list": ("/api/v1/platform-decisions/", "employee", add_decisions, 3),
}


@pytest.mark.parametrize("case", list(CASES))
def test_list_costs_a_fixed_number_of_queries(
    case, client, employee, colleague, it_security, department, django_assert_num_queries
):
    # given a signed-in viewer whose session is already tracked (the first request records it)
    url, viewer, add, queries = CASES[case]
    ctx = {"employee": employee, "colleague": colleague, "it_security": it_security, "department": department}
    client.force_login(ctx[viewer])
    assert client.get(url).status_code == 200

    for n in (3, 27):  # 3 rows, then 30
        # when
        add(ctx, n)
        with django_assert_num_queries(queries):
            response = client.get(url)

        # then
        assert response.status_code == 200


def test_channel_page_costs_the_same_with_3_or_30_activities_and_members(
    client, employee, colleague, department, django_assert_num_queries
):
    from channels_registry.tests.factories import add_custodian

    channel = channel_with_custodians(employee, colleague, department=department)
    client.force_login(employee)
    url = f"/registry/channels/{channel.pk}/"
    assert client.get(url).status_code == 200
    for n in (3, 27):
        ChannelActivity.objects.bulk_create(
            [ChannelActivity(channel=channel, occurred_at=timezone.now(), source="api") for _ in range(n)]
        )
        for _ in range(n):
            add_custodian(channel, UserFactory(), "contributor", holds_credentials=False)
        with django_assert_num_queries(CHANNEL_PAGE_QUERIES):
            assert client.get(url).status_code == 200


# the bell, the lockdown banner and the memberships come from the cache after the first view; the legal holds on the
# channel's records: one (records.selectors.holds_covering)
CHANNEL_PAGE_QUERIES = 10


@pytest.mark.parametrize("rows", [3, 30])
def test_an_older_page_of_the_registry_costs_what_the_first_does(
    client, employee, colleague, department, rows, django_assert_num_queries
):
    # given more channels than a page holds (25), a platform filter, and the first page seen
    ctx = {"employee": employee, "colleague": colleague, "department": department}
    add_channels(ctx, 25 + rows)
    client.force_login(employee)
    first = client.get("/registry/", {"state": "active"}).context["page"]
    assert first.has_next

    # when the "Older" page is asked for
    with django_assert_num_queries(4) as queries:
        response = client.get("/registry/", {"state": "active", "after": first.next_cursor})

    # then the next 25, newest first, and nothing counted (the per-state figures are kept a minute)
    page = response.context["page"]
    assert len(page.object_list) == min(rows, 25) and page.has_next == (rows > 25) and page.has_previous
    assert not any("__count" in q["sql"] for q in queries.captured_queries)  # no COUNT(*) of the list
    newest = sorted((c.pk for c in Channel.objects.all()), reverse=True)
    assert [c["pk"] for c in first.object_list + page.object_list] == newest[:50]
    html = response.content.decode()
    assert f'href="?state=active&amp;before={page.previous_cursor}">Newer</a>' in html
