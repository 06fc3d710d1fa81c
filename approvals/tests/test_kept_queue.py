"""The review queue's page is kept per person and query string until the next audited write
(``socialgov.pagekit.kept_page``): a repeat view reads only the person, a decision shows at once,
one person's rows are never another's, and a kept page is the same HTML as the page it was kept from."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member
from approvals import services
from approvals.models import StageReview
from approvals.tests.factories import channel_for, open_stage, submitted
from notifications.services import notify

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
QUEUE = reverse("approvals:queue")


def _rows(response) -> list[int]:
    """The stages the page lists (a kept page is not rendered again: read its HTML)."""
    return [int(pk) for pk in re.findall(r'<textarea id="comment-(\d+)"', response.content.decode())]


def test_a_repeat_view_reads_only_the_person(client, reviewer, employee, channel, django_assert_num_queries):
    # given a queue seen once (sessions come from the cache; the bell and banner are kept)
    for i in range(30):
        submitted(employee, channel, body=f"Post {i}")
    client.force_login(reviewer)
    first = client.get(QUEUE + "?page=2")

    # when seen again
    with django_assert_num_queries(1):  # the person with their groups
        again = client.get(QUEUE + "?page=2")

    # then it is the same page, pager included
    assert CSRF.sub("", again.content.decode()) == CSRF.sub("", first.content.decode())
    assert len(_rows(again)) == 5 and "Page 2 of 2" in again.content.decode()
    assert 'href="?page=1">Previous</a>' in again.content.decode()


def test_a_decision_through_the_service_shows_on_the_next_view(client, reviewer, employee, channel):
    # given two posts waiting, the queue seen (and kept)
    posts = [submitted(employee, channel, body=f"Post {i}") for i in range(2)]
    client.force_login(reviewer)
    stages = [open_stage(p) for p in posts]
    assert sorted(_rows(client.get(QUEUE))) == sorted(s.pk for s in stages)

    # when one is decided
    services.stage_decide(actor=reviewer, stage_review=stages[0], outcome="approve")

    # then the next view no longer lists it
    assert _rows(client.get(QUEUE)) == [stages[1].pk]


def test_one_persons_kept_rows_are_never_anothers(client, reviewer, employee, channel):
    # given a reviewer of Marketing who has seen its queue, and a reviewer of another department
    stage = open_stage(submitted(employee, channel, body="Marketing post"))
    other = add_member(UserFactory(email="legal-reviewer@example.com"), DepartmentFactory(slug="legal"), "reviewer")
    client.force_login(reviewer)
    assert _rows(client.get(QUEUE + "?stage=")) == [stage.pk]

    # when the other reviewer asks for the same page
    client.force_login(other)
    response = client.get(QUEUE + "?stage=")

    # then they see their own (empty) queue
    assert _rows(response) == []
    assert b"Marketing post" not in response.content


def test_a_kept_page_is_the_html_of_the_page_it_was_kept_from(client, reviewer, employee, department):
    # given hostile text in every column of the rows and in the query string
    hostile = '<script>alert("x")</script> & \u202e'
    channel = channel_for(employee, department=department, display_name=hostile)
    for i in range(3):
        submitted(employee, channel, body=f"{hostile} {i}")
    client.force_login(reviewer)
    query = "?stage=%3Cb%3E&older_than=x&overdue=maybe&department=marketing"

    # when the page is computed, then kept
    first, again = client.get(QUEUE + query), client.get(QUEUE + query)

    # then both are the same HTML (but for the CSRF token), with the text escaped
    assert CSRF.sub("", again.content.decode()) == CSRF.sub("", first.content.decode())
    assert "<script>" not in first.content.decode() and "&lt;script&gt;" in first.content.decode()


@pytest.mark.parametrize("seen", [1, 2])
def test_a_department_that_is_not_one_is_refused_as_before(client, reviewer, employee, channel, seen):
    # given a post waiting
    submitted(employee, channel)
    client.force_login(reviewer)

    # when the queue is asked for a department that does not exist (computed, then kept)
    for _ in range(seen):
        response = client.get(QUEUE + "?department=nope")

    # then the form says so as Django's ModelChoiceField does, and the list is not emptied by it
    assert "Select a valid choice. That choice is not one of the available choices." in response.content.decode()
    assert len(_rows(response)) == 1
    assert '<option value="marketing">' in response.content.decode()


# --- What a page kept whole fills in on each view (socialgov.pagekit.kept_page) ---------------------------------


def test_how_long_a_post_has_waited_is_worked_out_on_each_view(client, reviewer, employee, channel):
    # given a stage opened at 10:00 and due at 16:00, its queue seen at 11:00 (and kept)
    start = timezone.make_aware(datetime(2026, 3, 2, 10, 0))
    with time_machine.travel(start, tick=False):
        stage = open_stage(submitted(employee, channel))
        StageReview.objects.filter(pk=stage.pk).update(opened_at=start, due_at=start + timedelta(hours=6))
    client.force_login(reviewer)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        first = client.get(QUEUE).content.decode()

    # when it is seen again at 13:30, then at 17:00, nothing written in between
    with time_machine.travel(start + timedelta(hours=3, minutes=30), tick=False):
        later = client.get(QUEUE).content.decode()
    with time_machine.travel(start + timedelta(hours=7), tick=False):
        late = client.get(QUEUE).content.decode()

    # then each view says how long it has waited then, and whether it is late then
    assert "1\xa0hour<br>" in first and '<span class="badge badge-ok">within SLA</span>' in first
    assert "3\xa0hours, 30\xa0minutes<br>" in later and '<span class="badge badge-warn">due soon</span>' in later
    assert "7\xa0hours<br>" in late and '<span class="badge badge-danger">overdue</span>' in late


def test_a_message_and_the_bell_are_of_the_view(client, reviewer, employee, channel):
    # given a queue seen (and kept)
    stage = open_stage(submitted(employee, channel))
    client.force_login(reviewer)
    client.get(QUEUE)

    # when a notification arrives and a decision is refused (neither an audited write), and the queue is seen again
    notify(event="test", recipients=[reviewer], title="Hello")
    client.post(reverse("approvals:stage_decide", args=[stage.pk]), {"outcome": "reject", "comment": "", "next": QUEUE})
    page = client.get(QUEUE).content.decode()

    # then the page is the kept one, with the bell's figure and the message of this view
    assert 'data-testid="unread-count">1</span>' in page
    assert '<ul class="messages" role="status">' in page and "Say why" in page
    assert '<ul class="messages"' not in client.get(QUEUE).content.decode()  # shown once


def test_text_that_looks_like_a_field_or_a_mark_stays_text(client, reviewer, employee, channel):
    # given posts whose text looks like what a kept page fills in
    for text in ("{csrf} {waiting0} {{badge0}}", "@0123456789abcdef:csrf@ }{"):
        submitted(employee, channel, body=text)
    client.force_login(reviewer)

    # when the queue is computed, then kept
    first, again = client.get(QUEUE).content.decode(), client.get(QUEUE).content.decode()

    # then the text is shown as it was written, both times
    for page in (first, again):
        assert "{csrf} {waiting0} {{badge0}}" in page and "@0123456789abcdef:csrf@ }{" in page
    assert CSRF.sub("", again) == CSRF.sub("", first)
