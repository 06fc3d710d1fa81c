"""The first views people see most (dashboard, review queue, registry, a post) cost at most five queries, with 3 rows
as with 30, right after an audited write elsewhere; and what ``core.objects`` keeps changes no byte of a page."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from approvals import services
from approvals.models import Decision, StageReview
from approvals.tests.factories import submitted
from audit import services as audit

pytestmark = pytest.mark.django_db

CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')

# The reviewer's first view of each page, the person's facts (memberships, delegations held, what they still owe)
# and the layout's bell and banner kept from the page before. Every page: the user with their groups (the session
# from the cache).
FIRST_VIEW = {
    # their posts in progress, the first of their queue, their channels
    "dashboard": 4,
    # the queue's count (capped), its rows, the departments the filter offers
    "queue": 4,
    # its rows (by keyset: nothing counted), the platforms and departments the filter offers (per-state figures
    # kept a minute)
    "registry": 4,
    # the post, its history (the version its other parts are kept under), the legal holds covering it (records),
    # the people named on its open stage
    "post": 5,
}


def _urls(post) -> dict[str, str]:
    return {
        "dashboard": reverse("dashboard"),
        "queue": reverse("approvals:queue"),
        "registry": reverse("channels_registry:channel_list"),
        "post": reverse("approvals:post_detail", args=[post.pk]),
    }


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("page", list(FIRST_VIEW))
def test_a_first_view_costs_at_most_five_queries(
    client, employee, channel, reviewer, page, rows, django_assert_num_queries
):
    # given rows to show, the reviewer's pages seen once, then an audited write elsewhere (another post's comment)
    posts = [submitted(employee, channel, body=f"Post {i} <b>") for i in range(rows)]
    client.force_login(reviewer)
    url = _urls(posts[0])[page]
    assert client.get(url).status_code == 200
    services.comment_add(actor=employee, post=posts[-1], body="Meanwhile")

    # when
    with django_assert_num_queries(FIRST_VIEW[page]):
        response = client.get(url)

    # then
    assert response.status_code == 200
    assert FIRST_VIEW[page] <= 5


# The dashboard's first view by role (the reviewer's is above). Everyone: the user with their groups, their posts
# in progress, the first of their queue, their channels. A manager adds their departments' queue; IT security the
# desk (four counts and the decisions due, of three kinds) and an auditor the newest decisions and anomalies, each
# in one query (a UNION ALL of the card's parts), and both in that one query for a superuser.
DASHBOARD_BY_ROLE = {
    "employee": 4,
    "reviewer": 4,
    "manager": 5,
    "communications": 4,
    "it_security": 5,
    "auditor": 5,
    "superuser": 5,
}


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("role", list(DASHBOARD_BY_ROLE))
def test_every_roles_dashboard_first_view_costs_at_most_five_queries(
    client, request, employee, channel, role, rows, django_assert_num_queries
):
    # given rows on every card (posts in review, decisions on them, anomalies), the dashboard seen once, then an
    # audited write elsewhere
    user = request.getfixturevalue(role)
    posts = [submitted(employee, channel, body=f"Post {i} <b>") for i in range(rows)]
    for post in posts:
        stage = StageReview.objects.filter(post=post).first()
        Decision.objects.create(stage_review=stage, reviewer=user, outcome="approve")
        audit.record(actor=employee, action="lockdown.started", target=post)
    client.force_login(user)
    assert client.get(reverse("dashboard")).status_code == 200
    services.comment_add(actor=employee, post=posts[-1], body="Meanwhile")

    # when
    with django_assert_num_queries(DASHBOARD_BY_ROLE[role]):
        response = client.get(reverse("dashboard"))

    # then
    assert response.status_code == 200
    assert DASHBOARD_BY_ROLE[role] <= 5


@pytest.mark.parametrize("page", list(FIRST_VIEW))
def test_the_pages_are_the_same_with_the_object_cache_off(client, employee, channel, reviewer, page):
    # given a post with a decision and a comment, and the pages seen once (the person's facts and the post's
    # parts kept)
    post = submitted(employee, channel, body="Launch <script>")
    services.comment_add(actor=employee, post=post, body="See the draft")
    client.force_login(reviewer)
    url = _urls(post)[page]
    client.get(url)

    # when a page is served from what is kept, and with nothing kept
    kept = client.get(url).content
    off = {**caches.settings, "objects": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with override_settings(CACHES=off):
        plain = client.get(url).content

    # then the same bytes (but for the CSRF token, masked anew for each response)
    assert CSRF.sub(b"", kept) == CSRF.sub(b"", plain)
    if page != "registry":
        assert b"Launch &lt;script&gt;" in plain
