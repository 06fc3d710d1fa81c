"""The separation-of-duties report: each finding found, in the table and the CSV, in a fixed number of queries."""

import csv
import io

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory, add_member
from approvals.models import Decision
from approvals.tests.factories import channel_for, submitted
from channels_registry.choices import ChannelState
from channels_registry.models import AccessGrant, AccessRequest, Recertification, SecurityReview
from channels_registry.tests.factories import ChannelFactory, add_custodian, channel_with_custodians
from reports import duties
from reports.selectors import Scope

pytestmark = pytest.mark.django_db


def _conflicts(employee, reviewer, manager, it_security, department, n):
    """``n`` of each finding, written as the rules of the time allowed (directly: no service would now)."""
    for i in range(n):
        # held now: a custodian who reviewed the channel; a credential holder who reviews its posts; a registrant
        # who manages its department
        reviewed = channel_with_custodians(it_security, employee, department=department)
        SecurityReview.objects.create(channel=reviewed, reviewer=it_security, outcome="passed", checklist={})
        held = ChannelFactory(department=department, display_name=f"Held {i}")
        add_custodian(held, reviewer)
        ChannelFactory(department=department, registered_by=manager, state=ChannelState.PROPOSED, display_name=f"R{i}")
        # decided: one's own registration approved and reviewed, one's own request, grant, recertification, post
        own = ChannelFactory(department=department, registered_by=it_security, approved_by=it_security)
        SecurityReview.objects.create(channel=own, reviewer=it_security, outcome="passed", checklist={})
        AccessRequest.objects.create(
            kind="channel_role", requester=it_security, channel=own, role="owner", reason="x", decided_by=it_security
        )
        grant = AccessGrant.objects.create(
            channel=own, user=it_security, role="owner", granted_by=it_security, reason="Me", review_by=timezone.now()
        )
        Recertification.objects.create(
            grant=grant, opened_at=timezone.now(), escalate_at=timezone.now(), state="confirmed", decided_by=employee
        )
        Recertification.objects.create(
            grant=grant, opened_at=timezone.now(), escalate_at=timezone.now(), state="confirmed", decided_by=it_security
        )
        channel = channel_for(employee, reviewer, department=department)
        post = submitted(reviewer, channel)
        Decision.objects.create(stage_review=post.stage_reviews.get(position=1), reviewer=reviewer, outcome="approve")
        post = submitted(employee, channel)
        for stage in post.stage_reviews.all():
            Decision.objects.create(stage_review=stage, reviewer=manager, outcome="approve")


@pytest.mark.parametrize("n", [1, 3])
def test_every_finding_in_a_fixed_number_of_queries(
    employee, reviewer, manager, it_security, department, n, django_assert_num_queries
):
    _conflicts(employee, reviewer, manager, it_security, department, n)

    with django_assert_num_queries(len(duties.FINDINGS)):
        table = duties.separation_of_duties(Scope(start=timezone.localdate(), end=timezone.localdate()))

    counts = table.counts
    assert counts == {
        "custodian and IT reviewer of the same channel": n,
        "holds the credentials and approves the channel's posts": n,
        "manager who registered the channel": n,
        "approved a channel registration they made": n,
        "reviewed the security of a channel they registered": n,
        "decided their own access request": n,
        "granted access to themselves": n,
        "recertified their own access": n,
        "decided their own post": n,
        "decided two stages of one revision": n,
    }
    rows = {(r[0], r[4]) for r in table.rows}
    assert ("decided their own post", reviewer.email) in rows
    assert ("decided two stages of one revision", manager.email) in rows
    assert ("manager who registered the channel", manager.email) in rows


def test_the_registration_s_own_grants_are_no_finding(employee, colleague_factory, department):
    # a registrant names themselves custodian: the grant is the registration's (approved and reviewed by others)
    channel = channel_with_custodians(employee, colleague_factory(), department=department, registered_by=employee)
    AccessGrant.objects.filter(channel=channel).update(granted_by=employee, reason="Named custodian at registration.")
    table = duties.separation_of_duties(Scope(start=timezone.localdate(), end=timezone.localdate()))
    assert table.counts["granted access to themselves"] == 0


@pytest.fixture
def colleague_factory(department):
    return lambda: add_member(UserFactory(), department, "member")


def test_the_page_the_csv_and_who_reads_them(client, auditor, manager, employee, reviewer, it_security, department):
    _conflicts(employee, reviewer, manager, it_security, department, 1)
    client.force_login(auditor)

    page = client.get("/reports/separation-of-duties/").content.decode()
    assert "decided two stages of one revision" in page and "<svg" in page
    rows = list(
        csv.reader(
            io.StringIO(b"".join(client.get("/reports/separation-of-duties/export.csv").streaming_content).decode())
        )
    )
    assert rows[0] == duties.COLUMNS
    assert rows[1:][[r[0] for r in rows[1:]].index("decided their own post")][:3] == [
        "decided their own post",
        "decided",
        "Marketing",
    ]
    # the auditors and IT security read it; a manager (who reads the other reports) does not, nor finds it listed
    client.force_login(manager)
    assert client.get("/reports/separation-of-duties/").status_code == 403
    assert "Separation of duties" not in client.get("/reports/").content.decode()
    client.force_login(it_security)
    assert client.get("/reports/separation-of-duties/").status_code == 200
