"""Lockdowns shown wherever they matter: the scheduled list, the post page, and ending one (issue 22)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals import services
from approvals.choices import PostState
from approvals.models import Lockdown
from approvals.tests.factories import approve_all, channel_for, join, submitted

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def approved(employee, channel, reviewer, communications):
    return approve_all(submitted(employee, channel, body="Held back"), reviewer, communications)


@pytest.fixture
def elsewhere(employee, department, reviewer, communications):
    """An approved post on another channel of the same department, which a channel lockdown does not hold."""
    other = channel_for(employee, department=department)
    return approve_all(submitted(employee, other, body="Goes out"), reviewer, communications)


def _row(page, text):
    """The table row of the scheduled list that shows ``text``."""
    for row in page.split("<tr>")[1:]:
        if text in row:
            return row.split("</tr>")[0]
    raise AssertionError(f"no row shows {text!r}")


# --- (a) the scheduled list ---------------------------------------------------------------------------


def test_the_scheduled_list_says_a_post_is_held_by_the_lockdown_not_due(
    client, approved, elsewhere, communications, it_security
):
    # given two approved posts, both released (due), and then a lockdown of the first one's channel
    for post in (approved, elsewhere):
        services.post_release(actor=it_security, post=post)
    services.lockdown_start(actor=communications, scope="channel", channel=approved.channel, reason=f"Hold {SCRIPT}")

    client.force_login(it_security)
    page = client.get(reverse("approvals:scheduled")).content.decode()

    # then the held post says so, with the reason (escaped) and who started it, and neither "Approved" nor "due"
    held = _row(page, "Held back")
    assert "Held by lockdown" in held
    assert "Hold &lt;script&gt;" in held and SCRIPT not in page
    assert f"started by {communications}" in held
    assert "Approved" not in held and ">due<" not in held
    # and the post on another channel is due as before
    due = _row(page, "Goes out")
    assert "Held by lockdown" not in due and "Approved" in due and ">due<" in due


def test_the_scheduled_list_holds_every_post_of_a_department_lockdown(
    client, approved, elsewhere, communications, it_security, department
):
    services.lockdown_start(actor=communications, scope="department", department=department, reason="Statement")
    client.force_login(it_security)
    page = client.get(reverse("approvals:scheduled")).content.decode()
    assert "Held by lockdown" in _row(page, "Held back") and "Held by lockdown" in _row(page, "Goes out")


def test_an_ended_lockdown_holds_nothing_on_the_scheduled_list(client, approved, communications, it_security):
    lockdown = services.lockdown_start(actor=communications, scope="all", reason="Statement")
    services.lockdown_end(actor=communications, lockdown=lockdown)
    client.force_login(it_security)
    row = _row(client.get(reverse("approvals:scheduled")).content.decode(), "Held back")
    assert "Held by lockdown" not in row and "Approved" in row


# --- (b) the post page --------------------------------------------------------------------------------


def test_the_post_page_offers_mark_as_published_outside_a_lockdown(client, approved, colleague):
    join(approved.channel, colleague)
    client.force_login(colleague)
    page = client.get(reverse("approvals:post_detail", args=[approved.pk])).content.decode()
    assert "Mark as published" in page and reverse("approvals:post_published", args=[approved.pk]) in page


def test_the_post_page_does_not_offer_mark_as_published_while_its_channel_is_locked_down(
    client, approved, colleague, communications
):
    join(approved.channel, colleague)
    services.lockdown_start(actor=communications, scope="channel", channel=approved.channel, reason=f"Hold {SCRIPT}")
    client.force_login(colleague)
    page = client.get(reverse("approvals:post_detail", args=[approved.pk])).content.decode()

    assert "Mark as published" not in page
    assert reverse("approvals:post_published", args=[approved.pk]) not in page
    assert "cannot be marked as published until the lockdown ends" in page
    # the notice and the banner name who started it; the reason is escaped
    assert f"started by {communications}" in page and f"Started by {communications}." in page
    assert "Hold &lt;script&gt;" in page and SCRIPT not in page


def test_the_service_refuses_a_release_while_a_lockdown_holds_the_post(approved, it_security, communications):
    from core.errors import Conflict

    services.lockdown_start(actor=communications, scope="channel", channel=approved.channel, reason="Hold")
    with pytest.raises(Conflict) as refused:
        services.post_release(actor=it_security, post=approved)
    assert refused.value.code == "lockdown" and "Hold" in refused.value.message
    approved.refresh_from_db()
    assert approved.released_at is None and approved.state == PostState.APPROVED


# --- (c) ending asks first -------------------------------------------------------------------------------


def test_the_lockdowns_list_leads_to_a_confirmation_not_straight_to_ending(client, communications):
    lockdown = services.lockdown_start(actor=communications, scope="all", reason="Statement")
    client.force_login(communications)
    page = client.get(reverse("approvals:lockdowns")).content.decode()
    assert reverse("approvals:lockdown_end_confirm", args=[lockdown.pk]) in page
    assert f'action="{reverse("approvals:lockdown_end", args=[lockdown.pk])}"' not in page


def test_the_confirmation_summarises_the_lockdown_and_ending_from_it_ends_it(client, communications, it_security):
    lockdown = services.lockdown_start(actor=communications, scope="all", reason=f"Statement {SCRIPT}")
    client.force_login(it_security)
    confirm = reverse("approvals:lockdown_end_confirm", args=[lockdown.pk])

    response = client.get(confirm)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Statement &lt;script&gt;" in page and SCRIPT not in page
    assert f"by {communications}" in page
    assert f'action="{reverse("approvals:lockdown_end", args=[lockdown.pk])}"' in page
    assert f'href="{reverse("approvals:lockdowns")}"' in page  # Cancel
    # looking at the confirmation ends nothing
    lockdown.refresh_from_db()
    assert lockdown.ended_at is None

    response = client.post(reverse("approvals:lockdown_end", args=[lockdown.pk]))
    assert response.status_code == 302
    lockdown.refresh_from_db()
    assert lockdown.ended_at is not None and lockdown.ended_by == it_security

    # an ended lockdown's confirmation offers no button
    page = client.get(confirm).content.decode()
    assert "This lockdown has already ended." in page
    assert f'action="{reverse("approvals:lockdown_end", args=[lockdown.pk])}"' not in page


def test_the_confirmation_is_refused_to_those_who_cannot_end_and_404s_for_no_lockdown(client, employee, communications):
    lockdown = services.lockdown_start(actor=communications, scope="all", reason="Statement")
    client.force_login(employee)
    assert client.get(reverse("approvals:lockdown_end_confirm", args=[lockdown.pk])).status_code == 403
    client.force_login(communications)
    missing = Lockdown.objects.order_by("-pk").first().pk + 1
    assert client.get(reverse("approvals:lockdown_end_confirm", args=[missing])).status_code == 404
    assert client.post(reverse("approvals:lockdown_end_confirm", args=[lockdown.pk])).status_code == 405
