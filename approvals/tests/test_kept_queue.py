"""The review queue's page is kept per person and query string until the next audited write
(``socialgov.pagekit.kept_filtered_page``): a repeat view reads only the person, a decision shows at once,
one person's rows are never another's, and a kept page is the same HTML as the page it was kept from."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member
from approvals import services
from approvals.tests.factories import channel_for, open_stage, submitted

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
QUEUE = reverse("approvals:queue")


def _rows(response) -> list[int]:
    return [s["pk"] for s in response.context["page"].object_list]


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
    assert len(_rows(again)) == 5 and again.context["page"].number == 2
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
