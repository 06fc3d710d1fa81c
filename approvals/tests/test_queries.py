"""Every list page and list endpoint costs a fixed number of queries, however many rows it shows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals.tests.factories import draft, submitted

pytestmark = pytest.mark.django_db

# The numbers are exact: a change that adds a query per row, or a query per page, shows here.
# session, user, groups, memberships, delegations held, count (capped), stages, unread, lockdowns (banner),
# and the filter's department choices (the channel filter takes a number: no list of every channel)
QUEUE_PAGE = 12  # + the review gate (policies, courses; the memberships read above answer it too)
QUEUE_ENDPOINT = 4
MY_POSTS_PAGE = 9  # the channel filter takes a number: no query for a list of every channel
POSTS_ENDPOINT = 4


@pytest.fixture
def posts(request, employee, channel):
    return [submitted(employee, channel, body=f"Post number {i} <b>bold</b>") for i in range(request.param)]


@pytest.mark.parametrize("posts", [5, 50], indirect=True)
def test_queue_page(client, reviewer, posts, django_assert_num_queries):
    client.force_login(reviewer)
    with django_assert_num_queries(QUEUE_PAGE):
        response = client.get(reverse("approvals:queue"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(len(posts), 25)


@pytest.mark.parametrize("posts", [5, 50], indirect=True)
def test_queue_endpoint(api_client, reviewer, posts, django_assert_num_queries):
    api_client.force_authenticate(reviewer)
    with django_assert_num_queries(QUEUE_ENDPOINT):
        response = api_client.get("/api/v1/reviews/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == len(posts)


@pytest.mark.parametrize("posts", [5, 50], indirect=True)
def test_my_posts_page(client, employee, posts, django_assert_num_queries):
    client.force_login(employee)
    with django_assert_num_queries(MY_POSTS_PAGE):
        response = client.get(reverse("approvals:my_posts"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(len(posts), 25)


@pytest.mark.parametrize("posts", [5, 50], indirect=True)
def test_posts_endpoint(api_client, reviewer, posts, django_assert_num_queries):
    api_client.force_authenticate(reviewer)
    with django_assert_num_queries(POSTS_ENDPOINT):
        response = api_client.get("/api/v1/posts/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == len(posts)


def test_the_post_page_costs_the_same_with_more_revisions_decisions_and_comments(
    client, employee, channel, reviewer, communications
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from approvals import services
    from approvals.tests.factories import approve_all

    plain = submitted(employee, channel)
    busy = draft(employee, channel, body="Version 0")
    for i in range(1, 6):
        services.post_update(actor=employee, post=busy, body=f"Version {i}")
        services.comment_add(actor=employee, post=busy, body=f"Comment {i}")
    services.post_submit(actor=employee, post=busy)
    approve_all(busy, reviewer)
    client.force_login(communications)
    client.get(reverse("approvals:post_detail", args=[plain.pk]))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("approvals:post_detail", args=[plain.pk])).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("approvals:post_detail", args=[busy.pk]) + "?from=1&to=6").status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
