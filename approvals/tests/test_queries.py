"""Every list page and list endpoint costs a fixed number of queries, however many rows it shows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals.tests.factories import draft, submitted

pytestmark = pytest.mark.django_db

# The numbers are exact: a change that adds a query per row, or a query per page, shows here.
# the user with their groups (the session from the cache), memberships, delegations held, count (capped),
# stages, their channels' platforms and departments (fetched by id, not joined: see review_queue_for), unread,
# lockdowns (banner), and the filter's department choices (the channel filter takes a number: no list of every channel)
QUEUE_PAGE = 10  # + the review gate (policies, courses; the memberships read above answer it too)
# A person not read through our backends (the API's force_authenticate) is asked whether they enrolled in two-factor
# sign-in (one query; a token or a session reads it with the person); one not enrolled, whether a role of theirs
# needs it (their memberships, kept per person after that).
QUEUE_ENDPOINT = 8  # + the stages' channels' platforms and departments, and their own departments (by id)
MY_POSTS_PAGE = 7  # by keyset: no count; the channel filter takes a number: no query for a list of every channel
# a page after another: the user, the page of rows, whether they may write (their channels), the filter's
# departments
MY_POSTS_PAGE_AFTER = 4
POSTS_ENDPOINT = 5


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
    from django.core.cache import caches
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
    approve_all(plain, reviewer)  # both in the same state: the same checks are asked
    client.force_login(communications)
    views = []
    for url in (reverse("approvals:post_detail", args=[plain.pk]), reverse("approvals:post_detail", args=[busy.pk])):
        caches["objects"].clear()  # each a first view of the post
        client.get("/")  # the person's facts, the bell and the banner read
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url + "?from=1&to=6").status_code == 200
        views.append(len(queries.captured_queries))
    assert views[0] == views[1] == POST_PAGE[2]


# A first view (the person's facts, the bell and the banner kept from their page before): 1 the user with their
# groups (the session from the cache), 2 the post, 3 its history (whose newest event is the version the rest of the
# page is kept under), then 4 the revisions, 5 stages, 6 their decisions, 7 comments, 8 attachments and 9 drift
# findings; 10 while a stage is open, for someone who may decide it, the people named on it, once approved the
# reader's channel memberships (may they mark it published?); 11 the legal holds covering the post
# (records.selectors.holds_covering).
POST_PAGE = {0: 11, 2: 11}
# A view after another: the user, the post, its history, the people named on an open stage or the reader's
# channel memberships, and the legal holds covering the post (the parts kept under the newest event).
POST_PAGE_AGAIN = {0: 5, 2: 5}


@pytest.mark.parametrize("decisions", list(POST_PAGE))
def test_post_page(client, employee, channel, reviewer, communications, decisions, django_assert_num_queries):
    from approvals import services
    from approvals.tests.factories import approve_all

    post = submitted(employee, channel)
    services.comment_add(actor=employee, post=post, body="A comment")
    if decisions:
        approve_all(post, *[reviewer, communications][:decisions])
    client.force_login(reviewer)
    client.get("/")
    with django_assert_num_queries(POST_PAGE[decisions]):
        response = client.get(reverse("approvals:post_detail", args=[post.pk]))
    assert response.status_code == 200
    with django_assert_num_queries(POST_PAGE_AGAIN[decisions]):
        assert client.get(reverse("approvals:post_detail", args=[post.pk])).status_code == 200


def test_a_change_to_the_post_shows_on_the_next_view(client, employee, channel, reviewer):
    from approvals import services

    # given the post page seen (its parts kept under its newest event)
    post = submitted(employee, channel)
    client.force_login(reviewer)
    assert b"A second thought" not in client.get(reverse("approvals:post_detail", args=[post.pk])).content

    # when its author comments
    services.comment_add(actor=employee, post=post, body="A second thought")

    # then the next view shows it
    assert b"A second thought" in client.get(reverse("approvals:post_detail", args=[post.pk])).content


def test_the_post_page_sees_exactly_the_posts_in_scope(
    client, employee, channel, reviewer, manager, communications, auditor, outsider, department
):
    """The page decides some readers' scope on the row (approvals.permissions.in_scope_without_query):
    for every reader and a draft, a submitted post and another department's post, the same answer as the scope."""
    from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, enrol_totp
    from approvals import selectors
    from approvals.tests.factories import channel_for, draft

    other_dept = DepartmentFactory(name="Legal", slug="legal")
    elsewhere = enrol_totp(add_member(UserFactory(email="legal@example.com"), other_dept, "reviewer"))
    theirs = submitted(elsewhere, channel_for(elsewhere, department=other_dept))
    posts = [draft(employee, channel), submitted(employee, channel), theirs]
    for reader in (employee, reviewer, manager, communications, auditor, outsider, elsewhere):
        client.force_login(reader)
        for post in posts:
            in_scope = selectors.posts_visible_to(reader).filter(pk=post.pk).exists()
            status = client.get(reverse("approvals:post_detail", args=[post.pk])).status_code
            assert status == (200 if in_scope else 404), (reader.email, post.state, post.channel.department_id)


# The scheduled list with a lockdown in force (half the posts held), for IT security (who sees every post; their
# facts, the bell and the banner kept from the page before): the user, the count, the page of posts with their
# channels, and the filter's department choices. Which posts are held comes from the banner's lockdowns (kept in
# the cache): no query per row, none for the lockdowns.
SCHEDULED_PAGE = 4


@pytest.mark.parametrize("count", [4, 40])
def test_scheduled_page_with_a_lockdown(
    client, employee, department, reviewer, communications, it_security, count, django_assert_num_queries
):
    from approvals import services
    from approvals.tests.factories import approve_all, channel_for

    held, free = channel_for(employee, department=department), channel_for(employee, department=department)
    for i in range(count):
        approve_all(submitted(employee, held if i % 2 else free, body=f"Post {i}"), reviewer, communications)
    services.lockdown_start(actor=communications, scope="channel", channel=held, reason="Hold")
    client.force_login(it_security)
    client.get("/")
    with django_assert_num_queries(SCHEDULED_PAGE):
        response = client.get(reverse("approvals:scheduled"))
    assert response.status_code == 200
    rows = response.context["page"].object_list
    assert len(rows) == min(count, 25)
    assert sum(1 for p in rows if p.held_by is not None) == len(rows) // 2


@pytest.mark.parametrize("rows", [3, 30])
def test_an_older_page_of_my_posts_costs_what_the_first_does(
    client, employee, channel, rows, django_assert_num_queries
):
    # given more posts than a page holds (25), some written at the same instant (the id breaks the tie)
    made = [submitted(employee, channel, body=f"Post {i}") for i in range(25 + rows)]
    type(made[0]).objects.filter(pk__in=[p.pk for p in made[10:40]]).update(created_at=made[10].created_at)
    client.force_login(employee)
    first = client.get(reverse("approvals:my_posts"), {"state": "in_review"}).context["page"]

    # when the "Older" page is asked for (the person's facts, bell and banner kept by the page before)
    with django_assert_num_queries(MY_POSTS_PAGE_AFTER) as queries:
        response = client.get(reverse("approvals:my_posts"), {"state": "in_review", "after": first.next_cursor})

    # then the next 25, each post once, newest first, nothing counted
    page = response.context["page"]
    assert len(page.object_list) == min(rows, 25) and page.has_next == (rows > 25)
    assert not any("__count" in q["sql"] for q in queries.captured_queries)  # no COUNT(*) of the list
    shown = [p.pk for p in first.object_list] + [p.pk for p in page.object_list]
    expected = type(made[0]).objects.order_by("-created_at", "-id").values_list("pk", flat=True)
    assert shown == list(expected)[:50]
    assert f'href="?state=in_review&amp;before={page.previous_cursor}">Newer</a>' in response.content.decode()
